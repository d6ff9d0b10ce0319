import Domain
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Checks JSON request bodies against the request schema the served OpenAPI document gives their operation, so the
/// document is enforced and not only described: wrong types, `null` where the schema has none, unknown fields,
/// missing required fields, enum values, lengths, patterns, bounds, item counts, duplicates, formats (`date-time`,
/// `date`, `uuid`) and `oneOf`. Every problem is collected (up to 50) and answered at once, each field named by its path
/// (`post_settings.privacy_level`, `ids[2]`): `400 invalid_request` when the body's shape is wrong (not JSON, an
/// unknown or missing field, a wrong type or `null`), else `422 validation_failed` (a value out of its rules). Bodies
/// that pass go on unchanged to the handler, which adds the rules a schema cannot state (an account that exists, an
/// IANA zone).
///
/// The rows of the two imports are left to their handlers, which report every row's problems in their answer (and
/// honour `dry_run` and `partial`); the envelope around the rows is checked here.
struct RequestSchemaValidator: Sendable {
    /// The JSON request body schema of each operation id.
    private let bodies: [String: JSONValue]
    /// `components.schemas`, for `$ref`.
    private let components: [String: JSONValue]
    private let patterns: [String: NSRegularExpressionBox]

    init(document: Data) {
        let root = (try? JSONDecoder().decode(JSONValue.self, from: document))?.objectValue ?? [:]
        var bodies: [String: JSONValue] = [:]
        for (_, item) in root["paths"]?.objectValue ?? [:] {
            for (_, operation) in item.objectValue ?? [:] {
                guard let operation = operation.objectValue, let id = operation["operationId"]?.stringValue,
                    let schema = operation["requestBody"]?.objectValue?["content"]?.objectValue?["application/json"]?.objectValue?["schema"]
                else { continue }
                bodies[id] = Self.rowImports.contains(id) ? .object(["$ref": .string("#/components/schemas/__rows_envelope")]) : schema
            }
        }
        self.bodies = bodies
        var components = root["components"]?.objectValue?["schemas"]?.objectValue ?? [:]
        components["__rows_envelope"] = .object([
            "type": .string("object"), "required": .array([.string("rows")]),
            "properties": .object(["rows": .object(["type": .string("array"), "minItems": .number(1), "maxItems": .number(10_000)])]),
            "additionalProperties": .bool(false),
        ])
        self.components = components
        var patterns: [String: NSRegularExpressionBox] = [:]
        Self.collectPatterns(in: .object(root), into: &patterns)
        self.patterns = patterns
    }

    /// Operations whose `rows` are checked row by row by their handler.
    static let rowImports: Set<String> = ["importAccounts", "importPosts"]

    /// Whether `operationID` has a JSON body schema to check.
    func checks(_ operationID: String) -> Bool { self.bodies[operationID] != nil }

