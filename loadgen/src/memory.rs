//! The host's resident memory over a run (`--host-pid`): `VmRSS` of `/proc/<pid>/status` read
//! when measuring starts, once a second while it runs, and when it ends, with `VmHWM` (the
//! peak the kernel saw) at the end.
//!
//! What it is for: issue 20's "flat over a 10-minute run". A host that keeps something per
//! receipt grows in proportion to the receipts, so the report gives the growth over the second
//! half of the run divided by that half's receipts (the first half holds the warm-up of the
//! allocator, SQLite's page cache and the plugins' instances, which stop growing). The receipts
//! of the half are taken as half the run's receipts: closed or open loop, the rate is steady
//! once the clients are warm.

use std::time::Duration;

use anyhow::Context;
use serde::Serialize;

/// One reading: seconds since measuring started, resident KiB.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Point {
    pub at_s: f64,
    pub rss_kib: u64,
}

/// The host's memory over the measured part of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostMemory {
    pub start_kib: u64,
    pub end_kib: u64,
    /// `VmHWM` at the end: the highest resident size since the host started.
    pub peak_kib: u64,
    /// Growth from the reading at half time to the end, per receipt of that half.
    pub second_half_bytes_per_receipt: f64,
    /// A reading at each tenth of the run (the text report prints them).
    pub points: Vec<Point>,
    /// The proportional set size at the end (`Pss` of `smaps_rollup`), where the kernel has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proportional: Option<Proportional>,
}

/// Memory as it is shared: a page mapped N times counts 1/N. `VmRSS` counts a file page once per
/// mapping, and every warm Wasm instance maps its component's code and memory image from the
/// same compiled file, so with 192 device drivers `VmRSS` counts those pages ~64 times each;
/// `Pss` is what the host takes from the machine (alone on it, nothing is shared with others).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Proportional {
    pub pss_kib: u64,
    pub anon_kib: u64,
    pub file_kib: u64,
}

/// `Pss`, `Pss_Anon` and `Pss_File` of `/proc/<pid>/smaps_rollup` (Linux 5.0+), in KiB.
pub fn proportional(pid: u32) -> Option<Proportional> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| {
        rollup
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    };
    Some(Proportional {
        pss_kib: field("Pss:")?,
        anon_kib: field("Pss_Anon:")?,
        file_kib: field("Pss_File:")?,
    })
}

/// How often the sampler reads `status` (one small file read; nothing measurable beside a run).
pub const EVERY: Duration = Duration::from_secs(1);

/// `VmRSS` and `VmHWM` of process `pid`, in KiB.
pub fn read(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status (--host-pid)"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("/proc/{pid}/status has no {name}"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

impl HostMemory {
    /// Summarises the readings taken over a run (`points` in time order, the last one at the
    /// end) in which `receipts` succeeded.
    pub fn of(points: Vec<Point>, peak_kib: u64, receipts: u64) -> Option<HostMemory> {
        let first = *points.first()?;
        let last = *points.last()?;
        let half = last.at_s / 2.0;
        let mid = points
            .iter()
            .find(|p| p.at_s >= half)
            .copied()
            .unwrap_or(first);
        let half_receipts = (receipts as f64 / 2.0).max(1.0);
        let grown = last.rss_kib as f64 - mid.rss_kib as f64;
        let tenths = (0..=10)
            .filter_map(|i| {
                let at = last.at_s * f64::from(i) / 10.0;
                points.iter().find(|p| p.at_s >= at).copied()
            })
            .fold(Vec::<Point>::new(), |mut kept, p| {
                if kept.last() != Some(&p) {
                    kept.push(p);
                }
                kept
            });
        Some(HostMemory {
            start_kib: first.rss_kib,
            end_kib: last.rss_kib,
            peak_kib: peak_kib.max(last.rss_kib),
            second_half_bytes_per_receipt: (grown * 1024.0 / half_receipts * 10.0).round() / 10.0,
            points: tenths,
            proportional: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rss: &[u64]) -> Vec<Point> {
        rss.iter()
            .enumerate()
            .map(|(i, &rss_kib)| Point {
                at_s: i as f64,
                rss_kib,
            })
            .collect()
    }

    #[test]
    fn growth_is_read_over_the_second_half_per_receipt() {
        // Warm-up growth in the first half is not counted; 1,000 KiB over the last half's
        // 512 receipts is 2,000 bytes each.
        let points = run(&[10_000, 30_000, 40_000, 40_000, 40_500, 41_000]);
        let m = HostMemory::of(points, 41_000, 1024).unwrap();
        assert_eq!(
            (m.start_kib, m.end_kib, m.peak_kib),
            (10_000, 41_000, 41_000)
        );
        assert_eq!(m.second_half_bytes_per_receipt, 2000.0);
        assert_eq!(m.points.first().unwrap().rss_kib, 10_000);
        assert_eq!(m.points.last().unwrap().rss_kib, 41_000);
        // A flat host: nothing per receipt.
        let flat = HostMemory::of(run(&[5_000, 9_000, 9_000, 9_000]), 9_100, 4000).unwrap();
        assert_eq!(flat.second_half_bytes_per_receipt, 0.0);
        assert_eq!(flat.peak_kib, 9_100);
        assert!(HostMemory::of(vec![], 0, 0).is_none());
    }

    #[test]
    fn this_process_can_be_read() {
        let (rss, peak) = read(std::process::id()).unwrap();
        assert!(rss > 0 && peak >= rss, "rss {rss} KiB, peak {peak} KiB");
        // Touch 32 MiB: the reading follows.
        let block = std::hint::black_box(vec![1u8; 32 << 20]);
        let (after, _) = read(std::process::id()).unwrap();
        assert!(after >= rss + 30_000, "{rss} → {after} KiB");
        drop(block);
        let shared = proportional(std::process::id()).expect("smaps_rollup on Linux 5.0+");
        assert!(shared.pss_kib > 0 && shared.anon_kib + shared.file_kib <= shared.pss_kib + 4);
    }
}
