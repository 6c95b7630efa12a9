//! A receipt-printer skeleton: text lines out, no status.
//! `cargo build -p fiscal-host-guest --example printer_minimal --target wasm32-wasip2`.

// Natively the export expands to nothing, leaving the component unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use fiscal_host_guest::driver_kit::Port;
use fiscal_host_guest::port::HostPort;
use fiscal_host_guest::printer::{self, PrinterStatus};
use fiscal_host_guest::settings::Settings;
use fiscal_host_guest::types::*;

struct Demo;

impl printer::Guest for Demo {
    fn describe() -> Result<DeviceInfo, DriverError> {
        let width = Settings::host().int("width", 16u32..=96)?.unwrap_or(48);
        Ok(DeviceInfo {
            vendor: "Demo".into(),
            model: "Line printer".into(),
            serial_number: String::new(),
            firmware: String::new(),
            paper_width: width,
            fiscal: false,
            jurisdictions: Vec::new(),
        })
    }
    fn status() -> Result<PrinterStatus, DriverError> {
        Ok(PrinterStatus {
            online: true,
            paper_present: true,
            cover_open: false,
            vendor_code: 0,
            vendor_text: String::new(),
        })
    }
    fn print(elements: Vec<Element>) -> Result<(), DriverError> {
        let mut out = Vec::new();
        for element in elements {
            match element {
                Element::Text(t) => out.extend_from_slice(t.content.as_bytes()),
                Element::Feed(n) => out.extend(std::iter::repeat_n(b'\n', n.into())),
                _ => {}
            }
            out.push(b'\n');
        }
        HostPort.write(&out)?;
        Ok(())
    }
}

fiscal_host_guest::printer::export!(Demo);
