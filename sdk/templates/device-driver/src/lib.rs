//! {{name}}: a receipt-printer driver as a `receipt-printer` component.
//!
//! The protocol ([`protocol`]) is plain Rust over `driver_kit::Port`; this file only adapts it to
//! the WIT `printer` export over the host's line ([`HostPort`]) and settings ([`config`]).

pub mod config;
pub mod protocol;

#[cfg(not(target_arch = "wasm32"))]
pub mod emulator;

use fiscal_host_guest::log;
use fiscal_host_guest::port::HostPort;
use fiscal_host_guest::printer::{self, PrinterStatus};
use fiscal_host_guest::settings::Settings;
use fiscal_host_guest::types::*;

use config::Config;

/// The component.
pub struct Driver;

fn config() -> Result<Config, DriverError> {
    Ok(Config::read(&Settings::host())?)
}

impl printer::Guest for Driver {
    fn describe() -> Result<DeviceInfo, DriverError> {
        Ok(DeviceInfo {
            vendor: "{{name}}".into(),
            model: "line printer".into(),
            serial_number: String::new(),
            firmware: String::new(),
            paper_width: config()?.width,
            fiscal: false,
            jurisdictions: Vec::new(),
        })
    }

    fn status() -> Result<PrinterStatus, DriverError> {
        let s = protocol::status(&mut HostPort, config()?.timeout)?;
        Ok(PrinterStatus {
            online: true,
            paper_present: s.paper,
            cover_open: s.cover_open,
            vendor_code: 0,
            vendor_text: String::new(),
        })
    }

    fn print(elements: Vec<Element>) -> Result<(), DriverError> {
        let config = config()?;
        log::debug(format!("printing {} elements", elements.len()));
        for element in elements {
            match element {
                Element::Text(t) => {
                    protocol::print_line(&mut HostPort, &t.content, config.timeout)?
                }
                Element::Separator(c) => {
                    let line: String = std::iter::repeat_n(c, config.width as usize).collect();
                    protocol::print_line(&mut HostPort, &line, config.timeout)?
                }
                Element::Feed(n) => {
                    for _ in 0..n {
                        protocol::print_line(&mut HostPort, "", config.timeout)?;
                    }
                }
                Element::Cut => protocol::cut(&mut HostPort, config.timeout)?,
                // This device has no graphics: QR codes and barcodes print as their data.
                Element::Qr(data) => protocol::print_line(&mut HostPort, &data, config.timeout)?,
                Element::Barcode(b) => {
                    protocol::print_line(&mut HostPort, &b.data, config.timeout)?
                }
            }
        }
        Ok(())
    }
}

fiscal_host_guest::printer::export!(Driver);
