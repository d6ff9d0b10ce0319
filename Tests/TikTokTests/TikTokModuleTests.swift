import Testing
import TikTok

@Suite struct TikTokModuleTests {}
