//! The run's input: the command line (clap) and the same struct for callers of `run`, with the
//! bounds every run is held to whichever way it was built.

use std::time::Duration;

use anyhow::{Context, bail};
use clap::{ArgAction, Parser, ValueEnum};
use serde::Serialize;

/// Upper bounds: a load tool pointed at the wrong thing must still stop by itself.
pub const MAX_CLIENTS: u32 = 1024;
pub const MAX_COUNT: u64 = 10_000_000;
pub const MAX_DURATION: Duration = Duration::from_secs(600);
pub const MAX_LINES: u32 = 1000;
pub const MAX_WARMUP: u32 = 1000;
pub const MAX_RATE: f64 = 1_000_000.0;

/// Which of the host's APIs the clients speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Face {
    /// WebSocket `/ws`: `create_doc` then `pay` (card) per receipt.
    Ws,
    /// REST `POST /sale`, paid in cash.
    Rest,
    /// JSON-RPC `Receipt.Sale`, paid in cash.
    Rpc,
}

impl Face {
    pub fn name(self) -> &'static str {
        match self {
            Face::Ws => "ws",
            Face::Rest => "rest",
            Face::Rpc => "rpc",
        }
    }
}

/// Drives a running fiscal host over loopback and reports throughput and latency.
#[derive(Parser, Clone, Debug)]
#[command(name = "loadgen", version, about)]
#[command(group = clap::ArgGroup::new("amount").required(true).args(["count", "duration"]))]
pub struct Options {
    /// Base http URL of the host; it must resolve to a loopback address.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,

    /// Which API to drive.
    #[arg(long, value_enum, default_value = "ws")]
    pub face: Face,

    /// Concurrent clients, one connection each.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=MAX_CLIENTS as i64))]
    pub clients: u32,

    /// Total measured receipts over all clients (after warm-up).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_COUNT))]
    pub count: Option<u64>,

    /// Measure for this long: `500ms`, `10s`, `2m` (at most 600 s).
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,

    /// Lines per receipt.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=MAX_LINES as i64))]
    pub lines: u32,

    /// Open-loop target rate in receipts/s summed over all clients; latency is then measured
    /// from each receipt's scheduled send time. Without it, clients run closed-loop.
    #[arg(long, value_parser = parse_rate)]
    pub rate: Option<f64>,

    /// Token credential: WS `?token=`, REST `Authorization: Bearer`.
    #[arg(long)]
    pub token: Option<String>,

    /// `login:password` credential: WS and REST `Authorization: Basic`, RPC `auth`.
    #[arg(long)]
    pub user: Option<String>,

    /// Also write the report as JSON to this file (`-`: stdout, the text then goes to stderr).
    #[arg(long)]
    pub json: Option<String>,

    /// Receipts per client sent before measuring starts, not counted.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(0..=MAX_WARMUP as i64))]
    pub warmup: u32,

    /// Give up on one receipt after this long (counted as an error `timeout`).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// WS messages carry no `request_id` (by default each carries a unique one, as a POS would).
    #[arg(long = "no-request-ids", action = ArgAction::SetFalse)]
    pub request_ids: bool,

    /// The default; accepted so scripts can say it explicitly.
    #[arg(long = "request-ids", hide = true, conflicts_with = "request_ids")]
    pub request_ids_on: bool,

    /// The host's process id: its CPU per receipt is reported, per kind of thread, from
    /// `/proc/<pid>/task` at the start and the end of the measured part.
    #[arg(long)]
    pub host_pid: Option<u32>,
}

impl Options {
    /// Options for a run from code (tests): everything at its command-line default.
    pub fn new(url: impl Into<String>, face: Face) -> Options {
        Options {
            url: url.into(),
            face,
            clients: 1,
            count: None,
            duration: None,
            lines: 10,
            rate: None,
            token: None,
            user: None,
            json: None,
            warmup: 1,
            timeout: Duration::from_secs(30),
            request_ids: true,
            request_ids_on: false,
            host_pid: None,
        }
    }