    /// The problems of `body` for `operationID` (empty: it passes).
    func problems(of body: [UInt8], operationID: String) -> [FieldProblem] {
        guard let schema = self.bodies[operationID] else { return [] }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            return [FieldProblem(field: "body", problem: "is not valid JSON")]
        }
        var problems: [FieldProblem] = []
        // PostgreSQL text cannot hold U+0000, so no string anywhere in a body may (rows of the imports included).
        Self.collectNULs(in: value, at: "", into: &problems)
        self.check(value, against: schema, at: "", into: &problems)
        return Array(problems.prefix(50))
    }

    /// One problem for each string (or field name) of `value` that holds a NUL character.
    static func collectNULs(in value: JSONValue, at path: String, into problems: inout [FieldProblem]) {
        guard problems.count < 50 else { return }
        switch value {
        case .string(let text) where text.utf8.contains(0):
            problems.append(FieldProblem(field: path.isEmpty ? "body" : path, problem: Self.nulProblem))
        case .array(let items):
            for (index, item) in items.enumerated() { Self.collectNULs(in: item, at: "\(path)[\(index)]", into: &problems) }
        case .object(let object):
            for (name, member) in object.sorted(by: { $0.key < $1.key }) {
                let field = path.isEmpty ? name : "\(path).\(name)"
                if name.utf8.contains(0) { problems.append(FieldProblem(field: field, problem: Self.nulProblem)) }
                Self.collectNULs(in: member, at: field, into: &problems)
            }
        default:
            break
        }
    }

    static let nulProblem = "must not contain a NUL character"

    // MARK: - Keywords

    private func check(_ value: JSONValue, against schema: JSONValue, at path: String, into problems: inout [FieldProblem]) {
        guard problems.count < 50, var rules = schema.objectValue else { return }
        if let reference = rules["$ref"]?.stringValue {
            guard let target = self.components[String(reference.split(separator: "/").last ?? "")] else { return }
            // Sibling keywords of a $ref (a description) carry no rules here.
            return self.check(value, against: target, at: path, into: &problems)
        }
        let field = path.isEmpty ? "body" : path
        func fail(_ problem: String) { problems.append(FieldProblem(field: field, problem: problem)) }

        if let choices = rules["oneOf"]?.arrayValue {
            return self.checkOneOf(value, choices: choices, discriminator: rules["discriminator"], at: path, field: field, into: &problems)
        }
        if let types = Self.types(rules["type"]), !types.contains(where: { Self.value(value, is: $0) }) {
            return fail("must be \(types.map(Self.article).joined(separator: " or "))")
        }
        if let allowed = rules["enum"]?.arrayValue, !allowed.contains(value) {
            return fail("must be one of \(allowed.compactMap { $0.stringValue ?? $0.numberValue.map { "\($0)" } }.joined(separator: ", "))")
        }
        switch value {
        case .string(let text):
            // One problem per string: the first rule it breaks.
            let length = text.unicodeScalars.count
            if let minimum = rules["minLength"]?.numberValue, Double(length) < minimum {
                fail(minimum == 1 ? "must not be empty" : "must be at least \(Int(minimum)) characters")
            } else if let maximum = rules["maxLength"]?.numberValue, Double(length) > maximum {
                fail("must be at most \(Int(maximum)) characters")
            } else if let format = rules["format"]?.stringValue, !Self.matches(text, format: format) {
                fail("is not a valid \(format)")
            } else if let pattern = rules["pattern"]?.stringValue, let regex = self.patterns[pattern], !regex.matches(text) {
                fail("must match \(pattern)")
            }
        case .number(let number):
            if let minimum = rules["minimum"]?.numberValue, number < minimum { fail("must be at least \(Self.text(minimum))") }
            if let maximum = rules["maximum"]?.numberValue, number > maximum { fail("must be at most \(Self.text(maximum))") }
        case .array(let items):
            if let minimum = rules["minItems"]?.numberValue, Double(items.count) < minimum { fail("must have at least \(Int(minimum)) items") }
            if let maximum = rules["maxItems"]?.numberValue, Double(items.count) > maximum { fail("must have at most \(Int(maximum)) items") }
            if rules["uniqueItems"] == .bool(true), Set(items).count != items.count { fail("must not repeat an item") }
            if let itemSchema = rules["items"] {
                for (index, item) in items.enumerated() { self.check(item, against: itemSchema, at: "\(field == "body" ? "" : field)[\(index)]", into: &problems) }
            }
        case .object(let object):
            let properties = rules.removeValue(forKey: "properties")?.objectValue ?? [:]
            let prefix = path.isEmpty ? "" : path + "."
            for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
                problems.append(FieldProblem(field: prefix + name, problem: "is required"))
            }
            if let minimum = rules["minProperties"]?.numberValue, Double(object.count) < minimum { fail("must have at least \(Int(minimum)) fields") }
            for (name, member) in object.sorted(by: { $0.key < $1.key }) {
                if let propertySchema = properties[name] {
                    self.check(member, against: propertySchema, at: prefix + name, into: &problems)
                } else if rules["additionalProperties"] == .bool(false) {
                    problems.append(FieldProblem(field: prefix + name, problem: "is not a known field"))
                } else if let additional = rules["additionalProperties"], additional.objectValue != nil {
                    self.check(member, against: additional, at: prefix + name, into: &problems)
                }
            }
        case .bool, .null:
            break
        }
    }

    /// `oneOf`: with a discriminator, the mapped schema decides (and names the problems); without, exactly one
    /// alternative must pass.
    private func checkOneOf(
        _ value: JSONValue, choices: [JSONValue], discriminator: JSONValue?, at path: String, field: String, into problems: inout [FieldProblem]
    ) {
        if let discriminator = discriminator?.objectValue, let property = discriminator["propertyName"]?.stringValue,
            let mapping = discriminator["mapping"]?.objectValue
        {
            let prefix = path.isEmpty ? "" : path + "."
            guard let tag = value.objectValue?[property]?.stringValue else {
                return problems.append(FieldProblem(field: prefix + property, problem: "is required (one of \(mapping.keys.sorted().joined(separator: ", ")))"))
            }
            guard let target = mapping[tag] else {
                return problems.append(FieldProblem(field: prefix + property, problem: "must be one of \(mapping.keys.sorted().joined(separator: ", "))"))
            }
            return self.check(value, against: .object(["$ref": target]), at: path, into: &problems)
        }
        var outcomes: [[FieldProblem]] = []
        for choice in choices {
            var found: [FieldProblem] = []
            self.check(value, against: choice, at: path, into: &found)
            outcomes.append(found)
        }
        let passing = outcomes.filter(\.isEmpty).count
        if passing == 1 { return }
        if passing > 1 { return problems.append(FieldProblem(field: field, problem: "matches more than one of its forms")) }
        // None passes: report the alternative that came closest.
        problems += outcomes.min { $0.count < $1.count } ?? [FieldProblem(field: field, problem: "matches none of its forms")]
    }

    // MARK: - Helpers

    /// A problem of the body's shape (answered 400) rather than of a value's rules (422).
    static func isShapeProblem(_ problem: FieldProblem) -> Bool {
        problem.problem == "is not valid JSON" || problem.problem == "is not a known field" || problem.problem.hasPrefix("is required")
            || problem.problem.hasPrefix("must be a ") || problem.problem.hasPrefix("must be an ") || problem.problem.hasPrefix("must be null")
    }

    private static func types(_ rule: JSONValue?) -> [String]? {
        switch rule {
        case .string(let type): [type]
        case .array(let types): types.compactMap(\.stringValue)
        default: nil
        }
    }

    private static func value(_ value: JSONValue, is type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number): true
        case ("integer", .number(let number)): number.rounded() == number && abs(number) < 9.2e18
        default: false
        }
    }

    private static func article(_ type: String) -> String {
        switch type {
        case "null": "null"
        case "integer", "array", "object": "an \(type)"
        default: "a \(type)"
        }
    }

    private static func text(_ number: Double) -> String { number.rounded() == number ? String(Int(number)) : String(number) }

    private static func matches(_ text: String, format: String) -> Bool {
        switch format {
        case "uuid": UUID(uuidString: text) != nil
        case "date-time": (try? LenientDateTranscoder().decode(text)) != nil
        case "date": (try? Date(text, strategy: Date.ISO8601FormatStyle().year().month().day())) != nil && text.count == 10
        default: true
        }
    }

    private static func collectPatterns(in value: JSONValue, into patterns: inout [String: NSRegularExpressionBox]) {
        switch value {
        case .object(let object):
            if let pattern = object["pattern"]?.stringValue, patterns[pattern] == nil, let box = NSRegularExpressionBox(pattern) {
                patterns[pattern] = box
            }
            for member in object.values { Self.collectPatterns(in: member, into: &patterns) }
        case .array(let items):
            for item in items { Self.collectPatterns(in: item, into: &patterns) }
        default:
            break
        }
    }
}

