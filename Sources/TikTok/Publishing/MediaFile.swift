import Foundation

/// A media file resolved inside the media root: relative paths only, no `..`, and no symbolic link that leads out.
struct MediaFile: Sendable {
    /// The absolute path, inside the media root.
    let path: String

    /// Resolves `relativePath` under `root`. - Throws: `PermanentJobError`-worthy ``MediaFileError``.
    init(root: String, relativePath: String) throws(MediaFileError) {
        guard !relativePath.isEmpty, !relativePath.hasPrefix("/"), !relativePath.split(separator: "/").contains("..") else {
            throw MediaFileError(message: "media path must be relative to the media root, without '..'")
        }
        let rootURL = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath()
        let fileURL = rootURL.appendingPathComponent(relativePath).standardizedFileURL.resolvingSymlinksInPath()
        guard fileURL.path.hasPrefix(rootURL.path + "/") else {
            throw MediaFileError(message: "media path leads outside the media root")
        }
        self.path = fileURL.path
    }

    /// The file's size, or nil when it cannot be read.
    var size: Int64? {
        ((try? FileManager.default.attributesOfItem(atPath: self.path))?[.size] as? NSNumber)?.int64Value
    }
}

/// A media path that is outside the media root, missing, or not the size the post expects.
struct MediaFileError: Error, Sendable {
    var message: String
}
