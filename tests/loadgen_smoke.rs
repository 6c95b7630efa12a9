//! The load tool against the real binary, small and short, so neither rots: two emulated lanes,
//! four clients, forty receipts on each face. Proves the receipts were fiscalized on both
//! registers and that the journal's group commit made them durable with fewer fsyncs than writes,
//! and that `--host-pid` reads the host's CPU and memory.

mod common;

use common::{get_json, start_host};
use loadgen::{Face, Options};

const RECEIPTS: u64 = 40;

#[test]
fn every_face_carries_a_small_load_over_two_lanes_without_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lanes.toml");
    std::fs::write(&config, "[emulation]\nlanes = 2\n").unwrap();
    let host = start_host(
        &dir.path().join("data"),
        &["--config", config.to_str().unwrap()],
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();

    for face in [Face::Ws, Face::Rest, Face::Rpc] {
        let mut options = Options::new(host.base_url.clone(), face);
        options.clients = 4;
        options.count = Some(RECEIPTS);
        options.lines = 10;
        options.host_pid = Some(host.child.id());
        let report = runtime
            .block_on(loadgen::run(options))
            .unwrap_or_else(|e| panic!("{face:?}: {e:#}"));
        let text = report.to_text();
        assert_eq!(report.errors, 0, "{face:?}:\n{text}");
        assert_eq!(report.ok, RECEIPTS, "{face:?}:\n{text}");
        assert_eq!(report.registers, ["kkt-1", "kkt-2"], "{face:?}");
        assert!(report.throughput > 0.0, "{face:?}:\n{text}");
        let latency = report.latency_ms.as_ref().expect("latency of ok receipts");
        assert!(
            0.0 < latency.p50 && latency.p50 <= latency.p99 && latency.p99 <= latency.max,
            "{face:?}:\n{text}"
        );
        // `--host-pid`: the host's own threads worked for the receipts, and its memory was read.
        let cpu = report
            .host_cpu
            .as_ref()
            .expect("the host's CPU with --host-pid");
        assert!(cpu.host_micros_per_receipt > 0.0, "{face:?}:\n{text}");
        assert!(
            cpu.groups.iter().any(|g| g.threads == "journal-sync"),
            "{face:?}:\n{text}"
        );
        let memory = report
            .host_memory
            .as_ref()
            .expect("the host's memory with --host-pid");
        assert!(
            memory.start_kib > 0 && memory.end_kib > 0 && memory.peak_kib >= memory.end_kib,
            "{face:?}:\n{text}"
        );
        assert!(text.contains("host memory"), "{face:?}:\n{text}");
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["ok"], RECEIPTS, "{face:?}: {json}");
        assert!(
            json["host_memory"]["end_kib"].as_u64().unwrap() > 0,
            "{face:?}: {json}"
        );
    }

    // Both registers fiscalized receipts: each lane's last document is a fiscalized sale.
    for register in ["kkt-1", "kkt-2"] {
        let reply: serde_json::Value = ureq::post(&format!(
            "{}/last_document?device={register}",
            host.base_url
        ))
        .send_json(serde_json::json!({}))
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
        assert_eq!(reply["status"], "success", "{register}: {reply}");
        assert_ne!(reply["fiscalID"], "", "{register}: {reply}");
    }

    let health = get_json(&format!("{}/health", host.base_url));
    let (writes, fsyncs) = (
        health["journal"]["writes"].as_u64().unwrap(),
        health["journal"]["fsyncs"].as_u64().unwrap(),
    );
    assert!(
        fsyncs >= 1 && fsyncs < writes,
        "every reply waits for an fsync, and fsyncs are shared: {writes} writes, {fsyncs} fsyncs"
    );
}
