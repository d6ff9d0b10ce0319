/// A caption with variables, parsed once and rendered per post.
///
/// Variables are written in braces: `{account.nickname}`, `{account.username}` (empty when the account has none),
/// `{index}` (the post's 1-based position in the campaign's plan), `{date}` (`YYYY-MM-DD`) and `{time}` (`HH:MM`) of the
/// post's run time — in the schedule's time zone, or the account's for a `now` schedule — `{campaign.name}` and
/// `{media.filename}` (the uploaded file's original name, else the last part of its path). `{{` and `}}` write a literal
/// brace. A rendered caption may hold at most ``maximumLength`` UTF-16 code units (TikTok's limit).
public struct CaptionTemplate: Sendable, Hashable {
    /// A variable a template may use.
    public enum Variable: String, Sendable, Hashable, CaseIterable {
        /// The account's nickname.
        case accountNickname = "account.nickname"
        /// The account's username, or empty.
        case accountUsername = "account.username"
        /// The post's 1-based position in the campaign.
        case index
        /// The run date, `YYYY-MM-DD`.
        case date
        /// The run time, `HH:MM`.
        case time
        /// The campaign's name.
        case campaignName = "campaign.name"
        /// The media's file name.
        case mediaFilename = "media.filename"
    }

    /// What fills the variables of one post.
    public struct Values: Sendable, Hashable {
        /// `{account.nickname}`
        public var accountNickname: String
        /// `{account.username}`
        public var accountUsername: String
        /// `{index}`
        public var index: Int
        /// `{date}`
        public var date: String
        /// `{time}`
        public var time: String
        /// `{campaign.name}`
        public var campaignName: String
        /// `{media.filename}`
        public var mediaFilename: String

        /// Values for one post.
        public init(
            accountNickname: String, accountUsername: String, index: Int, date: String, time: String, campaignName: String, mediaFilename: String
        ) {
            self.accountNickname = accountNickname
            self.accountUsername = accountUsername
            self.index = index
            self.date = date
            self.time = time
            self.campaignName = campaignName
            self.mediaFilename = mediaFilename
        }

        func text(of variable: Variable) -> String {
            switch variable {
            case .accountNickname: self.accountNickname
            case .accountUsername: self.accountUsername
            case .index: String(self.index)
            case .date: self.date
            case .time: self.time
            case .campaignName: self.campaignName
            case .mediaFilename: self.mediaFilename
            }
        }
    }

    enum Part: Sendable, Hashable {
        case text(String)
        case variable(Variable)
    }

    /// The longest rendered caption, in UTF-16 code units (TikTok's `title` limit).
    public static let maximumLength = 2200

    /// The template as written.
    public let source: String
    let parts: [Part]

    /// Parses `source`.
    /// - Throws: ``DomainError`` `invalidInput` listing every problem on field `caption_template`.
    public init(parsing source: String) throws(DomainError) {
        let (parts, problems) = Self.parse(source)
        guard problems.isEmpty else { throw DomainError.invalidInput(problems) }
        self.source = source
        self.parts = parts
    }

    /// Every problem of `source` (unknown variables, unbalanced braces, too long), on field `caption_template`.
    public static func problems(in source: String) -> [FieldProblem] { Self.parse(source).problems }

    /// The variables the template uses.
    public var variables: Set<Variable> {
        Set(self.parts.compactMap { part in
            if case .variable(let variable) = part { return variable }
            return nil
        })
    }

    /// The caption for one post.
    public func render(_ values: Values) -> String {
        var caption = ""
        for part in self.parts {
            switch part {
            case .text(let text): caption += text
            case .variable(let variable): caption += values.text(of: variable)
            }
        }
        return caption
    }

    /// The rendered length (UTF-16 code units) counting only the text and the variables in `known`; the others count 0.
    func length(knowing known: [Variable: Int]) -> Int {
        self.parts.reduce(0) { total, part in
            switch part {
            case .text(let text): total + text.utf16.count
            case .variable(let variable): total + (known[variable] ?? 0)
            }
        }
    }

    private static func parse(_ source: String) -> (parts: [Part], problems: [FieldProblem]) {
        var parts: [Part] = []
        var problems: [FieldProblem] = []
        func problem(_ text: String) { problems.append(FieldProblem(field: "caption_template", problem: text)) }
        if source.unicodeScalars.count > Self.maximumLength {
            problem("must be at most \(Self.maximumLength) characters")
        }
        var literal = ""
        let characters = Array(source)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            let next = index + 1 < characters.count ? characters[index + 1] : nil
            if character == "{" && next == "{" || character == "}" && next == "}" {
                literal.append(character)
                index += 2
            } else if character == "}" {
                problem("has an unmatched '}' at character \(index + 1); write '}}' for a literal brace")
                index += 1
            } else if character == "{" {
                var end = index + 1
                while end < characters.count, characters[end] != "}", characters[end] != "{" { end += 1 }
                guard end < characters.count, characters[end] == "}" else {
                    problem("has an unclosed '{' at character \(index + 1); write '{{' for a literal brace")
                    index += 1
                    continue
                }
                let name = String(characters[(index + 1)..<end])
                if let variable = Variable(rawValue: name) {
                    if !literal.isEmpty { parts.append(.text(literal)) }
                    literal = ""
                    parts.append(.variable(variable))
                } else {
                    let known = Variable.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ")
                    problem("uses an unknown variable {\(name.prefix(64))} at character \(index + 1); known: \(known)")
                }
                index = end + 1
            } else {
                literal.append(character)
                index += 1
            }
        }
        if !literal.isEmpty { parts.append(.text(literal)) }
        return (parts, problems)
    }
}
