//! The on-disk cache of compiled components, so a restart does not recompile.
//!
//! The key is the SHA-256 of the component's bytes plus the engine's compatibility hash
//! (wasmtime version, compiler settings, CPU features): a cached artifact is only ever loaded
//! by an engine that could have produced it. Files are written to a temporary name and
//! renamed, so a crash mid-write never leaves a truncated artifact under a valid key.
//! The directory must be writable by the host alone: a cached artifact is native code.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// How a component came to be ready for instantiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompileOutcome {
    /// Compiled now and stored in the cache.
    Compiled,
    /// Loaded from the cache, no compilation.
    Cached,
    /// Compiled now; no cache is configured (or writing it failed).
    CompiledUncached,
}

pub struct CompileCache {
    dir: PathBuf,
    engine_key: String,
}

/// The hex SHA-256 of a component: its identity in the cache and in reports.
pub fn content_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl CompileCache {
    pub fn new(dir: impl Into<PathBuf>, engine: &Engine) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        let mut hasher = DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Ok(Self {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_for(&self, hash: &str) -> PathBuf {
        self.dir.join(format!("{hash}-{}.cwasm", self.engine_key))
    }

    /// Returns the component from the cache, or compiles and stores it.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        hash: &str,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, CompileOutcome, Duration)> {
        let started = Instant::now();
        let path = self.path_for(hash);
        if path.exists() {
            // SAFETY: the file was written by `Component::serialize` of an engine with the same
            // compatibility hash, into a directory only the host writes; wasmtime still checks
            // the header and refuses an artifact of another engine configuration.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, CompileOutcome::Cached, started.elapsed())),
                Err(e) => {
                    tracing::warn!(path = %path.display(), "ignoring unusable cached component: {e:#}")
                }
            }
        }
        let component = Component::new(engine, bytes)?;
        let outcome = match self.store(&path, &component) {
            Ok(()) => CompileOutcome::Compiled,
            Err(e) => {
                tracing::warn!(path = %path.display(), "could not write the compile cache: {e:#}");
                CompileOutcome::CompiledUncached
            }
        };
        Ok((component, outcome, started.elapsed()))
    }

    fn store(&self, path: &Path, component: &Component) -> anyhow::Result<()> {
        let artifact = component.serialize()?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, artifact)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugins::{Limits, PluginRuntime, RuntimeConfig};

    /// The host compiled with fuel metering before its CPU limit became an epoch deadline; the
    /// code differs (a fuel counter against epoch checks), so an artifact cached by the old
    /// host must not be found by the new one.
    #[test]
    fn an_engine_with_other_cpu_checks_has_another_key() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = PluginRuntime::new(RuntimeConfig {
            limits: Limits::default(),
            cache_dir: None,
            ..Default::default()
        })
        .unwrap();
        let ours = CompileCache::new(dir.path(), runtime.engine()).unwrap();
        let mut fuel = wasmtime::Config::new();
        fuel.consume_fuel(true);
        let fueled = CompileCache::new(dir.path(), &Engine::new(&fuel).unwrap()).unwrap();
        let same = CompileCache::new(dir.path(), runtime.engine()).unwrap();
        assert_eq!(ours.path_for("abc"), same.path_for("abc"));
        assert_ne!(ours.path_for("abc"), fueled.path_for("abc"));
    }
}
