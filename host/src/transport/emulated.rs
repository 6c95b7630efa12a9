//! The in-process emulators: one running emulated device per built-in model and unit, made on
//! first use from `builtins::MODELS`. An unpaced line is an inline link (the model runs on the
//! device's own worker thread when the driver writes: the emulator answers at once); a line
//! paced at a baud rate is a socket pair whose other end a pump thread serves, sleeping each
//! byte's wire time. Unit 0 is the embedded default's; further units are devices of their own
//! (the lanes of a load test). Tests reach a unit's typed emulator with [`Emulators::get`] to
//! inject faults and read what it did.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use emulator_kit::{Device, Emulator};

use super::{Line, PortError};
use crate::builtins::{self, Emulated};

/// A running emulated device by (model name, unit).
type Units = HashMap<(&'static str, u32), Arc<dyn Emulated>>;

/// The host's emulated devices.
#[derive(Clone, Default)]
pub struct Emulators {
    units: Arc<Mutex<Units>>,
}

impl Emulators {
    /// A fresh line to an emulated device, paced at `baud` when given.
    pub fn connect(&self, model: &str, unit: u32, baud: Option<u32>) -> Result<Line, PortError> {
        let device = self
            .unit(model, unit)
            .ok_or_else(|| PortError::Io(format!("no built-in emulator \"{model}\"")))?;
        device
            .connect(baud)
            .map_err(|e| PortError::Io(format!("emulator link: {e}")))
    }

    /// A unit of a model, made on first use; `None` for a name that is not a built-in model.
    pub fn unit(&self, model: &str, unit: u32) -> Option<Arc<dyn Emulated>> {
        let model = builtins::model(model)?;
        let mut units = self.units.lock().unwrap_or_else(|p| p.into_inner());
        let device = units
            .entry((model.name, unit))
            .or_insert_with(|| Arc::from((model.emulator)()));
        Some(device.clone())
    }

    /// A unit's typed emulator (`get::<ShtrihDevice>("shtrih-m", 0)`); `None` when the model
    /// is unknown or of another device type.
    pub fn get<D: Device>(&self, model: &str, unit: u32) -> Option<Emulator<D>> {
        self.unit(model, unit)?.typed::<D>()
    }
}
