//! When each client sends and when it stops: how a count is split among clients, and the
//! open-loop timetable whose send times latency is measured from (so a slow host cannot hide
//! the queue it causes: no coordinated omission).

use std::time::Duration;

use tokio::time::Instant;

/// Client `index`'s share of `count` receipts: as even as it gets, the first ones take the rest.
pub fn quota(count: u64, clients: u32, index: u32) -> u64 {
    let clients = u64::from(clients);
    count / clients + u64::from(u64::from(index) < count % clients)
}

/// One client's open-loop timetable: send `k` is due at `start + offset + k × interval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timetable {
    pub start: Instant,
    pub offset: Duration,
    pub interval: Duration,
}

impl Timetable {
    /// `rate` receipts/s over `clients` clients: each client sends every `clients / rate` s,
    /// and client `index` is shifted by `index / rate` s, so the sends of all clients together
    /// are evenly spaced instead of arriving in bursts of `clients`.
    pub fn new(start: Instant, rate: f64, clients: u32, index: u32) -> Timetable {
        let step_ns = 1e9 / rate;
        Timetable {
            start,
            offset: Duration::from_nanos((step_ns * f64::from(index)).round() as u64),
            interval: Duration::from_nanos((step_ns * f64::from(clients)).round() as u64),
        }
    }

    /// When send `k` is due.
    pub fn at(&self, k: u64) -> Instant {
        // k × interval in nanoseconds: no drift accumulates from adding intervals one by one.
        let nanos = u128::from(k) * self.interval.as_nanos();
        let later = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        self.start + self.offset + later
    }

    /// How many sends are due before `end`: those with `at(k) < end`.
    pub fn due_before(&self, end: Instant) -> u64 {
        let first = self.start + self.offset;
        if end <= first {
            return 0;
        }
        let span = (end - first).as_nanos();
        let step = self.interval.as_nanos().max(1);
        u64::try_from(span.div_ceil(step)).unwrap_or(u64::MAX)
    }
}

/// How many receipts a client sends and when.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// Stop after this many (count mode).
    pub quota: Option<u64>,
    /// Start nothing at or after this instant (duration mode).
    pub deadline: Option<Instant>,
    /// Open loop; `None` is closed loop (the next receipt as soon as the previous is answered).
    pub timetable: Option<Timetable>,
}

impl Plan {
    /// When receipt `k` is to be sent if it is to be sent at all; `now` stands in for a
    /// closed-loop client's due time. At the deadline a client stops even when it is behind
    /// its timetable: the run's length is bounded whatever the host does.
    pub fn due(&self, k: u64, now: Instant) -> Option<Instant> {
        if self.quota.is_some_and(|q| k >= q) || self.deadline.is_some_and(|end| now >= end) {
            return None;
        }
        let due = self.timetable.map_or(now, |t| t.at(k));
        if self.deadline.is_some_and(|end| due >= end) {
            return None;
        }
        Some(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_split_evenly() {
        let shares: Vec<u64> = (0..4).map(|i| quota(10, 4, i)).collect();
        assert_eq!(shares, [3, 3, 2, 2]);
        assert_eq!(
            (0..64).map(|i| quota(10_000_000, 64, i)).sum::<u64>(),
            10_000_000
        );
        assert_eq!(quota(1, 3, 0), 1);
        assert_eq!(quota(1, 3, 2), 0);
    }

    #[test]
    fn open_loop_sends_are_evenly_spaced_over_all_clients() {
        let start = Instant::now();
        // 100/s over 4 clients: every client each 40 ms, the clients 10 ms apart.
        let all: Vec<Duration> = {
            let mut v: Vec<Duration> = (0..4)
                .flat_map(|i| {
                    let t = Timetable::new(start, 100.0, 4, i);
                    (0..3).map(move |k| t.at(k) - start)
                })
                .collect();
            v.sort();
            v
        };
        let expected: Vec<Duration> = (0..12).map(|n| Duration::from_millis(10 * n)).collect();
        assert_eq!(all, expected);
        let t = Timetable::new(start, 3.0, 1, 0);
        // 1/3 s does not divide evenly into nanoseconds; the millionth send still is on time.
        let late = t.at(3_000_000) - start;
        assert!(late.abs_diff(Duration::from_secs(1_000_000)) < Duration::from_millis(2));
    }

    #[test]
    fn a_plan_stops_at_its_quota_or_deadline() {
        let now = Instant::now();
        let closed = Plan {
            quota: Some(2),
            deadline: None,
            timetable: None,
        };
        assert_eq!(closed.due(0, now), Some(now));
        assert_eq!(closed.due(2, now), None);
        let open = Plan {
            quota: None,
            deadline: Some(now + Duration::from_millis(100)),
            timetable: Some(Timetable::new(now, 20.0, 1, 0)),
        };
        assert_eq!(open.due(1, now), Some(now + Duration::from_millis(50)));
        assert_eq!(open.due(2, now), None, "due exactly at the deadline");
        // Behind schedule when the deadline passes: the rest is not sent.
        assert_eq!(open.due(1, now + Duration::from_millis(100)), None);
        let t = open.timetable.unwrap();
        assert_eq!(t.due_before(now + Duration::from_millis(100)), 2);
        assert_eq!(t.due_before(now + Duration::from_millis(101)), 3);
        assert_eq!(t.due_before(now), 0);
        let shifted = Timetable::new(now, 20.0, 2, 1);
        assert_eq!(shifted.due_before(now + Duration::from_millis(50)), 0);
        assert_eq!(shifted.due_before(now + Duration::from_millis(51)), 1);
        let timed = Plan {
            quota: None,
            deadline: Some(now),
            timetable: None,
        };
        assert_eq!(timed.due(0, now), None);
    }
}
