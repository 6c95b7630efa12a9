//! Builds the Wasm guests (plugins and test plugins) the host embeds or its tests load.
//!
//! A nested `cargo build --target wasm32-wasip2` runs with its own target dir: sharing the outer
//! build's dir would wait forever on the outer build's lock. The target is added with rustup when
//! missing, so a fresh machine needs nothing by hand.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (cargo package, file name of its component under OUT_DIR): the built-ins `src/builtins`
/// embeds and the test plugins.
const GUESTS: &[(&str, &str)] = &[
    ("tax-ru", "tax_ru.wasm"),
    ("tax-kz-uz", "tax_kz_uz.wasm"),
    ("receipt-default", "receipt_default.wasm"),
    ("receipt-template", "receipt_template.wasm"),
    ("hostile", "hostile.wasm"),
    ("greedy", "greedy.wasm"),
    ("garbled", "garbled.wasm"),
    ("shtrih-m", "shtrih_m.wasm"),
    ("escpos", "escpos.wasm"),
    ("zvt-driver", "zvt_driver.wasm"),
    ("pirit", "pirit.wasm"),
];

const WASM_TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());

    for watched in [
        "wit",
        "plugins",
        "drivers",
        "sdk",
        "tests/guests",
        "Cargo.lock",
        "Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-changed=build.rs");

    ensure_wasm_target();

    // OUT_DIR is <target>/<profile>/build/<pkg>-<hash>/out: keep the guests' own target dir
    // beside <profile> so it survives changes of the build script's hash.
    let guest_target_dir = out_dir
        .ancestors()
        .nth(4)
        .map(|t| t.join("wasm-guests"))
        .unwrap_or_else(|| out_dir.join("wasm-guests"));

    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root)
        .args([
            "build",
            "--locked",
            "--profile",
            "guest",
            "--target",
            WASM_TARGET,
        ])
        .arg("--target-dir")
        .arg(&guest_target_dir);
    for (package, _) in GUESTS {
        cmd.args(["-p", package]);
    }
    if let Ok(jobs) = env::var("NUM_JOBS") {
        cmd.args(["-j", &jobs]);
    }
    scrub_outer_build_env(&mut cmd);

    let status = cmd
        .status()
        .expect("failed to run the nested cargo build of the Wasm guests");
    if !status.success() {
        panic!("building the Wasm guests failed ({status}); see the output above");
    }

    let built = guest_target_dir.join(WASM_TARGET).join("guest");
    for (_, file) in GUESTS {
        let from = built.join(file);
        let to = out_dir.join(file);
        copy_if_changed(&from, &to);
    }
}

/// Adds the wasm32-wasip2 target with rustup when the toolchain lacks it.
fn ensure_wasm_target() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .expect("failed to ask rustc for its sysroot");
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib").join(WASM_TARGET).exists() {
        return;
    }
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", WASM_TARGET]);
    if let Ok(toolchain) = env::var("RUSTUP_TOOLCHAIN") {
        rustup.args(["--toolchain", &toolchain]);
    }
    let status = rustup
        .status()
        .expect("the wasm32-wasip2 target is missing and rustup could not be run to add it");
    assert!(status.success(), "`rustup target add {WASM_TARGET}` failed");
}

/// The outer cargo sets variables meant for this build script alone; a nested cargo that saw
/// them would build for the wrong target, with the wrong flags, or into the outer target dir.
fn scrub_outer_build_env(cmd: &mut Command) {
    const KEEP: &[&str] = &["CARGO_HOME", "CARGO_NET_", "CARGO_HTTP_", "CARGO_REGISTR"];
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let cargo_var = key.starts_with("CARGO_") && !KEEP.iter().any(|k| key.starts_with(k));
        let build_var = matches!(
            key,
            "RUSTFLAGS"
                | "RUSTC_WRAPPER"
                | "RUSTC_WORKSPACE_WRAPPER"
                | "RUSTDOCFLAGS"
                | "TARGET"
                | "HOST"
                | "OUT_DIR"
                | "PROFILE"
                | "OPT_LEVEL"
                | "DEBUG"
                | "NUM_JOBS"
                | "MAKEFLAGS"
                | "MFLAGS"
                | "CARGO_MAKEFLAGS"
        );
        if cargo_var || build_var {
            cmd.env_remove(key);
        }
    }
}

/// Copies only when the bytes differ, so an unchanged guest does not rebuild the host.
fn copy_if_changed(from: &Path, to: &Path) {
    let new = std::fs::read(from)
        .unwrap_or_else(|e| panic!("the guest build produced no {}: {e}", from.display()));
    if std::fs::read(to).ok().as_deref() != Some(&new[..]) {
        std::fs::write(to, &new).unwrap_or_else(|e| panic!("writing {}: {e}", to.display()));
    }
}
