//! The real `fiscal-host` binary: it starts with no configuration, reports its plugins on
//! `/health`, reuses the compile cache on a second start, refuses bad configuration, and
//! `plugin check` tells a vendor whether a component fits a world.

mod common;

use std::process::Command;

use fiscal_host::builtins;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fiscal-host"))
}

#[test]
fn health_lists_the_embedded_plugins() {
    let data = tempfile::tempdir().unwrap();
    let host = common::start_host(data.path(), &[]);
    let health = common::get_json(&format!("{}/health", host.base_url));
    assert_eq!(health["status"], "ok");
    let plugins = health["plugins"].as_array().unwrap();
    let names: Vec<_> = plugins
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    // One tax plugin per jurisdiction of the lanes (Russian, Uzbek), then each device's driver.
    assert_eq!(
        names,
        [
            "tax-ru",
            "tax-kz-uz",
            "receipt-default",
            "shtrih-m",
            "escpos",
            "zvt",
            "shtrih-m",
            "escpos"
        ]
    );
    let worlds: Vec<_> = plugins
        .iter()
        .map(|p| p["world"].as_str().unwrap())
        .collect();
    assert_eq!(
        worlds,
        [
            "tax-calculator",
            "tax-calculator",
            "receipt-layout",
            "fiscal-register",
            "receipt-printer",
            "payment-terminal",
            "fiscal-register",
            "receipt-printer"
        ]
    );
    assert_eq!(plugins[0]["origin"], "embedded");
    assert_eq!(plugins[0]["wit"], "0.3.0");
}

#[test]
fn second_start_loads_from_the_compile_cache() {
    let data = tempfile::tempdir().unwrap();
    let first = {
        let host = common::start_host(data.path(), &[]);
        common::get_json(&format!("{}/health", host.base_url))
    };
    let second = {
        let host = common::start_host(data.path(), &[]);
        common::get_json(&format!("{}/health", host.base_url))
    };
    // The six distinct components (the Uzbek lane's drivers are the Russian lane's again).
    for i in 0..6 {
        let (a, b) = (&first["plugins"][i], &second["plugins"][i]);
        assert_eq!(a["compile"], "compiled", "{a}");
        assert_eq!(b["compile"], "cached", "{b}");
        assert_eq!(a["sha256"], b["sha256"]);
        // Measured, not assumed: loading the cached artifact is faster than compiling.
        let (compile_us, cached_us) = (
            a["load_micros"].as_u64().unwrap(),
            b["load_micros"].as_u64().unwrap(),
        );
        assert!(
            cached_us < compile_us,
            "cached {cached_us} µs vs compiled {compile_us} µs"
        );
    }
    let cached: Vec<_> = std::fs::read_dir(data.path().join("plugin-cache"))
        .unwrap()
        .collect();
    assert_eq!(
        cached.len(),
        6,
        "one artifact per component: two tax plugins, the layout, three drivers"
    );
}

#[test]
fn a_configured_wasm_file_replaces_the_builtin() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("host.toml");
    let hostile = builtins::guest_path("hostile.wasm");
    std::fs::write(
        &config,
        format!("[plugins]\ntax = {:?}\ncompile_cache = false\n", hostile),
    )
    .unwrap();
    let host = common::start_host(data.path(), &["--config", config.to_str().unwrap()]);
    let health = common::get_json(&format!("{}/health", host.base_url));
    let tax = &health["plugins"][0];
    assert_eq!(tax["name"], "hostile");
    assert_eq!(tax["origin"]["file"], hostile.to_str().unwrap());
    assert_eq!(tax["compile"], "compiled_uncached");
}

#[test]
fn bad_configuration_is_a_clear_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("[plugins]\ntaxx = \"tax-ru\"\n", "taxx"),
        ("[plugins.limits]\nfuel = 0\n", "fuel"),
        (
            "[plugins]\ntax = \"/nonexistent/tax.wasm\"\n",
            "/nonexistent/tax.wasm",
        ),
    ];
    for (text, named) in cases {
        let stderr = refused_start(dir.path(), text);
        assert!(
            stderr.contains(named),
            "{text}: stderr does not name {named}: {stderr}"
        );
    }
}

