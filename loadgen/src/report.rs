//! The result of a run: what was driven, how many receipts went through, how fast, and the
//! latency percentiles; as JSON (serde) and as aligned text to paste into a markdown file.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::cpu::HostCpu;
use crate::memory::HostMemory;
use crate::options::Face;
use crate::tally::Tally;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub face: Face,
    pub url: String,
    pub clients: u32,
    /// The fiscal registers the clients were spread over (client i on `registers[i % len]`).
    pub registers: Vec<String>,
    pub lines: u32,
    /// Open-loop target in receipts/s; `None`: closed loop.
    pub target_rate: Option<f64>,
    /// Whether WS messages carried a `request_id` (only the WS face sends them).
    pub request_ids: bool,
    /// Receipts per client sent before measuring, not counted anywhere below.
    pub warmup: u32,
    /// Measured receipts sent: `ok + errors`.
    pub sent: u64,
    pub ok: u64,
    pub errors: u64,
    /// Most frequent first.
    pub errors_by_reason: Vec<ErrorReason>,
    /// Open loop: sends that fell due before the end but were never made, because their client
    /// was still waiting on earlier replies (the host could not keep up with the rate).
    pub missed: u64,
    /// From the moment every client had warmed up to the last answer.
    pub elapsed_s: f64,
    /// Successful receipts per second.
    pub throughput: f64,
    /// Per successful receipt (WS: `create_doc` and `pay` together); `None` when none succeeded.
    pub latency_ms: Option<Latency>,
    /// With `--host-pid`: the host's CPU per successful receipt, by kind of thread.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_cpu: Option<HostCpu>,
    /// With `--host-pid`: the host's resident memory over the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_memory: Option<HostMemory>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ErrorReason {
    pub reason: String,
    pub count: u64,
    pub example: String,
}

/// Milliseconds with microsecond precision. `max` and `mean` are exact; the percentiles come
/// from a histogram of 3 significant digits (within 0.1%, rounded up).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

