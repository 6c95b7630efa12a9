//! Serial lines through the `serialport` crate (built without libudev: ports are named by
//! path in the configuration, never enumerated).

use std::io::Write;
use std::time::Duration;

use serialport::{ClearBuffer, SerialPort, TTYPort};

use super::{Port, PortError};
use crate::config::{FlowControl, Parity, SerialConfig};

pub struct SerialLine {
    port: TTYPort,
    /// No single read waits longer than this, whatever the driver asks.
    max_read_wait: Duration,
}

impl SerialLine {
    pub fn open(config: &SerialConfig) -> Result<Self, PortError> {
        let data_bits = match config.data_bits {
            5 => serialport::DataBits::Five,
            6 => serialport::DataBits::Six,
            7 => serialport::DataBits::Seven,
            _ => serialport::DataBits::Eight,
        };
        let parity = match config.parity {
            Parity::None => serialport::Parity::None,
            Parity::Odd => serialport::Parity::Odd,
            Parity::Even => serialport::Parity::Even,
        };
        let stop_bits = match config.stop_bits {
            2 => serialport::StopBits::Two,
            _ => serialport::StopBits::One,
        };
        let flow_control = match config.flow_control {
            FlowControl::None => serialport::FlowControl::None,
            FlowControl::Software => serialport::FlowControl::Software,
            FlowControl::Hardware => serialport::FlowControl::Hardware,
        };
        let port = serialport::new(config.path.to_string_lossy(), config.baud)
            .data_bits(data_bits)
            .parity(parity)
            .stop_bits(stop_bits)
            .flow_control(flow_control)
            .timeout(Duration::from_millis(config.read_timeout_ms))
            .open_native()
            .map_err(|e| PortError::Io(format!("open {}: {e}", config.path.display())))?;
        Ok(Self {
            port,
            max_read_wait: Duration::from_millis(config.read_timeout_ms),
        })
    }
}

impl Port for SerialLine {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        self.port
            .write_all(bytes)
            .and_then(|()| self.port.flush())
            .map_err(PortError::from)
    }

    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        let wait = timeout.clamp(Duration::from_millis(1), self.max_read_wait);
        self.port
            .set_timeout(wait)
            .map_err(|e| PortError::Io(e.to_string()))?;
        driver_kit::read_some(&mut self.port, max)
    }

    fn discard_input(&mut self) {
        let _ = self.port.clear(ClearBuffer::Input);
    }
}
