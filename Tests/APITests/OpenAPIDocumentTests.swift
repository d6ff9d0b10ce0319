import Foundation
import Testing

@testable import API

/// Checks Sources/API/OpenAPI/openapi.json (served at /openapi.json) against the rules of issue 8: every `/api/v1`
/// operation needs a bearer key and declares its error answers, every object schema rejects unknown fields, the
/// operation names the handlers are written against exist, and the JSON is the YAML's conversion (by operation ids
/// here; `scripts/generate-openapi.sh --check` compares them whole).
@Suite struct OpenAPIDocumentTests {
    /// The operation ids the API's handlers implement (issue 8); renaming one breaks them.
    static let expectedOperationIDs: Set<String> = [
        "listAccounts", "getAccount", "updateAccount", "deleteAccount", "connectAccount", "checkAccount", "refreshAccount",
        "importAccounts", "oauthCallback", "uploadMedia", "listMedia", "getMedia", "deleteMedia", "downloadMedia",
        "createCampaign", "listCampaigns", "getCampaign", "updateCampaign", "deleteCampaign", "startCampaign",
        "pauseCampaign", "resumeCampaign", "cancelCampaign", "getCampaignProgress", "listPosts", "getPost", "createPost",
        "retryPost", "cancelPost", "retryFailedPosts", "getPostStats", "importPosts", "listQueues", "pauseQueue",
        "resumeQueue", "listDeadJobs", "retryDeadJobs", "getQueueHistory", "listWorkers", "listAPIKeys", "createAPIKey", "revokeAPIKey",
        "healthz", "readyz",
    ]

    /// Routes outside `/api/v1` that take no bearer key (the proof is elsewhere: OAuth state, URL signature, none).
    static let publicOperationIDs: Set<String> = ["oauthCallback", "downloadMedia", "healthz", "readyz"]

    static let httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// One operation of the document.
    struct Operation {
        var path: String
        var method: String
        var object: [String: Any]
        var pathParameters: [Any]
        var id: String { self.object["operationId"] as? String ?? "" }
        var label: String { "\(self.method.uppercased()) \(self.path)" }
    }

    static func openAPIFolder() -> URL {
        // Tests/APITests/OpenAPIDocumentTests.swift → the package root → Sources/API/OpenAPI.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/API/OpenAPI")
    }

