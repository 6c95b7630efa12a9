//! Shipping the journal's outbox to head office's PostgreSQL (`[fleet]`, issue 19).
//!
//! The host's SQLite journal stays its write-ahead record; the outbox (`journal/outbox.rs`)
//! holds, in the same transaction as each change, what head office needs, numbered by a
//! per-host `seq`. One task ships it: batches of rows, each batch one PostgreSQL transaction,
//! inserted keyed by `(host_id, seq)` with `ON CONFLICT DO NOTHING`. Where to go on from is
//! read back from PostgreSQL (the highest `seq` it holds for this host) at every connection,
//! so a kill at any point — before, inside or after a batch's commit — neither loses nor
//! duplicates a row: an unconfirmed batch is sent again and its rows already there are skipped.
//! Nothing on the sale path waits for this: PostgreSQL down or slow, rows wait in the outbox
//! (bounded by the disk; `/health` warns), and the task reconnects with backoff. Rows head
//! office holds are pruned from the outbox once `keep_shipped_days` old (`Pruner`).

pub mod report;
mod schema;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::config::FleetConfig;
use crate::core::Core;
use crate::journal::OutboxReader;

/// Rows per PostgreSQL transaction: large enough that a busy host's commits are few, small
/// enough that one batch is a small transaction.
const BATCH: u32 = 1000;
/// How long the task rests when the outbox has nothing new, or less than a batch: rows are
/// gathered for this long rather than shipped as each arrives, so a busy host sends a few
/// large transactions a second, not hundreds of small ones (each costs both sides a commit
/// and a thread hand-off). Head office is behind by at most this much more.
const IDLE: Duration = Duration::from_millis(100);
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MOST: Duration = Duration::from_secs(30);
/// How often shipped rows are pruned, and how many one journal write deletes: a chunk holds
/// the journal (and so the sales) a few milliseconds at most.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
const PRUNE_CHUNK: u32 = 2000;
/// `/health` warns past this many rows or this age.
const WARN_ROWS: i64 = 100_000;
const WARN_SECONDS: i64 = 300;

/// What `/health` shows of the shipping.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FleetStatus {
    pub host_id: String,
    /// `host:port/database`: never the password.
    pub target: String,
    pub connected: bool,
    /// The highest `seq` PostgreSQL is known to hold for this host.
    pub shipped_seq: i64,
    /// Outbox rows not shipped yet, and the age of the oldest of them.
    pub pending_rows: i64,
    pub lag_seconds: i64,
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// The shipping task's shared status.
#[derive(Clone)]
pub struct Fleet {
    status: Arc<Mutex<FleetStatus>>,
}

impl Fleet {
    pub fn status(&self) -> FleetStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn update(&self, f: impl FnOnce(&mut FleetStatus)) {
        f(&mut self.status.lock().unwrap_or_else(|p| p.into_inner()));
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    #[error("fleet: {0}")]
    Config(String),
    #[error("fleet: PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("fleet: the outbox: {0}")]
    Outbox(#[from] rusqlite::Error),
    #[error(
        "fleet: head office knows host_id {host_id} from another journal ({theirs}; this one is {ours}): \
         a new journal must ship under a host_id of its own, or its rows would be taken for ones already shipped"
    )]
    AnotherJournal {
        host_id: String,
        theirs: String,
        ours: String,
    },
}

/// The PostgreSQL connection settings, the password from the environment or a file.
pub(crate) fn pg_config(config: &FleetConfig) -> Result<tokio_postgres::Config, FleetError> {
    let mut pg: tokio_postgres::Config = config
        .postgres
        .parse()
        .map_err(|e| FleetError::Config(format!("fleet.postgres: {e}")))?;
    let password = match (&config.password_file, &config.password_env) {
        (Some(file), _) => Some(
            std::fs::read_to_string(file)
                .map_err(|e| FleetError::Config(format!("{}: {e}", file.display())))?
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        ),
        (None, env) => std::env::var(env.as_deref().unwrap_or("FISCAL_HOST_FLEET_PASSWORD")).ok(),
    };
    if let Some(password) = password {
        pg.password(password);
    }
    pg.application_name(format!("fiscal-host {}", config.host_id));
    pg.connect_timeout(Duration::from_secs(5));
    Ok(pg)
}

