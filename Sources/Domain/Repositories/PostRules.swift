import Foundation

/// The rules for post fields, checked before values reach PostgreSQL.
enum PostRules {
    /// TikTok's caption limit, in characters.
    static let captionLimit = 2200
    /// The privacy levels TikTok knows.
    static let privacyLevels: Set<String> = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
    /// The boolean `post_info` flags.
    static let flags: Set<String> = [
        "disable_comment", "disable_duet", "disable_stitch", "brand_content_toggle", "brand_organic_toggle", "is_aigc",
    ]

    /// Problems of a caption (`nil` passes).
    static func captionProblems(_ caption: String?, field: String = "caption") -> [FieldProblem] {
        guard let caption, caption.count > Self.captionLimit else { return [] }
        return [FieldProblem(field: field, problem: "must be at most \(Self.captionLimit) characters")]
    }

    /// Problems of an idempotency key: 1...255 characters, no control characters.
    static func keyProblems(_ key: String?, field: String = "idempotency_key") -> [FieldProblem] {
        AccountRules.textProblems(key ?? "", field: field, range: 1...255)
    }

    /// Problems of `post_info` settings: only known keys, the right types, a privacy level for direct posts, and no
    /// branded content with `SELF_ONLY` (TikTok refuses it).
    static func settingsProblems(_ settings: [String: JSONValue], mode: Post.Mode, field: String = "post_settings") -> [FieldProblem] {
        var problems: [FieldProblem] = []
        for key in settings.keys.sorted() where key != "privacy_level" && key != "video_cover_timestamp_ms" && !Self.flags.contains(key) {
            problems.append(FieldProblem(field: "\(field).\(key)", problem: "is not a known setting"))
        }
        switch settings["privacy_level"] {
        case nil, .null?:
            if mode == .directPost { problems.append(FieldProblem(field: "\(field).privacy_level", problem: "is required for a direct post")) }
        case .string(let level)? where Self.privacyLevels.contains(level):
            break
        default:
            problems.append(FieldProblem(field: "\(field).privacy_level", problem: "must be one of \(Self.privacyLevels.sorted().joined(separator: ", "))"))
        }
        for flag in Self.flags.sorted() {
            if let value = settings[flag], value.boolValue == nil, value != .null {
                problems.append(FieldProblem(field: "\(field).\(flag)", problem: "must be true or false"))
            }
        }
        if let value = settings["video_cover_timestamp_ms"], value != .null {
            if let ms = value.intValue, (0...Int(Int32.max)).contains(ms) {} else {
                problems.append(FieldProblem(field: "\(field).video_cover_timestamp_ms", problem: "must be a whole number of milliseconds, 0 or more"))
            }
        }
        if settings["brand_content_toggle"]?.boolValue == true, settings["privacy_level"]?.stringValue == "SELF_ONLY" {
            problems.append(FieldProblem(field: "\(field).brand_content_toggle", problem: "branded content cannot be posted with privacy_level SELF_ONLY"))
        }
        return problems
    }

    /// Problems of a queue name (`[a-z0-9_-]{1,64}`).
    static func queueProblems(_ queue: String, field: String = "queue") -> [FieldProblem] {
        let valid = (1...64).contains(queue.utf8.count)
            && queue.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 95 || $0 == 45 }
        return valid ? [] : [FieldProblem(field: field, problem: "must be 1 to 64 of a-z 0-9 _ -")]
    }
}
