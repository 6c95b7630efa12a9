//! The in-process emulators: one running emulator per built-in kind and unit. An unpaced line is
//! an inline link (the model runs on the device's own worker thread when the driver writes: the
//! emulator answers at once); a line paced at a baud rate is a socket pair whose other end a pump
//! thread serves, sleeping each byte's wire time. Unit 0 is the embedded default's (tests reach it through the
//! public fields); further units are created on first use, each a device of its own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use emulator_kit::Emulator;
use escpos_emulator::EscPosDevice;
use shtrih_m_emulator::ShtrihDevice;
use zvt_emulator::ZvtDevice;

use super::{Line, PortError, StreamPort};

pub use crate::config::BuiltinEmulator;

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

    fn connect(&self, baud: Option<u32>) -> std::io::Result<Line> {
        fn line<D: emulator_kit::Device>(
            e: &Emulator<D>,
            baud: Option<u32>,
        ) -> std::io::Result<Line> {
            Ok(match baud {
                None => Box::new(e.connect_inline()),
                Some(_) => Box::new(StreamPort(e.connect_at(baud)?)),
            })
        }
        match self {
            Unit::ShtrihM(e) => line(e, baud),
            Unit::Escpos(e) => line(e, baud),
            Unit::Zvt(e) => line(e, baud),
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
    ) -> Result<Line, PortError> {
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
