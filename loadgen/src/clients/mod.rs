//! The three faces behind one interface: open a shift, send one receipt. Each client owns one
//! connection and reconnects only after it broke (or a receipt timed out on it).

pub mod http;
pub mod ws;

use std::sync::Arc;

use crate::auth::Credentials;
use crate::options::Face;
use crate::receipt::{self, Line};
use crate::tally::Failure;
use crate::target::Target;

/// What every client of a run shares (read-only).
#[derive(Debug)]
pub struct Shared {
    pub face: Face,
    pub target: Target,
    pub credentials: Credentials,
    pub lines: Vec<Line>,
    /// Sum of the lines in kopecks: what the host must answer for `create_doc`.
    pub total: u64,
    /// The WS `wares` JSON, built once.
    pub wares: String,
    /// Makes receipt numbers, RPC codes and request ids unique across runs on one journal.
    pub run_id: String,
    pub request_ids: bool,
}

impl Shared {
    pub fn new(
        face: Face,
        target: Target,
        credentials: Credentials,
        lines: Vec<Line>,
        run_id: String,
        request_ids: bool,
    ) -> Shared {
        Shared {
            face,
            total: receipt::total(&lines),
            wares: receipt::ws_wares(&lines),
            target,
            credentials,
            lines,
            run_id,
            request_ids,
        }
    }

    /// A unique id for receipt `seq` of client `index`.
    pub fn receipt_id(&self, index: u32, seq: u64) -> String {
        format!("lg-{}-{index}-{seq}", self.run_id)
    }
}

/// `?device=…` for a register id.
pub fn device_query(register: &str) -> String {
    format!("device={}", crate::auth::percent_encode(register))
}

pub enum Client {
    // Boxed: a WebSocket stream is large, and a client is built once per run.
    Ws(Box<ws::WsClient>),
    Http(http::HttpClient),
}

impl Client {
    pub fn new(shared: Arc<Shared>, index: u32, register: String) -> Client {
        match shared.face {
            Face::Ws => Client::Ws(Box::new(ws::WsClient::new(shared, index, register))),
            Face::Rest | Face::Rpc => Client::Http(http::HttpClient::new(shared, index, register)),
        }
    }

    /// One receipt, start to finish; `seq` is unique within the client.
    pub async fn receipt(&mut self, seq: u64) -> Result<(), Failure> {
        match self {
            Client::Ws(c) => c.receipt(seq).await,
            Client::Http(c) => c.receipt(seq).await,
        }
    }

    /// Forgets the connection, whose state is unknown after a timeout.
    pub fn reset(&mut self) {
        match self {
            Client::Ws(c) => c.reset(),
            Client::Http(c) => c.reset(),
        }
    }
}

/// How opening a shift went, when it did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shift {
    Opened,
    AlreadyOpen,
}

/// Opens the shift on `register` through the run's face.
pub async fn open_shift(shared: &Shared, register: &str) -> anyhow::Result<Shift> {
    let result = match shared.face {
        Face::Ws => ws::open_shift(shared, register).await,
        Face::Rest | Face::Rpc => http::open_shift(shared, register).await,
    };
    result.map_err(|f| {
        anyhow::anyhow!(
            "opening the shift on `{register}`: {}: {}",
            f.reason,
            f.example
        )
    })
}