/// A compiled pattern, safe to share: matching with `NSRegularExpression` does not mutate it.
struct NSRegularExpressionBox: @unchecked Sendable {
    let regex: NSRegularExpression

    init?(_ pattern: String) {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return nil }
        self.regex = regex
    }

    /// JSON Schema patterns are unanchored: a match anywhere counts (ours anchor themselves with ^…$).
    func matches(_ text: String) -> Bool {
        self.regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

/// Runs ``RequestSchemaValidator`` in front of the generated handlers for JSON bodies.
struct RequestSchemaMiddleware: ServerMiddleware {
    let validator: RequestSchemaValidator
    /// The largest body read (the body limit middleware has already capped it).
    let maxBody: Int

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        // A NUL in the path or query (`%00`) would reach PostgreSQL as a parameter it cannot hold: refuse it here.
        if let target = request.path, target.removingPercentEncoding?.utf8.contains(0) == true {
            throw APIError(
                .badRequest, code: "invalid_request", message: "the request's path or query holds a NUL character",
                details: [FieldProblem(field: "query", problem: RequestSchemaValidator.nulProblem)])
        }
        guard let body, self.validator.checks(operationID),
            request.headerFields[.contentType]?.lowercased().hasPrefix("application/json") == true
        else {
            return try await next(request, body, metadata)
        }
        let bytes = try await [UInt8](collecting: body, upTo: self.maxBody)
        let problems = self.validator.problems(of: bytes, operationID: operationID)
        guard problems.isEmpty else {
            if problems.contains(where: RequestSchemaValidator.isShapeProblem) {
                throw APIError(.badRequest, code: "invalid_request", message: "the request does not match the API's schema", details: problems)
            }
            throw APIError.validation(problems)
        }
        return try await next(request, HTTPBody(bytes), metadata)
    }
}