    /// The bounds clap enforces, enforced again for a struct built in code.
    pub fn validate(&self) -> anyhow::Result<()> {
        if !(1..=MAX_CLIENTS).contains(&self.clients) {
            bail!("--clients must be 1..={MAX_CLIENTS}, not {}", self.clients);
        }
        match (self.count, self.duration) {
            (None, None) => bail!("give --count or --duration"),
            (Some(_), Some(_)) => bail!("give --count or --duration, not both"),
            (Some(n), None) if !(1..=MAX_COUNT).contains(&n) => {
                bail!("--count must be 1..={MAX_COUNT}, not {n}")
            }
            (None, Some(d)) if d.is_zero() || d > MAX_DURATION => {
                bail!(
                    "--duration must be above 0 and at most {} s",
                    MAX_DURATION.as_secs()
                )
            }
            _ => {}
        }
        if !(1..=MAX_LINES).contains(&self.lines) {
            bail!("--lines must be 1..={MAX_LINES}, not {}", self.lines);
        }
        if self.warmup > MAX_WARMUP {
            bail!("--warmup must be at most {MAX_WARMUP}");
        }
        if let Some(rate) = self.rate {
            check_rate(rate).map_err(anyhow::Error::msg)?;
        }
        if self.timeout.is_zero() || self.timeout > MAX_DURATION {
            bail!(
                "--timeout must be above 0 and at most {} s",
                MAX_DURATION.as_secs()
            );
        }
        if self.token.is_some() && self.user.is_some() {
            bail!("give --token or --user, not both");
        }
        if let Some(user) = &self.user {
            user.split_once(':')
                .context("--user must be login:password")?;
        }
        if self.face == Face::Rpc && self.token.is_some() {
            bail!("the RPC face authenticates with --user login:password only (its `auth` field)");
        }
        Ok(())
    }
}

/// `10s`, `500ms`, `2m`, `1h`, or a bare number of seconds. Whole numbers only: a load run
/// needs no finer control, and there is no float to round.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 10s, 500ms, 2m)"))?;
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" | "min" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        other => return Err(format!("unknown unit `{other}` in `{text}` (ms, s, m, h)")),
    };
    if d.is_zero() || d > MAX_DURATION {
        return Err(format!(
            "`{text}` must be above 0 and at most {} s",
            MAX_DURATION.as_secs()
        ));
    }
    Ok(d)
}

fn parse_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a rate in receipts/s"))?;
    check_rate(rate)?;
    Ok(rate)
}

fn check_rate(rate: f64) -> Result<(), String> {
    if rate.is_finite() && rate > 0.0 && rate <= MAX_RATE {
        Ok(())
    } else {
        Err(format!(
            "--rate must be above 0 and at most {MAX_RATE}, not {rate}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units_and_are_capped() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("601s").is_err());
        assert!(parse_duration("11m").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("1.5s").is_err());
        assert!(parse_duration("5 fortnights").is_err());
    }

    #[test]
    fn the_command_line_needs_a_count_or_a_duration_and_keeps_its_bounds() {
        assert!(Options::try_parse_from(["loadgen"]).is_err());
        assert!(Options::try_parse_from(["loadgen", "--count", "5", "--duration", "1s"]).is_err());
        assert!(Options::try_parse_from(["loadgen", "--count", "5", "--clients", "1025"]).is_err());
        assert!(Options::try_parse_from(["loadgen", "--count", "10000001"]).is_err());
        assert!(Options::try_parse_from(["loadgen", "--count", "5", "--rate", "0"]).is_err());
        let o = Options::try_parse_from([
            "loadgen",
            "--face",
            "rpc",
            "--clients",
            "64",
            "--duration",
            "10s",
            "--lines",
            "3",
            "--rate",
            "200",
        ])
        .unwrap();
        assert_eq!((o.face, o.clients, o.lines), (Face::Rpc, 64, 3));
        assert_eq!(o.duration, Some(Duration::from_secs(10)));
        assert_eq!(o.rate, Some(200.0));
        assert!(o.request_ids, "request ids are on by default");
        o.validate().unwrap();
        let o = Options::try_parse_from(["loadgen", "--count", "1", "--no-request-ids"]).unwrap();
        assert!(!o.request_ids);
        assert!(
            Options::try_parse_from(["loadgen", "--count", "1", "--request-ids"])
                .unwrap()
                .request_ids
        );
    }

    #[test]
    fn a_struct_built_in_code_is_held_to_the_same_bounds() {
        let mut o = Options::new("http://127.0.0.1:1", Face::Ws);
        assert!(o.validate().is_err(), "neither count nor duration");
        o.count = Some(10);
        o.validate().unwrap();
        o.duration = Some(Duration::from_secs(1));
        assert!(o.validate().is_err(), "both");
        o.count = None;
        o.duration = Some(Duration::from_secs(601));
        assert!(o.validate().is_err());
        o.duration = Some(Duration::from_secs(1));
        o.clients = 0;
        assert!(o.validate().is_err());
        o.clients = 2;
        o.user = Some("kassa".into());
        assert!(o.validate().is_err(), "no colon");
        o.user = Some("kassa:kas123456".into());
        o.validate().unwrap();
        o.token = Some("t".into());
        assert!(o.validate().is_err(), "token and user");
        o.user = None;
        o.face = Face::Rpc;
        assert!(o.validate().is_err(), "rpc has no token");
    }
}
