//! The in-process emulators of the embedded default: one running emulator per built-in kind,
//! reached through a fresh socket pair per connection.

use std::os::unix::net::UnixStream;

use emulator_kit::Emulator;
use escpos_emulator::EscPosDevice;
use shtrih_m_emulator::ShtrihDevice;
use zvt_emulator::ZvtDevice;

use super::PortError;

/// The emulators the host can run in-process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuiltinEmulator {
    ShtrihM,
    Escpos,
    Zvt,
}

/// One running emulator of each kind, created on first use; tests reach them to inject faults
/// and read what the device did.
#[derive(Clone)]
pub struct Emulators {
    pub shtrih_m: Emulator<ShtrihDevice>,
    pub escpos: Emulator<EscPosDevice>,
    pub zvt: Emulator<ZvtDevice>,
}

impl Default for Emulators {
    fn default() -> Self {
        Self {
            shtrih_m: shtrih_m_emulator::emulator(),
            escpos: escpos_emulator::emulator(),
            zvt: zvt_emulator::emulator(),
        }
    }
}

impl Emulators {
    pub fn connect(&self, which: BuiltinEmulator) -> Result<UnixStream, PortError> {
        let link = match which {
            BuiltinEmulator::ShtrihM => self.shtrih_m.connect(),
            BuiltinEmulator::Escpos => self.escpos.connect(),
            BuiltinEmulator::Zvt => self.zvt.connect(),
        };
        link.map_err(|e| PortError::Io(format!("emulator link: {e}")))
    }
}
