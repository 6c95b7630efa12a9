//! Cold start and resident memory of the real binary with eight devices (four registers, two
//! printers, two card terminals, emulated in this benchmark's process and reached over TCP, so
//! the host's memory does not include what the emulators remember of every receipt):
//! - cold start: from spawning `fiscal-host` on a data directory whose compile cache is warm to
//!   the answer of its first served request (REST `/check_shift`, which asks the register);
//! - resident memory (VmRSS, and its peak VmHWM) right after start and after a load run.
//!
//! Run: `cargo bench -p fiscal-host --bench startup`

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 15;

struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(dir: &std::path::Path) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fiscal-host"))
        .arg("--config")
        .arg(dir.join("eight.toml"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start fiscal-host");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("fiscal-host listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Running { child, url }
}

/// The first request a POS would send: is the shift open on my register?
fn first_request(url: &str) {
    let reply: serde_json::Value = ureq::post(&format!("{url}/check_shift?device=kkt-1"))
        .send_json(serde_json::json!({}))
        .expect("check_shift")
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(reply["status"], "success", "{reply}");
}

/// (VmRSS, VmHWM) in KiB.
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// One `[[devices]]` entry on a TCP line.
fn device(id: &str, kind: &str, driver: &str, lane: &str, address: SocketAddr) -> String {
    format!(
        "[[devices]]\nid = \"{id}\"\nkind = \"{kind}\"\ndriver = \"{driver}\"\n{lane}\
         transport = {{ type = \"tcp\", address = \"{address}\" }}\n\n"
    )
}

/// Serves eight emulators on loopback (four registers; two printers and two terminals, each
/// shared by two registers' lanes) and returns the configuration that reaches them.
fn serve_emulators() -> String {
    let any = || "127.0.0.1:0".parse().unwrap();
    let mut config = String::new();
    for pair in 1..=2 {
        let (printer, _) = escpos_emulator::emulator().serve_tcp(any()).unwrap();
        let (terminal, _) = zvt_emulator::emulator().serve_tcp(any()).unwrap();
        config += &device(&format!("printer-{pair}"), "printer", "escpos", "", printer);
        config += &device(
            &format!("terminal-{pair}"),
            "payment-terminal",
            "zvt",
            "",
            terminal,
        );
        let lane = format!("printer = \"printer-{pair}\"\nterminal = \"terminal-{pair}\"\n");
        for register in [2 * pair - 1, 2 * pair] {
            let (kkt, _) = shtrih_m_emulator::emulator().serve_tcp(any()).unwrap();
            config += &device(
                &format!("kkt-{register}"),
                "fiscal-register",
                "shtrih-m",
                &lane,
                kkt,
            );
        }
    }
    config
}

fn main() {
    // `cargo bench` passes `--bench`; this harness has nothing to filter.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("eight.toml"), serve_emulators()).unwrap();

    // The first start compiles the plugins and fills the cache.
    let started = Instant::now();
    let host = spawn(dir.path());
    first_request(&host.url);
    let compiled = started.elapsed();
    drop(host);

    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let host = spawn(dir.path());
            first_request(&host.url);
            started.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "cold start to the first served request, compile cache empty: {:.1} ms",
        ms(compiled)
    );
    println!(
        "cold start to the first served request, compile cache warm ({RUNS} runs): min {:.1} ms, median {:.1} ms, max {:.1} ms",
        ms(times[0]),
        ms(times[RUNS / 2]),
        ms(times[RUNS - 1])
    );

    let host = spawn(dir.path());
    first_request(&host.url);
    let pid = host.child.id();
    let (rss, _) = memory(pid);
    println!(
        "resident memory after start, 8 devices: {:.1} MiB",
        rss as f64 / 1024.0
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut options = loadgen::Options::new(host.url.clone(), loadgen::Face::Ws);
    options.clients = 8;
    options.duration = Some(Duration::from_secs(5));
    let report = runtime.block_on(loadgen::run(options)).expect("load run");
    assert_eq!(report.errors, 0, "{}", report.to_text());
    let (rss, hwm) = memory(pid);
    println!(
        "resident memory after {} WS receipts from 8 clients: {:.1} MiB (peak {:.1} MiB)",
        report.ok,
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
}
