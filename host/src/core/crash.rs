//! Crash points for the crash tests: with `FISCAL_HOST_CRASH_AT=<point>` the host kills itself
//! with SIGKILL at that step of a fiscalization, exactly as a power cut would.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// The intent is journaled and synced; nothing has gone to the register yet.
    AfterIntent,
    /// The register has answered; its answer is not journaled yet.
    AfterExchange,
    /// The outcome is journaled; the reply has not been sent.
    BeforeReply,
}

impl CrashPoint {
    pub fn from_env() -> Option<Self> {
        match std::env::var("FISCAL_HOST_CRASH_AT").ok()?.as_str() {
            "after-intent" => Some(CrashPoint::AfterIntent),
            "after-exchange" => Some(CrashPoint::AfterExchange),
            "before-reply" => Some(CrashPoint::BeforeReply),
            other => {
                tracing::warn!("ignoring unknown FISCAL_HOST_CRASH_AT={other}");
                None
            }
        }
    }
}

pub(super) fn die(point: CrashPoint) -> ! {
    tracing::error!(?point, "FISCAL_HOST_CRASH_AT: killing the host now");
    let _ = nix::sys::signal::raise(nix::sys::signal::Signal::SIGKILL);
    std::process::abort()
}
