public import Foundation

extension MediaStore {
    /// The absolute path of a stored file, given its path relative to the root.
    ///
    /// Refused (``MediaError/Code/invalidPath``): an empty or absolute path, a NUL byte, an empty, `.` or `..`
    /// component, anything under `.incoming/`, and a path whose real location (every symbolic link followed) is not
    /// inside the root's real location.
    /// - Throws: ``MediaError/Code/notFound`` when no regular file is there.
    public func resolve(_ relativePath: String) throws(MediaError) -> String {
        try Self.checkShape(relativePath)
        guard let realRoot = Self.realPath(self.root) else { throw MediaError(.notFound, message: "the media root does not exist") }
        let lexical = self.root + "/" + relativePath
        guard let real = Self.realPath(lexical) else {
            // Missing, or a dangling link: only "not found" if it would not escape anyway.
            throw MediaError(.notFound, message: "no such media file")
        }
        guard real.hasPrefix(realRoot == "/" ? "/" : realRoot + "/") else {
            throw MediaError(.invalidPath, message: "the path leads outside the media root")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw MediaError(.notFound, message: "no such media file")
        }
        return real
    }

    /// Removes a stored file (the link itself when the path is a symbolic link inside the root).
    /// - Throws: what ``resolve(_:)`` throws; ``MediaError/Code/io`` when the removal fails.
    public func remove(_ relativePath: String) throws(MediaError) {
        _ = try self.resolve(relativePath)
        do {
            try FileManager.default.removeItem(atPath: self.root + "/" + relativePath)
        } catch {
            throw MediaError(.io, message: "cannot remove the media file")
        }
    }

    /// Removes `.incoming/` files older than `age` (left by a process killed mid-upload). Returns how many went.
    @discardableResult
    public func sweepIncoming(olderThan age: Duration = .seconds(3600), now: Date = Date()) -> Int {
        let folder = self.incomingFolder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return 0 }
        var removed = 0
        for name in names {
            let path = folder + "/" + name
            guard let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
                now.timeIntervalSince(modified) > Double(age.components.seconds)
            else { continue }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed += 1 }
        }
        return removed
    }

    static func checkShape(_ relativePath: String) throws(MediaError) {
        guard !relativePath.isEmpty, !relativePath.hasPrefix("/"), !relativePath.utf8.contains(0) else {
            throw MediaError(.invalidPath, message: "the path must be relative to the media root")
        }
        let components = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw MediaError(.invalidPath, message: "the path must not hold empty, '.' or '..' components")
        }
        guard components.first != ".incoming" else { throw MediaError(.invalidPath, message: "the path is not a stored file") }
    }

    /// `realpath(3)`: every symbolic link followed; nil when the path does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
