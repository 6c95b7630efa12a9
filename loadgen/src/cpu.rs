//! The host's CPU per receipt (`--host-pid`): each of the host's threads is read from
//! `/proc/<pid>/task/<tid>/` when measuring starts and when it ends, and the difference is
//! divided by the receipts that went through, per group of threads.
//!
//! A thread's time comes from its `schedstat` (nanoseconds on a CPU, as the scheduler counts
//! them) and, where the kernel has no schedstat, from `stat`'s `utime + stime` (clock ticks,
//! 10 ms each: coarse, fine over thousands of receipts). Threads are grouped by their name with
//! the instance's number or id cut off (`device-kkt-12` and `device-kkt-3` are both
//! `device-kkt`), so the table has one row per kind of worker; a thread that started or ended
//! during the run counts with what it used while it was seen. The load tool shares the machine,
//! so its own CPU is reported beside the host's, from `/proc/self`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

/// Every thread of one process at one instant: its name and CPU time in nanoseconds.
#[derive(Clone, Debug, Default)]
pub struct Sample {
    threads: BTreeMap<u32, (String, u64)>,
}

/// One group's share of the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Group {
    pub threads: String,
    pub count: usize,
    pub micros_per_receipt: f64,
}

/// The host's CPU over the measured part of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostCpu {
    pub pid: u32,
    /// Busiest first.
    pub groups: Vec<Group>,
    pub host_micros_per_receipt: f64,
    /// The load tool's own CPU per receipt (it runs on the same cores).
    pub loadgen_micros_per_receipt: f64,
}

/// Nanoseconds per clock tick of `stat` (USER_HZ is 100 on Linux, whatever the kernel's HZ).
const TICK_NANOS: u64 = 10_000_000;

impl Sample {
    /// Reads every thread of process `pid`.
    pub fn of(pid: u32) -> anyhow::Result<Sample> {
        Self::read(Path::new(&format!("/proc/{pid}/task")))
            .with_context(|| format!("reading the threads of process {pid} (--host-pid)"))
    }

    /// Reads the load tool's own threads.
    pub fn own() -> anyhow::Result<Sample> {
        Self::read(Path::new("/proc/self/task"))
    }

    fn read(tasks: &Path) -> anyhow::Result<Sample> {
        let mut threads = BTreeMap::new();
        for entry in std::fs::read_dir(tasks)? {
            let entry = entry?;
            let Some(tid) = entry.file_name().to_str().and_then(|t| t.parse().ok()) else {
                continue;
            };
            // A thread that ended between the listing and the read is simply not counted.
            let Ok(name) = std::fs::read_to_string(entry.path().join("comm")) else {
                continue;
            };
            let Some(nanos) = thread_nanos(&entry.path()) else {
                continue;
            };
            threads.insert(tid, (name.trim_end().to_owned(), nanos));
        }
        Ok(Sample { threads })
    }

    /// The CPU each group used from `self` (earlier) to `later`, in nanoseconds.
    fn used_until(&self, later: &Sample) -> BTreeMap<String, (usize, u64)> {
        let mut groups: BTreeMap<String, (usize, u64)> = BTreeMap::new();
        for (tid, (name, nanos)) in &later.threads {
            let before = self.threads.get(tid).map_or(0, |(_, n)| *n);
            let group = groups.entry(group_of(name)).or_default();
            group.0 += 1;
            group.1 += nanos.saturating_sub(before);
        }
        groups
    }

    fn total_until(&self, later: &Sample) -> u64 {
        self.used_until(later).values().map(|(_, n)| n).sum()
    }
}

fn thread_nanos(task: &Path) -> Option<u64> {
    if let Ok(text) = std::fs::read_to_string(task.join("schedstat"))
        && let Some(nanos) = text.split_whitespace().next().and_then(|n| n.parse().ok())
    {
        return Some(nanos);
    }
    let stat = std::fs::read_to_string(task.join("stat")).ok()?;
    // The name in parentheses may hold spaces; the fields after it are space-separated, and
    // utime and stime are the 14th and 15th of the whole line.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime + stime) * TICK_NANOS)
}

/// A thread's kind: its name without the trailing instance number or id.
fn group_of(name: &str) -> String {
    let name = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '_');
    // Device threads are `device-<id>`, the id cut at 15 bytes by the kernel: keep the kind.
    match name.strip_prefix("device-") {
        Some(id) => format!("device-{}", id.split(['-', '_']).next().unwrap_or_default()),
        None => name.to_owned(),
    }
}

impl HostCpu {
    pub fn between(
        pid: u32,
        (host_start, own_start): &(Sample, Sample),
        (host_end, own_end): &(Sample, Sample),
        receipts: u64,
    ) -> HostCpu {
        let per = |nanos: u64| {
            if receipts == 0 {
                0.0
            } else {
                (nanos as f64 / receipts as f64 / 1000.0 * 10.0).round() / 10.0
            }
        };
        let mut groups: Vec<Group> = host_start
            .used_until(host_end)
            .into_iter()
            .map(|(threads, (count, nanos))| Group {
                threads,
                count,
                micros_per_receipt: per(nanos),
            })
            .collect();
        groups.sort_by(|a, b| b.micros_per_receipt.total_cmp(&a.micros_per_receipt));
        HostCpu {
            pid,
            groups,
            host_micros_per_receipt: per(host_start.total_until(host_end)),
            loadgen_micros_per_receipt: per(own_start.total_until(own_end)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(threads: &[(u32, &str, u64)]) -> Sample {
        Sample {
            threads: threads
                .iter()
                .map(|&(tid, name, nanos)| (tid, (name.to_owned(), nanos)))
                .collect(),
        }
    }

    #[test]
    fn threads_are_grouped_by_kind_and_divided_by_the_receipts() {
        assert_eq!(group_of("device-kkt-12"), "device-kkt");
        assert_eq!(group_of("device-terminal"), "device-terminal");
        assert_eq!(group_of("device-printer-"), "device-printer");
        assert_eq!(group_of("tokio-runtime-w"), "tokio-runtime-w");
        assert_eq!(group_of("journal-sync"), "journal-sync");
        let start = sample(&[(1, "device-kkt-1", 1_000_000), (2, "journal-sync", 0)]);
        // Thread 3 started during the run: all it used counts.
        let end = sample(&[
            (1, "device-kkt-1", 3_000_000),
            (2, "journal-sync", 500_000),
            (3, "device-kkt-2", 1_000_000),
        ]);
        let own = (Sample::default(), sample(&[(9, "loadgen", 1_000_000)]));
        let cpu = HostCpu::between(7, &(start, own.0.clone()), &(end, own.1.clone()), 1000);
        assert_eq!(cpu.host_micros_per_receipt, 3.5);
        assert_eq!(cpu.loadgen_micros_per_receipt, 1.0);
        assert_eq!(
            cpu.groups[0],
            Group {
                threads: "device-kkt".into(),
                count: 2,
                micros_per_receipt: 3.0
            }
        );
        assert_eq!(cpu.groups[1].threads, "journal-sync");
    }

    #[test]
    fn this_process_can_be_read() {
        let before = Sample::of(std::process::id()).unwrap();
        let spin = std::time::Instant::now();
        while spin.elapsed() < std::time::Duration::from_millis(50) {
            std::hint::black_box(spin.elapsed());
        }
        let after = Sample::of(std::process::id()).unwrap();
        // 50 ms of spinning shows, however the kernel counts (schedstat or 10 ms ticks).
        assert!(
            before.total_until(&after) >= 30_000_000,
            "{}",
            before.total_until(&after)
        );
        assert!(Sample::of(u32::MAX).is_err());
    }
}
