//! Helpers shared by the end-to-end tests: a runtime over a temp cache, the real binary.

#![allow(dead_code)]

pub mod docs;
pub mod emulated;
pub mod postgres;
pub mod receipts;
pub mod seeds;
pub mod shop;
pub mod ws;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use fiscal_host::plugins::{Limits, PluginRuntime, RuntimeConfig};

pub fn runtime(limits: Limits, cache_dir: Option<&Path>) -> PluginRuntime {
    PluginRuntime::new(RuntimeConfig {
        limits,
        cache_dir: cache_dir.map(Path::to_owned),
        ..Default::default()
    })
    .expect("plugin runtime")
}

/// A running `fiscal-host`, killed when dropped.
pub struct RunningHost {
    pub child: Child,
    pub base_url: String,
}

impl Drop for RunningHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the real binary on a free port and waits for its "listening" line.
pub fn start_host(data_dir: &Path, extra_args: &[&str]) -> RunningHost {
    start_host_with_env(data_dir, extra_args, &[])
}

/// Like `start_host`, with extra environment variables (the crash tests' crash point).
pub fn start_host_with_env(
    data_dir: &Path,
    extra_args: &[&str],
    envs: &[(&str, &str)],
) -> RunningHost {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fiscal-host"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(extra_args)
        .envs(envs.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start fiscal-host");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the listening line");
    let base_url = line
        .trim()
        .strip_prefix("fiscal-host listening on ")
        .unwrap_or_else(|| panic!("unexpected first line from fiscal-host: {line:?}"))
        .to_owned();
    RunningHost { child, base_url }
}

/// POSTs a JSON body and reads the JSON reply, whatever its HTTP status (the faces answer
/// errors in their own JSON shape).
pub fn post_json(url: &str, body: &serde_json::Value) -> serde_json::Value {
    ureq::post(url)
        .config()
        .http_status_as_error(false)
        .build()
        .send_json(body)
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
        .body_mut()
        .read_json()
        .unwrap()
}

pub fn get_json(url: &str) -> serde_json::Value {
    ureq::get(url)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
        .body_mut()
        .read_json()
        .expect("JSON body")
}

/// The `[emulation]` table whose lanes' register is this built-in model.
pub fn emulation_of(register: &str) -> String {
    format!("\n[emulation]\nregister = \"{register}\"\n")
}

/// `--config` for a host on the embedded default with this register model, the file written
/// into `dir`.
pub fn register_config(dir: &Path, register: &str) -> Vec<String> {
    let path = dir.join(format!("{register}.toml"));
    std::fs::write(&path, emulation_of(register)).unwrap();
    vec!["--config".into(), path.to_str().unwrap().into()]
}

/// One test body run on a lane of each built-in register model (`shtrih-m`, `pirit`): the body gets
/// the model's name, and a module of the test's name holds one test per model (`shtrih_m`,
/// `pirit`), so a failure names the register it failed on.
#[macro_export]
macro_rules! on_each_register {
    ($(#[$meta:meta])* async fn $name:ident($register:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn body($register: &'static str) $body
            #[tokio::test(flavor = "multi_thread")]
            async fn shtrih_m() {
                body("shtrih-m").await
            }
            #[tokio::test(flavor = "multi_thread")]
            async fn pirit() {
                body("pirit").await
            }
        }
    };
    ($(#[$meta:meta])* fn $name:ident($register:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($register: &'static str) $body
            #[test]
            fn shtrih_m() {
                body("shtrih-m")
            }
            #[test]
            fn pirit() {
                body("pirit")
            }
        }
    };
}
