//! Group commit: the journal's writes collect in one open SQLite transaction, and whoever is about
//! to act on them — answer a client, send a command to a device — first waits until a syncer
//! thread has committed that transaction (WAL, `synchronous=NORMAL`: the commit writes its pages
//! to the `-wal` file) and fsynced the WAL. Every waiter that arrives while a sync runs is covered
//! by the next one, so the writes of many documents share one commit (a page written once, not
//! once per write) and one fsync, and no reply leaves before its document is on disk. Under
//! load the syncer holds a group open a moment longer for more writers to join (`GATHER`).
//!
//! Why this is as durable as `synchronous=FULL`: FULL adds an fsync of the `-wal` file to each
//! commit; here the fsync of the same file (same inode, any descriptor) comes before anything
//! outside the host learns of the write. A crash loses at most writes nobody was told about.
//! Checkpoints under NORMAL sync the WAL and the database themselves, and the WAL file is reused
//! in place while the connection is open.

use std::fs::File;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use tokio::sync::watch;

use super::Journal;

#[derive(Debug, Clone, thiserror::Error)]
#[error("journal: the write-ahead log could not be synced to disk: {0}")]
pub struct SyncError(String);

/// The journal shared by every request, with its group commit.
pub struct SharedJournal {
    inner: Arc<Inner>,
}

struct Inner {
    journal: Mutex<Journal>,
    group: Group,
}

/// A short, synchronous hold on the journal; never held across an `.await` or a device call.
/// Dropping it after a write counts that write as committed-not-yet-synced.
pub struct JournalGuard<'a> {
    journal: MutexGuard<'a, Journal>,
    changes_at_lock: u64,
    group: &'a Group,
}

#[derive(Debug, Clone, Default)]
struct Synced {
    /// Every write counted up to this number is on disk.
    upto: u64,
    failed: Option<String>,
}

struct Group {
    /// Writes finished so far (bumped while the journal is still held, so the syncer, which
    /// reads it under the same lock, never counts a write its commit does not carry).
    committed: AtomicU64,
    /// The highest count a waiter needs on disk, and whether the journal is closing.
    wanted: Mutex<(u64, bool)>,
    wake: Condvar,
    synced: watch::Sender<Synced>,
    fsyncs: AtomicU64,
    /// Waiters since the syncer last committed.
    waiters: AtomicU64,
    /// Groups the syncer held open for `GATHER` (the tests read it).
    gathered: AtomicU64,
}

/// How long the syncer holds a group open before committing it, when the group before it had
/// two waiters or more. A commit costs about the same CPU whether it carries one receipt's
/// writes or ten (the same index and table pages are written once, then one fsync): with 64
/// WebSocket clients a group carried ~2.5 waits, and holding it 100 µs halves the fsyncs per
/// receipt (1.0–1.5 → 0.5–0.9), cuts the host's CPU per receipt by 8–14% and raises the
/// receipts per second by 10–13% (`BENCHMARKS.md`, sixth session). A lone client's group has
/// one waiter and is never held, so its latency does not change; under load a wait takes up
/// to 100 µs longer. Durability is the same: nobody is answered before the fsync.
const GATHER: std::time::Duration = std::time::Duration::from_micros(100);

impl SharedJournal {
    pub fn new(journal: Journal) -> std::io::Result<Self> {
        let wal = File::options()
            .read(true)
            .write(true)
            .open(journal.wal_path())?;
        journal.begin_group().map_err(std::io::Error::other)?;
        let inner = Arc::new(Inner {
            journal: Mutex::new(journal),
            group: Group {
                committed: AtomicU64::new(0),
                wanted: Mutex::new((0, false)),
                wake: Condvar::new(),
                synced: watch::Sender::new(Synced::default()),
                fsyncs: AtomicU64::new(0),
                waiters: AtomicU64::new(0),
                gathered: AtomicU64::new(0),
            },
        });
        let syncer = inner.clone();
        std::thread::Builder::new()
            .name("journal-sync".into())
            .spawn(move || syncer.run(wal))?;
        Ok(Self { inner })
    }

    pub fn lock(&self) -> JournalGuard<'_> {
        let journal = self.inner.lock();
        JournalGuard {
            changes_at_lock: journal.total_changes(),
            journal,
            group: &self.inner.group,
        }
    }

    /// Returns once every write finished before this call is committed and on disk.
    pub async fn durable(&self) -> Result<(), SyncError> {
        let group = &self.inner.group;
        let target = group.committed.load(Ordering::Acquire);
        let mut synced = group.synced.subscribe();
        if synced.borrow().upto >= target {
            return Ok(());
        }
        group.waiters.fetch_add(1, Ordering::Relaxed);
        {
            let mut wanted = group.wanted.lock().unwrap_or_else(|p| p.into_inner());
            if wanted.0 < target {
                wanted.0 = target;
                group.wake.notify_one();
            }
        }
        let state = synced
            .wait_for(|s| s.upto >= target || s.failed.is_some())
            .await
            .map_err(|_| SyncError("the syncer stopped".into()))?;
        match &state.failed {
            Some(why) => Err(SyncError(why.clone())),
            None => Ok(()),
        }
    }

    /// How many fsyncs the journal has run (a test and the benchmarks compare it with writes).
    pub fn fsyncs(&self) -> u64 {
        self.inner.group.fsyncs.load(Ordering::Relaxed)
    }

    /// How many write holds have finished.
    pub fn writes(&self) -> u64 {
        self.inner.group.committed.load(Ordering::Relaxed)
    }

    /// How many groups were held open for more writers (`GATHER`).
    pub fn gathered(&self) -> u64 {
        self.inner.group.gathered.load(Ordering::Relaxed)
    }
}