/// Starts the binary with this configuration, expects it to exit with failure, returns stderr.
fn refused_start(dir: &std::path::Path, config_text: &str) -> String {
    let config = dir.join("refused.toml");
    std::fs::write(&config, config_text).unwrap();
    let out = bin()
        .args([
            "--listen",
            "127.0.0.1:0",
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{config_text} should not start");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_plugin_of_the_wrong_world_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let layout = builtins::guest_path("receipt_template.wasm");
    let stderr = refused_start(dir.path(), &format!("[plugins]\ntax = {layout:?}\n"));
    assert!(
        stderr.contains("does not fit the world tax-calculator"),
        "{stderr}"
    );
}

fn check(file: &std::path::Path, extra: &[&str]) -> (bool, String) {
    let out = bin()
        .args(["plugin", "check"])
        .arg(file)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn plugin_check_names_the_version_and_world_of_a_component() {
    let (ok, out) = check(&builtins::guest_path("hostile.wasm"), &[]);
    assert!(ok, "{out}");
    assert!(out.contains("wit: fiscal:host@0.1.0"), "{out}");
    assert!(out.contains("world: tax-calculator"), "{out}");
    assert!(out.contains("the host loads it"), "{out}");

    let (ok, out) = check(
        &builtins::guest_path("receipt_template.wasm"),
        &["--world", "receipt-layout"],
    );
    assert!(ok, "{out}");
    assert!(out.contains("world: receipt-layout"), "{out}");

    let (ok, out) = check(&builtins::guest_path("zvt_driver.wasm"), &[]);
    assert!(ok, "{out}");
    assert!(out.contains("wit: fiscal:host@0.3.0"), "{out}");
    assert!(out.contains("world: payment-terminal"), "{out}");

    // A driver built against 0.1.0 before the built-ins moved on is still one the host loads.
    let fixtures =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/wit-0.1.0");
    let (ok, out) = check(&fixtures.join("zvt_driver.wasm"), &[]);
    assert!(ok, "{out}");
    assert!(out.contains("wit: fiscal:host@0.1.0"), "{out}");
    assert!(out.contains("world: payment-driver"), "{out}");
}

#[test]
fn plugin_check_says_why_not() {
    let (ok, out) = check(
        &builtins::guest_path("receipt_default.wasm"),
        &["--world", "tax-calculator"],
    );
    assert!(!ok);
    assert!(
        out.contains("refused: it is a receipt-layout, not a tax-calculator"),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"\0asm but not really").unwrap();
    let (ok, out) = check(&junk, &[]);
    assert!(!ok);
    assert!(out.contains("not a valid WebAssembly component"), "{out}");
}

/// A tax plugin importing the drivers' line: `plugin check` names its world and the import it
/// is refused for, and the host refuses to start with it.
#[test]
fn a_plugin_importing_more_than_its_world_is_refused_with_the_import_named() {
    let greedy = builtins::guest_path("greedy.wasm");
    let (ok, out) = check(&greedy, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("world: tax-calculator"), "{out}");
    assert!(
        out.contains(
            "refused: it imports fiscal:host/transport@0.1.0, which the tax-calculator world of \
             fiscal:host@0.1.0 does not grant"
        ),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let stderr = refused_start(dir.path(), &format!("[plugins]\ntax = {greedy:?}\n"));
    assert!(
        stderr.contains("is refused: it imports fiscal:host/transport@0.1.0"),
        "{stderr}"
    );
}

#[test]
fn the_embedded_default_brings_its_two_lanes_online() {
    let data = tempfile::tempdir().unwrap();
    let host = common::start_host(data.path(), &[]);
    // Each device's worker asks its device who it is right after start; give it a moment.
    let mut devices = serde_json::Value::Null;
    for _ in 0..50 {
        devices = common::get_json(&format!("{}/devices", host.base_url));
        if devices
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["online"] == true)
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let summary: Vec<_> = devices
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap(),
                d["kind"].as_str().unwrap(),
                d["online"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("kkt", "fiscal-register", true),
            ("printer", "printer", true),
            ("terminal", "payment-terminal", true),
            ("kkt-uz", "fiscal-register", true),
            ("printer-uz", "printer", true)
        ]
    );
    assert_eq!(devices[0]["shift"], "closed");
    let health = common::get_json(&format!("{}/health", host.base_url));
    assert_eq!(health["devices"].as_array().unwrap().len(), 5);
}

#[test]
fn a_public_address_without_credentials_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not a loopback address") && stderr.contains("[auth]"),
        "{stderr}"
    );
}

#[test]
fn hash_secret_prints_an_argon2_hash() {
    use std::io::Write;
    let mut child = bin()
        .arg("hash-secret")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"kas123456\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let hash = String::from_utf8(out.stdout).unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
}

/// Seed 002's example, byte for byte, on the binary started with no configuration: the
/// embedded default's Uzbek lane issues the credit receipt, taxed by Uzbek law (the 15% the
/// example sends is accepted with a warning) and printed on that lane's printer in sums.
#[test]
fn seed_002_example_passes_on_the_embedded_default() {
    let data = tempfile::tempdir().unwrap();
    let host = common::start_host(data.path(), &[]);
    let rpc = format!("{}/rpc", host.base_url);
    let reply: serde_json::Value = ureq::post(&rpc)
        .content_type("application/json")
        .send(common::seeds::SEED_002_REQUEST)
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let id = reply["result"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{reply}");
    assert_eq!(
        reply,
        serde_json::json!({ "id": 1, "ok": true, "result": { "id": id }, "jsonrpc": "2.0" })
    );

    let call = |method: &str, params: serde_json::Value| -> serde_json::Value {
        ureq::post(&rpc)
            .send_json(serde_json::json!({ "id": 2, "jsonrpc": "2.0", "method": method, "params": params }))
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap()
    };
    let got = call("Receipt.Get", serde_json::json!({ "id": id }));
    let printout = &got["result"]["printout"];
    assert_eq!(printout["device"], "printer-uz", "{got}");
    let text = printout["text"].as_str().unwrap();
    assert!(text.contains("=9000.00 UZS"), "{text}");
    assert!(text.contains("QQS/НДС 15%"), "{text}");

    // A fiscal receipt on that lane is refused before anything happens: its register is a
    // Shtrih-M, registered in Russia.
    let mut sale = common::seeds::seed_002();
    sale["method"] = "Receipt.Sale".into();
    sale["params"]["code"] = "fiscal-1".into();
    let refused: serde_json::Value = ureq::post(&rpc)
        .send_json(&sale)
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(refused["error"]["code"], -32013, "{refused}");
    assert_eq!(refused["error"]["data"]["lane"], "kkt-uz", "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("Uzbekistan") && message.contains("shtrih-m"),
        "{message}"
    );
}

/// The voluntary context switches of the host's thread named `name` (`/proc/PID/task`).
fn switches_of(pid: u32, name: &str) -> u64 {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).unwrap();
    let mut found = None;
    for task in tasks {
        let dir = task.unwrap().path();
        let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        if comm.trim() == name {
            let status = std::fs::read_to_string(dir.join("status")).unwrap();
            let line = status
                .lines()
                .find(|l| l.starts_with("voluntary_ctxt_switches"))
                .unwrap();
            found = Some(line.split_whitespace().nth(1).unwrap().parse().unwrap());
        }
    }
    found.unwrap_or_else(|| panic!("no thread {name} in the host"))
}

/// With no plugin call running, the epoch ticker sleeps (it ticked a thousand times a second
/// before, idle or not); a call wakes it, so a sale still goes through and the CPU limit still
/// has its clock (the runaway plugins of `plugin_sandbox.rs` are stopped by it).
#[test]
fn an_idle_hosts_epoch_ticker_sleeps_and_a_sale_wakes_it() {
    let data = tempfile::tempdir().unwrap();
    let host = common::start_host(data.path(), &[]);
    let pid = host.child.id();
    let base = &host.base_url;
    let opened = common::post_json(
        &format!("{base}/open_shift"),
        &serde_json::json!({ "employeeName": "Кассир" }),
    );
    assert_eq!(opened["status"], "success", "{opened}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let before = switches_of(pid, "plugin-epoch");
    std::thread::sleep(std::time::Duration::from_secs(1));
    let idle = switches_of(pid, "plugin-epoch") - before;
    // A device's status refresh may run a driver call meanwhile: a few ticks, not a thousand.
    assert!(
        idle < 100,
        "{idle} wake-ups of the ticker in an idle second"
    );
    let sold = common::post_json(
        &format!("{base}/sale"),
        &serde_json::json!({
            "docNumber": "T-1", "employeeName": "Кассир", "amount": 1000,
            "items": [{ "itemName": "Чай", "itemQty": 1000, "itemAmount": 1000,
                        "itemTaxes": [{ "taxName": "НДС 22%", "taxPrc": 2200, "calcType": 1 }] }],
            "payments": { "cashAmount": 1000 }
        }),
    );
    assert_eq!(sold["status"], "success", "{sold}");
}

/// `[plugins] profiler = "perf-map"`: the plugins' compiled code is named in
/// `/tmp/perf-<pid>.map` for `perf report`, compiled or loaded from the cache; without it the
/// host writes no map.
#[test]
fn the_perf_map_profiler_names_plugin_code_compiled_or_cached() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("host.toml");
    std::fs::write(&config, "[plugins]\nprofiler = \"perf-map\"\n").unwrap();
    let plugin_functions = |host: &common::RunningHost| {
        let map = format!("/tmp/perf-{}.map", host.child.id());
        let text = std::fs::read_to_string(&map).unwrap_or_default();
        let _ = std::fs::remove_file(&map);
        // The built-in components keep their functions' names (the guest profile).
        text.lines().filter(|l| l.contains("tax_ru")).count()
    };
    for start in ["compiled", "cached"] {
        let host = common::start_host(data.path(), &["--config", config.to_str().unwrap()]);
        let health = common::get_json(&format!("{}/health", host.base_url));
        assert_eq!(health["plugins"][0]["compile"], start);
        let named = plugin_functions(&host);
        assert!(
            named >= 3,
            "{start}: {named} of tax-ru's functions in the perf map"
        );
    }
    let plain = tempfile::tempdir().unwrap();
    let host = common::start_host(plain.path(), &[]);
    assert_eq!(plugin_functions(&host), 0, "no profiler, no map");
}
