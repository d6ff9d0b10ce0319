import Foundation
import Postgres

/// The rules for account fields, checked before values reach PostgreSQL so bad input is a list of field problems,
/// never a constraint error.
enum AccountRules {
    /// Labels per account.
    static let maxLabels = 20
    /// Posts per day an account may be given.
    static let dailyCaps = 0...1000

    /// Problems of a label list (`field` names it); labels are `[a-z0-9_:-]`, 1...64 characters, at most 20, no repeats.
    static func labelProblems(_ labels: [String], field: String = "labels") -> [FieldProblem] {
        var problems: [FieldProblem] = []
        if labels.count > Self.maxLabels {
            problems.append(FieldProblem(field: field, problem: "at most \(Self.maxLabels) labels"))
        }
        var seen: Set<String> = []
        for (index, label) in labels.enumerated() {
            if !Self.isLabel(label) {
                problems.append(FieldProblem(field: "\(field)[\(index)]", problem: "must be 1 to 64 of a-z 0-9 _ - :"))
            } else if !seen.insert(label).inserted {
                problems.append(FieldProblem(field: "\(field)[\(index)]", problem: "is repeated"))
            }
        }
        return problems
    }

    /// Whether `label` is 1...64 of `a-z 0-9 _ - :`.
    static func isLabel(_ label: String) -> Bool {
        (1...64).contains(label.utf8.count)
            && label.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 || $0 == 45 || $0 == 58 }
    }

    /// Whether `identifier` is an IANA time zone this system knows, 1...64 characters.
    static func isTimeZone(_ identifier: String) -> Bool {
        (1...64).contains(identifier.utf8.count) && !identifier.contains(" ") && TimeZone(identifier: identifier) != nil
    }

    /// Problems of a time zone field.
    static func timezoneProblems(_ identifier: String?, field: String = "timezone") -> [FieldProblem] {
        guard let identifier, !Self.isTimeZone(identifier) else { return [] }
        return [FieldProblem(field: field, problem: "must be an IANA time zone such as Europe/Paris")]
    }

    /// Problems of a daily cap field.
    static func dailyCapProblems(_ cap: Int?, field: String = "daily_cap") -> [FieldProblem] {
        guard let cap, !Self.dailyCaps.contains(cap) else { return [] }
        return [FieldProblem(field: field, problem: "must be between 0 and 1000")]
    }

    /// Problems of a text field that must have `range` characters and no control characters (`nil` passes).
    static func textProblems(_ text: String?, field: String, range: ClosedRange<Int>) -> [FieldProblem] {
        guard let text else { return [] }
        if !range.contains(text.count) {
            return [FieldProblem(field: field, problem: "must be \(range.lowerBound) to \(range.upperBound) characters")]
        }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return [FieldProblem(field: field, problem: "must not contain control characters")]
        }
        return []
    }

    /// Problems of a scope list: at most 50, each 1...128 characters.
    static func scopeProblems(_ scopes: [String], field: String = "scopes") -> [FieldProblem] {
        if scopes.count > 50 { return [FieldProblem(field: field, problem: "at most 50 scopes")] }
        return scopes.enumerated().flatMap { Self.textProblems($1, field: "\(field)[\($0)]", range: 1...128) }
    }

    /// Decodes an account row (the columns of ``Account``; token ciphertexts are never read here).
    static func account(_ row: PostgresRow) throws(DomainError) -> Account {
        do {
            let statusText = try row.decode("status", as: String.self)
            guard let status = Account.Status(rawValue: statusText) else {
                throw DomainError(.database, "an accounts row has an unknown status")
            }
            return Account(
                id: try row.decode("id"), openID: try row.decode("open_id"), nickname: try row.decode("nickname"),
                username: try row.decode("username"), status: status, statusReason: try row.decode("status_reason"),
                cooldownUntil: try row.decode("cooldown_until"), accessTokenExpiresAt: try row.decode("access_token_expires_at"),
                refreshTokenExpiresAt: try row.decode("refresh_token_expires_at"), scopes: try row.decode("scopes"),
                timezone: try row.decode("timezone"), dailyCap: try row.decode("daily_cap"), labels: try row.decode("labels"),
                creatorInfo: try row.decodeJSON("creator_info"), creatorInfoAt: try row.decode("creator_info_at"),
                createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
        } catch {
            throw DomainError(.database, "an accounts row did not decode", underlying: error as? PostgresError)
        }
    }
}
