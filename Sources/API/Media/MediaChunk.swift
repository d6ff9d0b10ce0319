public import NIOCore

/// A piece of an upload body: NIOCore's `ByteBuffer` (Hummingbird's request body) or `ArraySlice<UInt8>`
/// (swift-openapi-runtime's `HTTPBody`, so a generated multipart part feeds ``MediaStore/ingest(filename:contentType:chunks:now:)``
/// directly).
public protocol MediaChunk {
    /// Calls `body` with the chunk's readable bytes.
    func withMediaBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result
}

extension ByteBuffer: MediaChunk {
    /// The readable bytes, without copying.
    public func withMediaBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try self.withUnsafeReadableBytes(body)
    }
}

extension ArraySlice: MediaChunk where Element == UInt8 {
    /// The slice's bytes, without copying.
    public func withMediaBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try self.withUnsafeBytes(body)
    }
}

extension Array: MediaChunk where Element == UInt8 {
    /// The array's bytes, without copying.
    public func withMediaBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try self.withUnsafeBytes(body)
    }
}
