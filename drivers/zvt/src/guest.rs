//! The WIT adapter: the `terminal` export over the operations of [`crate::ops`], a `Port` over
//! the host's `transport` import, the settings from the `settings` import and log lines to the
//! `log` import. Built for Wasm only; the imports do not exist natively.

use std::time::Duration;

use driver_kit::{Port, PortError};

use crate::error::{Error, ErrorClass};
use crate::ops;
use crate::settings::Settings;

wit_bindgen::generate!({
    path: "../../wit/fiscal-host-0.1.0",
    world: "payment-driver",
});

use exports::fiscal::host::terminal::{Guest, Outcome, Transaction};
use fiscal::host::driver_types::{DeviceInfo, DriverError, ErrorClass as WitClass};
use fiscal::host::transport::{self, TransportError};
use fiscal::host::types::{Date, DateTime};

/// The component: a ZVT payment terminal.
pub struct ZvtDriver;

export!(ZvtDriver);

/// The line the host lends.
struct HostPort;

fn port_error(e: TransportError) -> PortError {
    match e {
        TransportError::Timeout => PortError::Timeout,
        TransportError::Disconnected => PortError::Disconnected,
        TransportError::Io(message) => PortError::Io(message),
    }
}

impl Port for HostPort {
    fn write(&mut self, bytes: &[u8]) -> Result<(), PortError> {
        transport::write(bytes).map_err(port_error)
    }

    fn read(&mut self, max: usize, timeout: Duration) -> Result<Vec<u8>, PortError> {
        let max = u32::try_from(max).unwrap_or(u32::MAX);
        let ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
        transport::read(max, ms).map_err(port_error)
    }

    fn discard_input(&mut self) {
        transport::discard_input();
    }
}

pub(crate) fn log(level: crate::log::Level, message: &str) {
    use fiscal::host::log::{Level, write};
    let level = match level {
        crate::log::Level::Debug => Level::Debug,
        crate::log::Level::Info => Level::Info,
        crate::log::Level::Warn => Level::Warn,
    };
    write(level, message);
}

fn settings() -> Result<Settings, DriverError> {
    Settings::from_lookup(fiscal::host::settings::get).map_err(driver_error)
}

fn driver_error(e: Error) -> DriverError {
    DriverError {
        class: match e.class {
            ErrorClass::Communication => WitClass::Communication,
            ErrorClass::WrongState => WitClass::WrongState,
            ErrorClass::Unsupported => WitClass::Unsupported,
            ErrorClass::Device => WitClass::Device,
        },
        vendor_code: e.vendor_code,
        message: e.message,
    }
}

fn transaction(t: ops::Transaction) -> Transaction {
    Transaction {
        outcome: match t.outcome {
            ops::Outcome::Approved => Outcome::Approved,
            ops::Outcome::Declined => Outcome::Declined,
        },
        amount: t.amount,
        rrn: t.rrn,
        auth_id: t.auth_id,
        auth_code: t.auth_code,
        card_number: t.card_number,
        response_code: t.response_code,
        text: t.text,
        date_time: t.date_time.map(|d| DateTime {
            date: Date {
                year: d.year,
                month: d.month,
                day: d.day,
            },
            hour: d.hour,
            minute: d.minute,
            second: d.second,
        }),
    }
}

impl Guest for ZvtDriver {
    fn describe() -> Result<DeviceInfo, DriverError> {
        let info = ops::describe(&mut HostPort, &settings()?).map_err(driver_error)?;
        Ok(DeviceInfo {
            vendor: info.vendor,
            model: info.model,
            serial_number: info.serial_number,
            firmware: info.firmware,
            // The terminal prints its own receipts; the host prints nothing on it.
            paper_width: 0,
            fiscal: false,
        })
    }

    fn pay(amount: i64) -> Result<Transaction, DriverError> {
        ops::pay(&mut HostPort, &settings()?, amount)
            .map(transaction)
            .map_err(driver_error)
    }

    fn cancel(auth_id: u32) -> Result<Transaction, DriverError> {
        ops::cancel(&mut HostPort, &settings()?, auth_id)
            .map(transaction)
            .map_err(driver_error)
    }

    fn refund(rrn: String, amount: i64) -> Result<Transaction, DriverError> {
        ops::refund(&mut HostPort, &settings()?, &rrn, amount)
            .map(transaction)
            .map_err(driver_error)
    }

    fn last_transaction() -> Result<Option<Transaction>, DriverError> {
        ops::last_transaction(&mut HostPort, &settings()?)
            .map(|t| t.map(transaction))
            .map_err(driver_error)
    }
}