/// Where the connection goes, for the log and `/health`.
fn target(pg: &tokio_postgres::Config) -> String {
    let host = pg
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_default();
    let port = pg.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}/{}", pg.get_dbname().unwrap_or_default())
}

/// Starts the shipping of this host's journal, on a thread of its own.
pub fn start(config: &FleetConfig, journal: PathBuf, core: Arc<Core>) -> Result<Fleet, FleetError> {
    let pg = pg_config(config)?;
    let fleet = Fleet {
        status: Arc::new(Mutex::new(FleetStatus {
            host_id: config.host_id.clone(),
            target: target(&pg),
            ..FleetStatus::default()
        })),
    };
    tracing::info!(host_id = %config.host_id, target = %target(&pg), "shipping the journal to head office");
    let shipper = Shipper {
        pg,
        host_id: config.host_id.clone(),
        journal,
        fleet: fleet.clone(),
        pruner: Pruner {
            core,
            keep: chrono::Duration::days(config.keep_shipped_days.into()),
            last: None,
        },
    };
    // A thread of its own with a runtime of its own, not a task on the host's workers: the
    // outbox reads, the prunes and the encoding of each batch block or take CPU, and none of
    // it should stand in a sale's way or hide in the workers' figures (loadgen `--host-pid`
    // shows this thread apart). SQLite's calls block this thread alone.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| FleetError::Config(format!("the shipper's runtime: {e}")))?;
    std::thread::Builder::new()
        .name("fleet-shipper".into())
        .spawn(move || runtime.block_on(shipper.run()))
        .map_err(|e| FleetError::Config(format!("the shipper's thread: {e}")))?;
    Ok(fleet)
}

struct Shipper {
    pg: tokio_postgres::Config,
    host_id: String,
    journal: PathBuf,
    fleet: Fleet,
    pruner: Pruner,
}

