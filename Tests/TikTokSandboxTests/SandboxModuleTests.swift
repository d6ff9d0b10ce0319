import Testing
import TikTokSandbox

@Suite struct SandboxModuleTests {}
