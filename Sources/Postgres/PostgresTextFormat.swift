import Foundation

/// PostgreSQL's text forms of the types we send and read: timestamps, bytea hex and one-dimensional arrays.
enum PostgresTextFormat {
    // MARK: - timestamptz

    /// `2024-05-06 07:08:09.123456+00`: UTC, microsecond precision (rounded to the nearest microsecond).
    static func formatTimestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = Self.civil(fromDays: days)
        guard year > 0 else { return year < -4712 ? "-infinity" : "0001-01-01 00:00:00+00" }  // BC dates are out of scope
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):"
            + "\(pad(secondOfDay % 60, 2)).\(pad(fraction, 6))+00"
    }

    /// Parses the ISO output of `timestamptz` (`YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]]`) or of `timestamp` (no offset,
    /// read as UTC).
    static func parseTimestamp(_ text: String) -> Date? {
        if text == "infinity" { return .distantFuture }
        if text == "-infinity" { return .distantPast }
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[index..<index + count] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            index += count
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2), expect(32),
            let hour = number(2), expect(58), let minute = number(2), expect(58), let second = number(2)
        else { return nil }
        var micros: Int64 = 0
        if expect(46) {
            var digits = 0
            while index < bytes.count, (48...57).contains(bytes[index]) {
                if digits < 6 { micros = micros * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            for _ in digits..<max(digits, 6) { micros *= 10 }
        }
        var offset: Int64 = 0
        if index < bytes.count {
            let sign: Int64 = bytes[index] == 45 ? -1 : 1
            guard bytes[index] == 43 || bytes[index] == 45 else { return nil }
            index += 1
            guard let hours = number(2) else { return nil }
            offset = hours * 3600
            if expect(58), let minutes = number(2) { offset += minutes * 60 }
            if expect(58), let seconds = number(2) { offset += seconds }
            offset *= sign
        }
        guard index == bytes.count else { return nil }
        let days = Self.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of ``days(year:month:day:)``.
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    // MARK: - bytea

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `\x` followed by two lowercase hex digits per byte.
    static func formatBytea(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = [92, 120]
        out.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            out.append(Self.hexDigits[Int(byte >> 4)])
            out.append(Self.hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `bytea_output = hex` text.
    static func parseBytea(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count >= 2, text.count % 2 == 0, text.first == 92, text[text.startIndex + 1] == 120 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2 - 1)
        var index = text.startIndex + 2
        while index < text.endIndex {
            guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    // MARK: - arrays

    /// `{"a","b \"c\"",NULL}`: every element quoted, `"` and `\` escaped, `nil` as an unquoted NULL.
    static func formatArray(_ elements: [String?]) -> String {
        var out = "{"
        for (position, element) in elements.enumerated() {
            if position > 0 { out += "," }
            guard let element else {
                out += "NULL"
                continue
            }
            out += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { out += "\\" }
                out.unicodeScalars.append(character)
            }
            out += "\""
        }
        return out + "}"
    }

    /// Parses a one-dimensional array literal as the server prints it; `nil` when it is not one.
    static func parseArray(_ text: ArraySlice<UInt8>) -> [String?]? {
        var bytes = text
        // A non-default lower bound is printed as `[0:2]={…}`: skip it.
        if bytes.first == 91, let equals = bytes.firstIndex(of: 61) { bytes = bytes[(equals + 1)...] }
        guard bytes.first == 123, bytes.last == 125 else { return nil }
        var elements: [String?] = []
        var index = bytes.startIndex + 1
        let end = bytes.endIndex - 1
        if index == end { return [] }
        while index <= end {
            var element: [UInt8] = []
            var quoted = false
            if bytes[index] == 123 { return nil }  // nested: multi-dimensional arrays are not supported
            if bytes[index] == 34 {
                quoted = true
                index += 1
                while index < end, bytes[index] != 34 {
                    if bytes[index] == 92 { index += 1 }
                    guard index < end else { return nil }
                    element.append(bytes[index])
                    index += 1
                }
                guard index < end else { return nil }
                index += 1
            } else {
                while index < end, bytes[index] != 44 {
                    if bytes[index] == 92 { index += 1 }
                    guard index < end else { return nil }
                    element.append(bytes[index])
                    index += 1
                }
            }
            guard index == end || bytes[index] == 44 else { return nil }
            elements.append(!quoted && element == Array("NULL".utf8) ? nil : String(decoding: element, as: UTF8.self))
            index += 1
        }
        return elements
    }
}