impl Shipper {
    async fn run(mut self) {
        let reader = match OutboxReader::open(&self.journal) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("fleet: cannot read the outbox: {e}; nothing is shipped");
                self.fleet.update(|s| s.last_error = Some(e.to_string()));
                return;
            }
        };
        let mut backoff = BACKOFF_FIRST;
        loop {
            let started = Instant::now();
            let Err(e) = self.session(&reader).await;
            tracing::warn!("{e}; shipping again in {} ms", backoff.as_millis());
            self.fleet.update(|s| {
                s.connected = false;
                s.last_error = Some(e.to_string());
            });
            self.note_lag(&reader);
            // A session that ran a while was no fast failure: start the backoff afresh.
            if started.elapsed() > BACKOFF_MOST {
                backoff = BACKOFF_FIRST;
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(BACKOFF_MOST);
        }
    }

    /// One connection's life: migrate, learn where to go on from, ship until it fails.
    async fn session(
        &mut self,
        reader: &OutboxReader,
    ) -> Result<std::convert::Infallible, FleetError> {
        let (mut client, connection) = self.pg.connect(tokio_postgres::NoTls).await?;
        let connection = tokio::spawn(connection);
        let shipped: Result<std::convert::Infallible, FleetError> = async {
            schema::migrate(&mut client).await?;
            self.claim(&client, reader).await?;
            let mut shipped: i64 = client
                .query_one(
                    "SELECT coalesce(max(seq), 0) FROM fleet_events WHERE host_id = $1",
                    &[&self.host_id],
                )
                .await?
                .get(0);
            self.fleet.update(|s| {
                s.connected = true;
                s.last_error = None;
                s.shipped_seq = shipped;
            });
            loop {
                let rows = reader.after(shipped, BATCH)?;
                let Some(last) = rows.last().map(|r| r.seq) else {
                    self.pruner.maybe(shipped);
                    self.note_lag(reader);
                    tokio::time::sleep(IDLE).await;
                    continue;
                };
                let tx = client.transaction().await?;
                tx.execute(
                    "INSERT INTO fleet_events (host_id, seq, kind, row_id, payload, at)
                     SELECT $1, seq, kind, row_id, payload::jsonb, at::timestamptz
                       FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[])
                            AS t(seq, kind, row_id, payload, at)
                     ON CONFLICT (host_id, seq) DO NOTHING",
                    &[
                        &self.host_id,
                        &rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.kind.as_str()).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.row_id).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.payload.as_str()).collect::<Vec<_>>(),
                        &rows.iter().map(|r| r.at.as_str()).collect::<Vec<_>>(),
                    ],
                )
                .await?;
                tx.commit().await?;
                shipped = last;
                self.fleet.update(|s| s.shipped_seq = shipped);
                self.pruner.maybe(shipped);
                // What still waits, so `/health` tells the lag while the shipper is busy too.
                self.note_lag(reader);
                if rows.len() < BATCH as usize {
                    tokio::time::sleep(IDLE).await;
                }
            }
        }
        .await;
        connection.abort();
        shipped
    }

    /// Ties `host_id` to this journal at head office the first time, and refuses to ship
    /// when head office has it tied to another.
    async fn claim(
        &self,
        client: &tokio_postgres::Client,
        reader: &OutboxReader,
    ) -> Result<(), FleetError> {
        let ours = reader.journal_id()?;
        client
            .execute(
                "INSERT INTO fleet_hosts (host_id, journal_id) VALUES ($1, $2) ON CONFLICT (host_id) DO NOTHING",
                &[&self.host_id, &ours],
            )
            .await?;
        let theirs: String = client
            .query_one(
                "SELECT journal_id FROM fleet_hosts WHERE host_id = $1",
                &[&self.host_id],
            )
            .await?
            .get(0);
        if theirs == ours {
            Ok(())
        } else {
            Err(FleetError::AnotherJournal {
                host_id: self.host_id.clone(),
                theirs,
                ours,
            })
        }
    }

    /// The rows and age of what waits, from the outbox itself.
    fn note_lag(&self, reader: &OutboxReader) {
        let shipped = self.fleet.status().shipped_seq;
        let Ok((last, oldest)) = reader.lag(shipped) else {
            return;
        };
        let age = oldest
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(&at).ok())
            .map_or(0, |at| {
                (chrono::Utc::now() - at.to_utc()).num_seconds().max(0)
            });
        self.fleet.update(|s| {
            s.pending_rows = (last - shipped).max(0);
            s.lag_seconds = age;
            s.warning = (s.pending_rows > WARN_ROWS || age > WARN_SECONDS).then(|| {
                format!(
                    "{} rows, {age} s not shipped to head office: they wait in the journal",
                    s.pending_rows
                )
            });
        });
    }
}

/// Deletes outbox rows head office holds once they are `keep` old, every `PRUNE_EVERY`.
struct Pruner {
    core: Arc<Core>,
    keep: chrono::Duration,
    last: Option<Instant>,
}

impl Pruner {
    /// Prunes what PostgreSQL has confirmed up to `shipped` (the highest `seq` it holds, read
    /// back or committed on this connection), one chunk per journal write.
    fn maybe(&mut self, shipped: i64) {
        if self.last.is_some_and(|at| at.elapsed() < PRUNE_EVERY) {
            return;
        }
        self.last = Some(Instant::now());
        let before = (chrono::Utc::now() - self.keep)
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let mut pruned = 0;
        loop {
            match self.core.prune_outbox(shipped, &before, PRUNE_CHUNK) {
                Ok(n) => {
                    pruned += n;
                    if n < PRUNE_CHUNK as usize {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!("fleet: pruning the shipped outbox rows: {e}");
                    break;
                }
            }
        }
        if pruned > 0 {
            tracing::info!(
                rows = pruned,
                upto = shipped,
                "fleet: pruned shipped outbox rows"
            );
        }
    }
}
