public import Foundation

/// Which accounts a campaign posts to: given ids (in that order), or every account carrying one of some labels (matched
/// when the campaign starts, oldest account first).
///
/// JSON: `{"account_ids": ["…"]}` or `{"labels": ["…"]}` (exactly one key).
public enum AccountSelection: Sendable, Hashable, Codable {
    /// These accounts, in this order.
    case accountIDs([UUID])
    /// Every account holding at least one of these labels, when the campaign starts.
    case labels([String])

    /// Most ids or labels one selection may hold.
    public static let maximumCount = 10_000
    /// Longest label.
    public static let maximumLabelLength = 64

    enum CodingKeys: String, CodingKey {
        case accountIDs = "account_ids", labels
    }

    /// Decodes exactly one of `account_ids` and `labels`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let ids = try container.decodeIfPresent([UUID].self, forKey: .accountIDs)
        let labels = try container.decodeIfPresent([String].self, forKey: .labels)
        switch (ids, labels) {
        case (let ids?, nil): self = .accountIDs(ids)
        case (nil, let labels?): self = .labels(labels)
        default:
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "exactly one of account_ids and labels is required"))
        }
    }

    /// Encodes `{"account_ids": […]}` or `{"labels": […]}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .accountIDs(let ids): try container.encode(ids, forKey: .accountIDs)
        case .labels(let labels): try container.encode(labels, forKey: .labels)
        }
    }

    /// The problems that need no database: empty, too many, duplicates, blank or over-long labels. (Whether the ids
    /// exist is checked by ``CampaignRepository``; whether labels match is checked at start.)
    public var problems: [FieldProblem] {
        var problems: [FieldProblem] = []
        switch self {
        case .accountIDs(let ids):
            if ids.isEmpty { problems.append(FieldProblem(field: "account_selection.account_ids", problem: "must list at least one account")) }
            if ids.count > Self.maximumCount {
                problems.append(FieldProblem(field: "account_selection.account_ids", problem: "must list at most \(Self.maximumCount) accounts"))
            }
            var seen: Set<UUID> = []
            for (index, id) in ids.enumerated() where !seen.insert(id).inserted {
                problems.append(FieldProblem(field: "account_selection.account_ids[\(index)]", problem: "repeats account \(id.uuidString.lowercased())"))
            }
        case .labels(let labels):
            if labels.isEmpty { problems.append(FieldProblem(field: "account_selection.labels", problem: "must list at least one label")) }
            if labels.count > Self.maximumCount {
                problems.append(FieldProblem(field: "account_selection.labels", problem: "must list at most \(Self.maximumCount) labels"))
            }
            for (index, label) in labels.enumerated()
            where label.trimmingCharacters(in: .whitespaces).isEmpty || label.count > Self.maximumLabelLength {
                problems.append(
                    FieldProblem(field: "account_selection.labels[\(index)]", problem: "must be 1 to \(Self.maximumLabelLength) non-blank characters"))
            }
        }
        return problems
    }
}

