// Size limits of one request; each breach has its own status code.

/// The sizes a request may reach before the parser refuses it.
public struct HTTPLimits: Sendable, Equatable {
    /// The request line, without its CRLF; longer gets 414.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// The whole header section (request line included); larger gets 431.
    public var maxHeaderBytes: Int = 16 * 1024
    /// Header (and trailer) fields; more gets 431.
    public var maxHeaderCount: Int = 100
    /// The decoded body; larger gets 413, decided from Content-Length before reading it.
    public var maxBodyBytes: Int = 5 * 1024 * 1024
    /// One chunk-size line with its extensions; longer gets 400.
    public var maxChunkLineBytes: Int = 4 * 1024

    /// The defaults: 8 KiB request line, 16 KiB head, 100 fields, 5 MiB body, 4 KiB chunk-size line.
    public init() {}
}