impl Drop for SharedJournal {
    fn drop(&mut self) {
        let group = &self.inner.group;
        let mut wanted = group.wanted.lock().unwrap_or_else(|p| p.into_inner());
        wanted.1 = true;
        group.wake.notify_one();
        drop(wanted);
        // What nobody waited for is kept too: commit it on the way out.
        if let Err(e) = self.inner.lock().commit_group(false) {
            tracing::warn!(error = %e, "journal: last commit at shutdown failed");
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn run(&self, wal: File) {
        let group = &self.group;
        let mut done = 0;
        let mut shared = false;
        loop {
            {
                let mut wanted = group.wanted.lock().unwrap_or_else(|p| p.into_inner());
                while wanted.0 <= done && !wanted.1 {
                    wanted = group.wake.wait(wanted).unwrap_or_else(|p| p.into_inner());
                }
                if wanted.1 {
                    return;
                }
            }
            // More writers are about: let them join this group (`GATHER`).
            if shared {
                std::thread::sleep(GATHER);
                group.gathered.fetch_add(1, Ordering::Relaxed);
            }
            shared = group.waiters.swap(0, Ordering::Relaxed) >= 2;
            // Under the lock every counted write is in the open transaction: commit it (and open
            // the next), then fsync outside the lock while new writes collect.
            let (upto, committed) = {
                let journal = self.lock();
                let upto = group.committed.load(Ordering::Acquire);
                (upto, journal.commit_group(true))
            };
            let result = committed
                .map_err(|e| format!("commit: {e}"))
                .and_then(|()| wal.sync_data().map_err(|e| format!("fsync: {e}")));
            group.fsyncs.fetch_add(1, Ordering::Relaxed);
            match result {
                Ok(()) => {
                    done = upto;
                    group.synced.send_modify(|s| s.upto = upto);
                }
                Err(e) => {
                    // Nothing after a failed commit or fsync can be promised durable: every
                    // waiter fails, and so does every later one (the host needs a person).
                    tracing::error!(error = %e, "journal: the group commit failed");
                    group.synced.send_modify(|s| s.failed = Some(e));
                    return;
                }
            }
        }
    }
}

impl Deref for JournalGuard<'_> {
    type Target = Journal;
    fn deref(&self) -> &Journal {
        &self.journal
    }
}

impl DerefMut for JournalGuard<'_> {
    fn deref_mut(&mut self) -> &mut Journal {
        &mut self.journal
    }
}

impl Drop for JournalGuard<'_> {
    // Runs before the lock is released (fields drop after this), which the syncer relies on.
    fn drop(&mut self) {
        if self.journal.total_changes() != self.changes_at_lock {
            self.group.committed.fetch_add(1, Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{DocumentKind, NewDocument};

    fn shared() -> (tempfile::TempDir, Arc<SharedJournal>) {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(&dir.path().join("journal.sqlite")).unwrap();
        (dir, Arc::new(SharedJournal::new(journal).unwrap()))
    }

    fn write(journal: &SharedJournal, n: i64) {
        journal
            .lock()
            .insert_document(&NewDocument {
                device: "kkt",
                kind: DocumentKind::Sale,
                cashier: "c",
                total: n,
                body: &serde_json::json!({}),
                request: "{}",
                refers_to: None,
            })
            .unwrap();
    }

    #[tokio::test]
    async fn a_write_is_synced_before_durable_returns_and_reads_cost_no_fsync() {
        let (_dir, journal) = shared();
        journal.durable().await.unwrap();
        assert_eq!(journal.fsyncs(), 0, "nothing written, nothing to sync");
        write(&journal, 1);
        assert_eq!(journal.writes(), 1);
        journal.durable().await.unwrap();
        assert_eq!(journal.fsyncs(), 1);
        let _ = journal.lock().document(1).unwrap();
        journal.durable().await.unwrap();
        assert_eq!(journal.fsyncs(), 1, "a read is not a write");
        assert_eq!(journal.writes(), 1);
    }

    #[tokio::test]
    async fn a_lone_writer_is_never_held_for_company() {
        let (_dir, journal) = shared();
        for n in 0..20 {
            write(&journal, n);
            journal.durable().await.unwrap();
        }
        assert_eq!(journal.fsyncs(), 20, "one sync per wait");
        assert_eq!(journal.gathered(), 0, "no group had a second waiter");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_share_fsyncs() {
        let (_dir, journal) = shared();
        let writers: Vec<_> = (0..64)
            .map(|i| {
                let journal = journal.clone();
                tokio::spawn(async move {
                    for k in 0..10 {
                        write(&journal, i * 100 + k);
                        journal.durable().await.unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.await.unwrap();
        }
        assert_eq!(journal.writes(), 640);
        let fsyncs = journal.fsyncs();
        assert!(fsyncs >= 1, "every durable() after a write needs a sync");
        assert!(
            fsyncs < 640,
            "64 writers waiting together must share fsyncs, ran {fsyncs} for 640 writes"
        );
        assert!(
            journal.gathered() > 0,
            "groups of several waiters are held open"
        );
    }
}
