#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

//! The WIT adapter: the `terminal` export (`payment-terminal` world) over the operations of
//! [`crate::ops`], through the SDK: the host's line as `HostPort`, the settings of the
//! `settings` import under the SDK's policy (a bad value fails the call, naming the key), and
//! the SDK's log. Outside Wasm the export macro expands to nothing; the adapter is compiled
//! natively all the same.

use fiscal_host_guest::port::HostPort;
use fiscal_host_guest::settings::Settings as HostSettings;
use fiscal_host_guest::terminal::{Guest, Outcome, Transaction};
use fiscal_host_guest::types::{Date, DateTime, DeviceInfo, DriverError, ErrorClass as WitClass};

use crate::error::{Error, ErrorClass};
use crate::ops;
use crate::settings::Settings;

/// The component: a ZVT payment terminal.
pub struct ZvtDriver;

fiscal_host_guest::terminal::export!(ZvtDriver);

fn settings() -> Result<Settings, DriverError> {
    Settings::read(&HostSettings::host()).map_err(DriverError::from)
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
            jurisdictions: Vec::new(),
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
