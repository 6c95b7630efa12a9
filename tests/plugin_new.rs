//! A vendor from nothing to a driver the host loads, by the commands the template's README
//! gives: `fiscal-host plugin new device-driver acme`, then `cargo build --release --target
//! wasm32-wasip2` and `cargo test` in the new crate, then `fiscal-host plugin check`, then the
//! host loading the component by path as a device's driver.

mod common;

use std::path::Path;
use std::process::Command;

use fiscal_host::config::{DeviceConfig, DeviceKind, TransportConfig};
use fiscal_host::devices::Devices;
use fiscal_host::plugins::{Limits, Version, World};
use fiscal_host::transport::Emulators;

fn host() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fiscal-host"))
}

/// Runs a command to success, showing its output when it fails.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo)
        .current_dir(dir)
        .args(args)
        // Kept between runs (it builds wit-bindgen once), apart from the host's own.
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS"))
}

#[test]
fn plugin_new_makes_a_driver_the_host_loads() {
    let dir = tempfile::tempdir().unwrap();
    let crate_dir = dir.path().join("acme");
    let made = run(host()
        .args(["plugin", "new", "device-driver", "acme", "--dir"])
        .arg(&crate_dir));
    assert!(
        made.contains("cargo build --release --target wasm32-wasip2"),
        "{made}"
    );

    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plugin-new");
    cargo(
        &crate_dir,
        &target,
        &["build", "--release", "--target", "wasm32-wasip2"],
    );
    // The template's native test: its protocol against its emulator.
    let tested = cargo(&crate_dir, &target, &["test"]);
    assert!(tested.contains("test result: ok"), "{tested}");

    let wasm = target.join("wasm32-wasip2/release/acme.wasm");
    let checked = run(host().args(["plugin", "check"]).arg(&wasm));
    assert!(checked.contains("wit: fiscal:host@0.3.0"), "{checked}");
    assert!(checked.contains("world: receipt-printer"), "{checked}");
    assert!(checked.contains("the host loads it"), "{checked}");

    // The host loads it by path as a printer's driver (its line opens on first use).
    let config = DeviceConfig {
        id: "acme".into(),
        kind: DeviceKind::Printer,
        driver: wasm.to_string_lossy().into_owned(),
        transport: TransportConfig::Tcp {
            address: "127.0.0.1:9".into(),
            connect_timeout_ms: 100,
        },
        settings: Default::default(),
        operation_timeout_ms: 2_000,
        status_interval_ms: 60_000,
        printer: None,
        terminal: None,
        jurisdiction: None,
        tax: None,
        organisation: None,
    };
    let runtime = common::runtime(Limits::default(), None);
    let devices = Devices::start(&[config], &runtime, &Emulators::default()).unwrap();
    let report = devices.get("acme").unwrap().driver_report().clone();
    assert_eq!(report.name, "acme");
    assert_eq!(report.world, World::ReceiptPrinter);
    assert_eq!(report.wit, Version::V0_3_0);
}
