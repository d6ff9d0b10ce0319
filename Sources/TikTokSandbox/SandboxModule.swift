/// The TikTokSandbox module: a local TikTok API server (`reelay sandbox`) that follows the official wire format,
/// limits and errors, with fault injection and inspection endpoints for tests and demos.
public enum SandboxModule {}
