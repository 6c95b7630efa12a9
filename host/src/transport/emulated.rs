//! The in-process emulators: one running emulator per built-in kind and unit, reached through a
//! fresh socket pair per connection. Unit 0 is the embedded default's (tests reach it through the
//! public fields); further units are created on first use, each a device of its own.

use std::collections::HashMap;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};

use emulator_kit::Emulator;
use escpos_emulator::EscPosDevice;
use shtrih_m_emulator::ShtrihDevice;
use zvt_emulator::ZvtDevice;

use super::PortError;

/// The emulators the host can run in-process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuiltinEmulator {
    ShtrihM,
    Escpos,
    Zvt,
}

/// One emulator of any built-in kind.
#[derive(Clone)]
enum Unit {
    ShtrihM(Emulator<ShtrihDevice>),
    Escpos(Emulator<EscPosDevice>),
    Zvt(Emulator<ZvtDevice>),
}

impl Unit {
    fn new(which: BuiltinEmulator) -> Self {
        match which {
            BuiltinEmulator::ShtrihM => Unit::ShtrihM(shtrih_m_emulator::emulator()),
            BuiltinEmulator::Escpos => Unit::Escpos(escpos_emulator::emulator()),
            BuiltinEmulator::Zvt => Unit::Zvt(zvt_emulator::emulator()),
        }
    }

    fn connect(&self, baud: Option<u32>) -> std::io::Result<UnixStream> {
        match self {
            Unit::ShtrihM(e) => e.connect_at(baud),
            Unit::Escpos(e) => e.connect_at(baud),
            Unit::Zvt(e) => e.connect_at(baud),
        }
    }
}

/// The emulators of unit 0 (tests inject faults into them and read what they did), and the
/// further units of emulated lanes.
#[derive(Clone)]
pub struct Emulators {
    pub shtrih_m: Emulator<ShtrihDevice>,
    pub escpos: Emulator<EscPosDevice>,
    pub zvt: Emulator<ZvtDevice>,
    units: Arc<Mutex<HashMap<(BuiltinEmulator, u32), Unit>>>,
}

impl Default for Emulators {
    fn default() -> Self {
        Self {
            shtrih_m: shtrih_m_emulator::emulator(),
            escpos: escpos_emulator::emulator(),
            zvt: zvt_emulator::emulator(),
            units: Arc::default(),
        }
    }
}

impl Emulators {
    /// A fresh line to an emulator, paced at `baud` when given.
    pub fn connect(
        &self,
        which: BuiltinEmulator,
        unit: u32,
        baud: Option<u32>,
    ) -> Result<UnixStream, PortError> {
        let emulator = match (which, unit) {
            (BuiltinEmulator::ShtrihM, 0) => Unit::ShtrihM(self.shtrih_m.clone()),
            (BuiltinEmulator::Escpos, 0) => Unit::Escpos(self.escpos.clone()),
            (BuiltinEmulator::Zvt, 0) => Unit::Zvt(self.zvt.clone()),
            _ => self
                .units
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry((which, unit))
                .or_insert_with(|| Unit::new(which))
                .clone(),
        };
        emulator
            .connect(baud)
            .map_err(|e| PortError::Io(format!("emulator link: {e}")))
    }
}