/// What the run was, beside what it counted.
#[derive(Clone, Debug)]
pub struct Setup {
    pub face: Face,
    pub url: String,
    pub clients: u32,
    pub registers: Vec<String>,
    pub lines: u32,
    pub target_rate: Option<f64>,
    pub request_ids: bool,
    pub warmup: u32,
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

impl Report {
    pub fn new(setup: Setup, tally: Tally, elapsed: Duration, missed: u64) -> Report {
        let errors = tally.error_total();
        let mut errors_by_reason: Vec<ErrorReason> = tally
            .errors
            .into_iter()
            .map(|(reason, e)| ErrorReason {
                reason,
                count: e.count,
                example: e.example,
            })
            .collect();
        errors_by_reason.sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
        let h = &tally.latency;
        // A bucket's highest value can lie above the largest sample: the exact maximum caps it.
        let at = |q: f64| ms(h.value_at_quantile(q).min(tally.max_micros));
        let latency_ms = (tally.ok > 0).then(|| Latency {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
            p999: at(0.999),
            max: ms(tally.max_micros),
            mean: ms(u64::try_from(
                (tally.sum_micros + u128::from(tally.ok) / 2) / u128::from(tally.ok),
            )
            .unwrap_or(u64::MAX)),
        });
        let elapsed_s = elapsed.as_micros() as f64 / 1e6;
        let throughput = if elapsed_s > 0.0 {
            (tally.ok as f64 / elapsed_s * 100.0).round() / 100.0
        } else {
            0.0
        };
        Report {
            face: setup.face,
            url: setup.url,
            clients: setup.clients,
            registers: setup.registers,
            lines: setup.lines,
            target_rate: setup.target_rate,
            request_ids: setup.request_ids,
            warmup: setup.warmup,
            sent: tally.ok + errors,
            ok: tally.ok,
            errors,
            errors_by_reason,
            missed,
            elapsed_s,
            throughput,
            latency_ms,
            host_cpu: None,
            host_memory: None,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serializes")
    }

    /// Aligned `key  value` lines, meant for a fenced block in a markdown file.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mode = match self.target_rate {
            Some(rate) => format!("open-loop at {rate} receipts/s"),
            None => "closed-loop".to_owned(),
        };
        let ids = if self.face == Face::Ws {
            if self.request_ids {
                ", request ids"
            } else {
                ", no request ids"
            }
        } else {
            ""
        };
        let mut line = |key: &str, value: String| {
            let _ = writeln!(out, "{key:<11} {value}");
        };
        line(
            "face",
            format!(
                "{}, {mode}{ids}, warm-up {}/client",
                self.face.name(),
                self.warmup
            ),
        );
        line("url", self.url.clone());
        let plural = if self.registers.len() == 1 { "" } else { "s" };
        line(
            "clients",
            format!(
                "{} on {} register{plural}: {}",
                self.clients,
                self.registers.len(),
                self.registers.join(", ")
            ),
        );
        line("lines", format!("{} per receipt", self.lines));
        let sent_rate = if self.elapsed_s > 0.0 {
            self.sent as f64 / self.elapsed_s
        } else {
            0.0
        };
        line(
            "receipts",
            format!(
                "{} ok, {} errors in {:.3} s ({sent_rate:.1} sent/s)",
                self.ok, self.errors, self.elapsed_s
            ),
        );
        if self.missed > 0 {
            line(
                "missed",
                format!(
                    "{} sends due before the end were never made: the host fell behind the rate",
                    self.missed
                ),
            );
        }
        line("throughput", format!("{:.2} receipts/s", self.throughput));
        line(
            "latency ms",
            match &self.latency_ms {
                Some(l) => format!(
                    "p50 {:.3}  p95 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}  mean {:.3}",
                    l.p50, l.p95, l.p99, l.p999, l.max, l.mean
                ),
                None => "— (no receipt succeeded)".to_owned(),
            },
        );
        if let Some(cpu) = &self.host_cpu {
            line(
                "host cpu",
                format!(
                    "{:.1} µs/receipt (pid {}); loadgen itself {:.1} µs/receipt",
                    cpu.host_micros_per_receipt, cpu.pid, cpu.loadgen_micros_per_receipt
                ),
            );
            for g in &cpu.groups {
                line(
                    "",
                    format!(
                        "  {:>8.1} µs  {} ×{}",
                        g.micros_per_receipt, g.threads, g.count
                    ),
                );
            }
        }
        if let Some(m) = &self.host_memory {
            let mib = |kib: u64| kib as f64 / 1024.0;
            line(
                "host memory",
                format!(
                    "resident {:.1} → {:.1} MiB (peak {:.1}); second half {:+.0} bytes/receipt",
                    mib(m.start_kib),
                    mib(m.end_kib),
                    mib(m.peak_kib),
                    m.second_half_bytes_per_receipt
                ),
            );
            let over_time: Vec<String> = m
                .points
                .iter()
                .map(|p| format!("{:.0}s {:.1}", p.at_s, mib(p.rss_kib)))
                .collect();
            line("", format!("  MiB at: {}", over_time.join(", ")));
            if let Some(p) = &m.proportional {
                line(
                    "",
                    format!(
                        "  proportional (Pss) at the end {:.1} MiB: anonymous {:.1}, files {:.1}",
                        mib(p.pss_kib),
                        mib(p.anon_kib),
                        mib(p.file_kib)
                    ),
                );
            }
        }
        for e in &self.errors_by_reason {
            line(
                "error",
                format!(
                    "{} × {}: {}",
                    e.count,
                    e.reason,
                    e.example.replace('\n', " ")
                ),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::Failure;

    fn setup() -> Setup {
        Setup {
            face: Face::Ws,
            url: "http://127.0.0.1:18080".into(),
            clients: 4,
            registers: vec!["kkt".into()],
            lines: 10,
            target_rate: None,
            request_ids: true,
            warmup: 1,
        }
    }

    #[test]
    fn percentiles_come_from_the_histogram_in_milliseconds() {
        let mut t = Tally::new();
        for ms in 1..=100u64 {
            t.ok(Duration::from_millis(ms));
        }
        t.error(Failure::new(
            "ws pay error_code 12",
            "Устройство недоступно",
        ));
        t.error(Failure::new("io: connect", "refused"));
        t.error(Failure::new("io: connect", "refused again"));
        let r = Report::new(setup(), t, Duration::from_secs(2), 0);
        assert_eq!((r.ok, r.errors, r.sent), (100, 3, 103));
        assert_eq!(r.throughput, 50.0);
        assert_eq!(r.elapsed_s, 2.0);
        let l = r.latency_ms.clone().unwrap();
        // Three significant digits: each figure is within 0.1% of the exact one.
        for (got, exact) in [
            (l.p50, 50.0),
            (l.p95, 95.0),
            (l.p99, 99.0),
            (l.p999, 100.0),
            (l.max, 100.0),
        ] {
            assert!((got - exact).abs() <= exact / 1000.0, "{got} vs {exact}");
        }
        assert_eq!((l.max, l.mean), (100.0, 50.5));
        assert_eq!(r.errors_by_reason[0].reason, "io: connect");
        assert_eq!(r.errors_by_reason[0].count, 2);
        assert_eq!(r.errors_by_reason[0].example, "refused");

        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["face"], "ws");
        assert_eq!(json["target_rate"], serde_json::Value::Null);
        assert_eq!(
            json["errors_by_reason"][1]["reason"],
            "ws pay error_code 12"
        );
        assert!(json["latency_ms"]["p99"].as_f64().unwrap() > 98.0);
    }

    #[test]
    fn the_text_is_aligned_lines() {
        let mut t = Tally::new();
        t.ok(Duration::from_micros(12_345));
        t.error(Failure::new("http 500 code 5", "ККТ\nотказала"));
        let mut s = setup();
        s.face = Face::Rest;
        s.target_rate = Some(200.0);
        s.registers = vec!["kkt-1".into(), "kkt-2".into()];
        let text = Report::new(s, t, Duration::from_millis(1500), 0).to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "face        rest, open-loop at 200 receipts/s, warm-up 1/client"
        );
        assert_eq!(lines[2], "clients     4 on 2 registers: kkt-1, kkt-2");
        assert_eq!(
            lines[4],
            "receipts    1 ok, 1 errors in 1.500 s (1.3 sent/s)"
        );
        assert_eq!(lines[5], "throughput  0.67 receipts/s");
        assert!(
            lines[6].starts_with("latency ms  p50 12.34"),
            "{}",
            lines[6]
        );
        assert_eq!(lines[7], "error       1 × http 500 code 5: ККТ отказала");
        for l in &lines {
            assert_eq!(l.chars().nth(11), Some(' '), "value column: {l}");
        }
        let none = Report::new(setup(), Tally::new(), Duration::from_secs(1), 7);
        assert!(none.latency_ms.is_none());
        assert!(none.to_text().contains("no receipt succeeded"));
        assert!(none.to_text().contains("missed      7 sends due"));
    }
}
