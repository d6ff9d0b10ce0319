/// The TikTok module: the client of TikTok's official OAuth 2.0 and Content Posting APIs, token encryption, and the
/// publish pipeline. It is the only module that talks to TikTok, and it never touches PostgreSQL.
public enum TikTokModule {}