    static func loadDocument() throws -> [String: Any] {
        let data = try Data(contentsOf: self.openAPIFolder().appendingPathComponent("openapi.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func operations(in document: [String: Any]) -> [Operation] {
        let paths = document["paths"] as? [String: Any] ?? [:]
        return paths.keys.sorted().flatMap { path -> [Operation] in
            let item = paths[path] as? [String: Any] ?? [:]
            let shared = item["parameters"] as? [Any] ?? []
            return self.httpMethods.compactMap { method in
                (item[method] as? [String: Any]).map { Operation(path: path, method: method, object: $0, pathParameters: shared) }
            }
        }
    }

    /// Follows `#/components/...` references.
    static func resolve(_ node: Any, in document: [String: Any]) -> [String: Any] {
        var current = node as? [String: Any] ?? [:]
        var hops = 0
        while let reference = current["$ref"] as? String, reference.hasPrefix("#/"), hops < 16 {
            var target: Any? = document
            for key in reference.dropFirst(2).split(separator: "/") { target = (target as? [String: Any])?[String(key)] }
            current = target as? [String: Any] ?? [:]
            hops += 1
        }
        return current
    }

    @Test func documentIsOpenAPI31WithServersAndBearerScheme() throws {
        let document = try Self.loadDocument()
        let version = try #require(document["openapi"] as? String)
        #expect(version.hasPrefix("3.1."))
        #expect((document["servers"] as? [Any])?.isEmpty == false)
        let schemes = (document["components"] as? [String: Any])?["securitySchemes"] as? [String: Any]
        let bearer = try #require(schemes?["bearerAuth"] as? [String: Any])
        #expect(bearer["type"] as? String == "http")
        #expect(bearer["scheme"] as? String == "bearer")
    }

    @Test func operationIDsAreExactlyTheHandlersNames() throws {
        let ids = Self.operations(in: try Self.loadDocument()).map(\.id)
        #expect(Set(ids).count == ids.count, "duplicate operationId")
        #expect(Set(ids) == Self.expectedOperationIDs)
    }

    @Test func jsonCarriesTheSameOperationsAsTheYAML() throws {
        let yaml = try String(contentsOf: Self.openAPIFolder().appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let yamlIDs = Set(
            yaml.split(separator: "\n").compactMap { line -> String? in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                guard trimmed.hasPrefix("operationId:") else { return nil }
                return trimmed.dropFirst("operationId:".count).trimmingCharacters(in: .whitespaces)
            }
        )
        let jsonIDs = Set(Self.operations(in: try Self.loadDocument()).map(\.id))
        #expect(!yamlIDs.isEmpty)
        #expect(yamlIDs == jsonIDs, "openapi.json is stale: run scripts/generate-openapi.sh")
    }

    @Test func everyAPIOperationNeedsABearerKeyAndDeclaresItsErrors() throws {
        let document = try Self.loadDocument()
        let operations = Self.operations(in: document)
        #expect(operations.count == Self.expectedOperationIDs.count)
        for operation in operations {
            let security = operation.object["security"] as? [[String: Any]]
            let responses = operation.object["responses"] as? [String: Any] ?? [:]
            guard operation.path.hasPrefix("/api/") else {
                #expect(Self.publicOperationIDs.contains(operation.id), "\(operation.label) is outside /api but not public")
                #expect(security?.isEmpty == true, "\(operation.label) must say `security: []`")
                continue
            }
            #expect(operation.path.hasPrefix("/api/v1/"), "\(operation.label)")
            #expect(security?.contains { $0["bearerAuth"] != nil } == true, "\(operation.label) lacks bearer security")
            for status in ["400", "401", "403", "429"] {
                #expect(responses[status] != nil, "\(operation.label) does not declare \(status)")
            }
            if operation.path.contains("{id}") || operation.path.contains("{queue}") {
                #expect(responses["404"] != nil, "\(operation.label) does not declare 404")
            }
            if operation.object["requestBody"] != nil {
                #expect(responses["413"] != nil, "\(operation.label) takes a body but does not declare 413")
            }
            // Every error answer has the shared Error body.
            for (status, response) in responses where status.hasPrefix("4") || status.hasPrefix("5") {
                let content = Self.resolve(response, in: document)["content"] as? [String: Any]
                let schema = (content?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
                #expect(schema?["$ref"] as? String == "#/components/schemas/Error", "\(operation.label) \(status)")
            }
        }
    }

    @Test func creatingPostsTakeAnIdempotencyKey() throws {
        let document = try Self.loadDocument()
        for operation in Self.operations(in: document) where operation.method == "post" {
            let responses = operation.object["responses"] as? [String: Any] ?? [:]
            let creates = responses["201"] != nil || responses["202"] != nil || operation.path.hasSuffix("/import")
            guard creates else { continue }
            let parameters = (operation.object["parameters"] as? [Any] ?? []).map { Self.resolve($0, in: document) }
            let key = parameters.first { $0["name"] as? String == "Idempotency-Key" && $0["in"] as? String == "header" }
            #expect(key != nil, "\(operation.label) creates but takes no Idempotency-Key")
            let schema = key?["schema"] as? [String: Any]
            #expect(schema?["minLength"] as? Int == 1 && schema?["maxLength"] as? Int == 255)
            #expect(responses["409"] != nil, "\(operation.label) takes an Idempotency-Key but does not declare 409")
        }
    }

    @Test func idPathParametersAreUUIDs() throws {
        let document = try Self.loadDocument()
        for operation in Self.operations(in: document) where operation.path.contains("{id}") {
            let parameters = (operation.pathParameters + (operation.object["parameters"] as? [Any] ?? []))
                .map { Self.resolve($0, in: document) }
            let id = parameters.first { $0["name"] as? String == "id" && $0["in"] as? String == "path" }
            #expect((id?["schema"] as? [String: Any])?["format"] as? String == "uuid", "\(operation.label)")
            #expect(id?["required"] as? Bool == true, "\(operation.label)")
        }
    }

    /// Every object schema says what it does with unknown fields; one with declared properties rejects them.
    @Test func everyObjectSchemaRejectsUnknownFields() throws {
        let document = try Self.loadDocument()
        var objects = 0
        func visit(_ node: Any, at path: String) {
            if let array = node as? [Any] {
                for (index, element) in array.enumerated() { visit(element, at: "\(path)[\(index)]") }
                return
            }
            guard let object = node as? [String: Any] else { return }
            let types = (object["type"] as? String).map { [$0] } ?? (object["type"] as? [String] ?? [])
            if types.contains("object") {
                objects += 1
                #expect(object["additionalProperties"] != nil, "\(path) does not say whether unknown fields are allowed")
                if object["properties"] != nil {
                    #expect(object["additionalProperties"] as? Bool == false, "\(path) has properties but accepts unknown fields")
                }
                for name in (object["required"] as? [String] ?? []) {
                    #expect((object["properties"] as? [String: Any])?[name] != nil, "\(path) requires undeclared \(name)")
                }
            }
            for (key, value) in object where key != "example" && key != "examples" { visit(value, at: "\(path)/\(key)") }
        }
        visit(document, at: "#")
        #expect(objects >= 50)
    }

    @Test func errorSchemaIsTheSharedShape() throws {
        let document = try Self.loadDocument()
        let error = Self.resolve(["$ref": "#/components/schemas/Error"], in: document)
        #expect(error["required"] as? [String] == ["error"])
        let body = Self.resolve((error["properties"] as? [String: Any])?["error"] ?? [:], in: document)
        #expect(Set(body["required"] as? [String] ?? []) == ["code", "message", "details"])
        let responses = (document["components"] as? [String: Any])?["responses"] as? [String: Any] ?? [:]
        let tooMany = responses["TooManyRequests"] as? [String: Any]
        #expect((tooMany?["headers"] as? [String: Any])?["Retry-After"] != nil)
    }

    @Test func everyReferenceResolves() throws {
        let document = try Self.loadDocument()
        var references = 0
        func visit(_ node: Any) {
            if let array = node as? [Any] { array.forEach(visit) }
            guard let object = node as? [String: Any] else { return }
            if let reference = object["$ref"] as? String {
                references += 1
                #expect(!Self.resolve(["$ref": reference], in: document).isEmpty, "\(reference) does not resolve")
            }
            object.values.forEach(visit)
        }
        visit(document)
        #expect(references > 100)
    }

    /// The generated Codable types enforce `additionalProperties: false`: an unknown field fails to decode.
    @Test func generatedTypesRejectUnknownFields() throws {
        let decoder = JSONDecoder()
        let good = Data(#"{"name": "ci", "role": "editor"}"#.utf8)
        let key = try decoder.decode(Components.Schemas.APIKeyCreate.self, from: good)
        #expect(key.name == "ci" && key.role == .editor)
        let unknown = Data(#"{"name": "ci", "role": "editor", "admin": true}"#.utf8)
        #expect(throws: DecodingError.self) { try decoder.decode(Components.Schemas.APIKeyCreate.self, from: unknown) }
        let badRole = Data(#"{"name": "ci", "role": "root"}"#.utf8)
        #expect(throws: DecodingError.self) { try decoder.decode(Components.Schemas.APIKeyCreate.self, from: badRole) }
        let schedule = Data(#"{"type": "at", "at": "2026-12-01T09:00:00", "timezone": "Europe/Paris", "extra": 1}"#.utf8)
        #expect(throws: DecodingError.self) { try decoder.decode(Components.Schemas.Schedule.self, from: schedule) }
        let slots = Data(#"{"type": "slots", "slots": [{"weekday": "mon", "time": "09:00"}], "timezone": "UTC"}"#.utf8)
        guard case .slots(let decoded) = try decoder.decode(Components.Schemas.Schedule.self, from: slots) else {
            Issue.record("a slots schedule decoded as another case")
            return
        }
        #expect(decoded.slots.first?.weekday == .mon)
    }
}
