extension RedisConfiguration {
    /// Parses `redis://[[user]:password@]host[:port][/db]` or `unix://[[user]:password@]/path[?db=N]`.
    ///
    /// The port defaults to 6379 and the database to 0; user and password may be percent-encoded; an IPv6 host is
    /// written in brackets. Other fields keep their defaults.
    /// - Throws: ``RedisError/Code/invalidURL`` for a malformed URL, ``RedisError/Code/unsupported`` for `rediss://`
    ///   (TLS). The error never repeats the URL, so it cannot leak the password.
    public init(url: String) throws(RedisError) {
        self.init()
        guard let schemeEnd = url.firstRange(of: "://") else { throw Self.invalid("missing scheme (redis:// or unix://)") }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        var rest = Substring(url[schemeEnd.upperBound...])
        switch scheme {
        case "redis": break
        case "unix": break
        case "rediss": throw RedisError(.unsupported, detail: "rediss:// (TLS) is not supported by this client; use redis:// or unix://")
        default: throw Self.invalid("unknown scheme; use redis:// or unix://")
        }

        // Credentials end at the last "@" before the path, so a password may contain "/" only if percent-encoded.
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                let user = try Self.percentDecoded(userInfo[..<colon])
                self.username = user.isEmpty ? nil : user
                self.password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
            } else {
                // `redis://password@host` is a common shorthand: a lone user-info part is the password.
                self.password = try Self.percentDecoded(userInfo)
            }
        }

        if scheme == "unix" {
            try self.parseUnix(rest)
        } else {
            try self.parseTCP(rest)
        }
    }

    private mutating func parseUnix(_ rest: Substring) throws(RedisError) {
        var path = rest
        if let question = rest.firstIndex(of: "?") {
            path = rest[..<question]
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0] == "db" else { throw Self.invalid("unknown query parameter; only db=N is allowed") }
                self.database = try Self.database(parts[1])
            }
        }
        guard path.hasPrefix("/"), path.count > 1 else { throw Self.invalid("a unix socket URL needs an absolute path") }
        self.endpoint = .unix(path: String(path))
    }

    private mutating func parseTCP(_ rest: Substring) throws(RedisError) {
        var hostPort = rest
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            let db = rest[rest.index(after: slash)...]
            if !db.isEmpty { self.database = try Self.database(db) }
        }
        guard !hostPort.contains("?") else { throw Self.invalid("query parameters are not supported in redis:// URLs") }
        var host: Substring
        var port: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw Self.invalid("unterminated IPv6 address") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Self.invalid("unexpected text after the IPv6 address") }
                port = after.dropFirst()
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            host = hostPort[..<colon]
            port = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw Self.invalid("missing host") }
        var portNumber = 6379
        if let port {
            guard let number = Int(port), (1...65535).contains(number) else { throw Self.invalid("the port must be a number from 1 to 65535") }
            portNumber = number
        }
        self.endpoint = .tcp(host: String(host), port: portNumber)
    }

    private static func database(_ text: Substring) throws(RedisError) -> Int {
        guard let number = Int(text), number >= 0 else { throw Self.invalid("the database must be a non-negative number") }
        return number
    }

    private static func invalid(_ detail: String) -> RedisError {
        RedisError(.invalidURL, detail: detail)
    }

    private static func percentDecoded(_ text: Substring) throws(RedisError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                throw Self.invalid("bad percent-encoding in the credentials")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
