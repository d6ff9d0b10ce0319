#if canImport(Glibc)
import Glibc
#endif

/// The process's signal mask. A parent may start us with signals blocked (a thread of Swift's cooperative pool spawning
/// a child passes its own, mostly blocked, mask on), and then SIGTERM would never reach the graceful shutdown: so the
/// first thing `reelay` does is unblock everything, before any thread exists to inherit the old mask.
enum SignalMask {
    static func unblockAll() {
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
    }
}
