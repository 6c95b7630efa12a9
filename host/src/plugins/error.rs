//! What can go wrong with a plugin, as one typed enum the faces map to their own formats.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("plugin {plugin}: cannot read {path}: {source}")]
    Read {
        plugin: String,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("plugin {plugin} is not a valid WebAssembly component: {detail}")]
    Compile { plugin: String, detail: String },
    #[error("plugin {plugin} does not fit the world {world}: {detail}")]
    WorldMismatch {
        plugin: String,
        world: &'static str,
        detail: String,
    },
    /// Its WIT version or world cannot be read, or it imports more than its world grants.
    #[error("plugin {plugin} is refused: {why}")]
    Refused {
        plugin: String,
        why: super::wit::IdentityError,
    },
    #[error("plugin {plugin} trapped: {detail}")]
    Trapped { plugin: String, detail: String },
    /// It answered what its interface cannot mean (figures of no rate, fewer results than lines).
    #[error("plugin {plugin} answered outside its contract: {detail}")]
    OutsideContract { plugin: String, detail: String },
    #[error("plugin {plugin} was stopped at its CPU limit of {limit_ms} ms")]
    CpuExhausted { plugin: String, limit_ms: u64 },
    #[error("plugin {plugin} tried to grow its memory beyond the limit of {limit_bytes} bytes")]
    MemoryExhausted { plugin: String, limit_bytes: usize },
    #[error("plugin runtime: {0}")]
    Runtime(String),
}
