//! What one client counted: latencies of successful receipts, errors by reason with a first
//! example each. Each client keeps its own (no locks on the hot path); they are merged at the end.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;

/// The longest latency the histogram holds exactly; anything longer is clamped to it (a run is
/// at most 600 s plus a timeout of at most 600 s).
const MAX_MICROS: u64 = 3_600_000_000;
/// Longest kept example of an error, in characters.
const EXAMPLE_CHARS: usize = 300;

/// Why a receipt failed: a short reason to group by and the message as it came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub reason: String,
    pub example: String,
}

impl Failure {
    pub fn new(reason: impl Into<String>, example: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            example: example.into(),
        }
    }

    /// A transport failure (connect, read, write, closed connection).
    pub fn io(what: &str, error: impl std::fmt::Display) -> Failure {
        let text = error.to_string();
        Failure::new(format!("io: {what}"), text)
    }

    /// A transport failure of an error whose causes matter (hyper's own text is only
    /// "connection error"; the reset or refusal is in its source).
    pub fn io_chain(what: &str, error: &(dyn std::error::Error + 'static)) -> Failure {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        Failure::new(format!("io: {what}"), text)
    }

    pub fn is_io(&self) -> bool {
        self.reason.starts_with("io:")
    }
}

/// Count and first example of one reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorCount {
    pub count: u64,
    pub example: String,
}

#[derive(Clone, Debug)]
pub struct Tally {
    /// Microseconds per successful receipt, to 3 significant digits.
    pub latency: Histogram<u64>,
    /// Exact, beside the histogram's bucketed figures: the mean and the maximum need no
    /// approximation.
    pub sum_micros: u128,
    pub max_micros: u64,
    pub ok: u64,
    pub errors: BTreeMap<String, ErrorCount>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally::new()
    }
}

impl Tally {
    pub fn new() -> Tally {
        Tally {
            latency: Histogram::new_with_bounds(1, MAX_MICROS, 3)
                .expect("constant bounds are valid"),
            sum_micros: 0,
            max_micros: 0,
            ok: 0,
            errors: BTreeMap::new(),
        }
    }

    pub fn ok(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .clamp(1, MAX_MICROS);
        self.latency.saturating_record(micros);
        self.sum_micros += u128::from(micros);
        self.max_micros = self.max_micros.max(micros);
        self.ok += 1;
    }

    pub fn error(&mut self, failure: Failure) {
        let entry = self
            .errors
            .entry(failure.reason)
            .or_insert_with(|| ErrorCount {
                count: 0,
                example: shorten(&failure.example),
            });
        entry.count += 1;
    }

    pub fn error_total(&self) -> u64 {
        self.errors.values().map(|e| e.count).sum()
    }

    /// Adds another client's counts; the first example of a reason stays.
    pub fn merge(&mut self, other: Tally) {
        self.latency
            .add(&other.latency)
            .expect("histograms of the same bounds add");
        self.sum_micros += other.sum_micros;
        self.max_micros = self.max_micros.max(other.max_micros);
        self.ok += other.ok;
        for (reason, e) in other.errors {
            let entry = self.errors.entry(reason).or_insert(ErrorCount {
                count: 0,
                example: e.example,
            });
            entry.count += e.count;
        }
    }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(EXAMPLE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_grouped_by_reason_with_the_first_example() {
        let mut a = Tally::new();
        a.error(Failure::new("ws pay error_code 12", "first"));
        a.error(Failure::new("ws pay error_code 12", "second"));
        let mut b = Tally::new();
        b.error(Failure::new("ws pay error_code 12", "third"));
        b.error(Failure::io("connect", "refused"));
        b.ok(Duration::from_millis(3));
        a.merge(b);
        assert_eq!(a.error_total(), 4);
        assert_eq!(a.ok, 1);
        let e = &a.errors["ws pay error_code 12"];
        assert_eq!((e.count, e.example.as_str()), (3, "first"));
        assert_eq!(a.errors["io: connect"].example, "refused");
        assert!(Failure::io("read", "eof").is_io());
        assert!(!Failure::new("http 500 code 5", "").is_io());
    }

    #[test]
    fn an_io_failure_keeps_the_causes_of_its_error() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("connection error")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        let f = Failure::io_chain("request", &e);
        assert_eq!(f.reason, "io: request");
        assert_eq!(f.example, "connection error: connection reset");
    }

    #[test]
    fn long_examples_are_cut_on_a_character_boundary() {
        let long = "ж".repeat(EXAMPLE_CHARS + 10);
        let mut t = Tally::new();
        t.error(Failure::new("r", long));
        let kept = &t.errors["r"].example;
        assert_eq!(kept.chars().count(), EXAMPLE_CHARS + 1);
        assert!(kept.ends_with('…'));
    }

    #[test]
    fn latencies_outside_the_range_are_clamped_not_lost() {
        let mut t = Tally::new();
        t.ok(Duration::ZERO);
        t.ok(Duration::from_secs(10_000));
        assert_eq!(t.latency.len(), 2);
        assert_eq!(t.latency.min(), 1);
        assert!(t.latency.max() >= MAX_MICROS);
        assert_eq!(t.max_micros, MAX_MICROS);
        assert_eq!(t.sum_micros, u128::from(MAX_MICROS) + 1);
    }
}
