//! A payment-terminal skeleton that declines everything.
//! `cargo build -p fiscal-host-guest --example terminal_minimal --target wasm32-wasip2`.

// Natively the export expands to nothing, leaving the component unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use fiscal_host_guest::terminal::{self, Outcome, Transaction};
use fiscal_host_guest::types::*;

struct Demo;

fn declined(amount: Money) -> Transaction {
    Transaction {
        outcome: Outcome::Declined,
        amount,
        rrn: String::new(),
        auth_id: 0,
        auth_code: String::new(),
        card_number: String::new(),
        response_code: 5,
        text: "declined by the skeleton".into(),
        date_time: None,
    }
}

impl terminal::Guest for Demo {
    fn describe() -> Result<DeviceInfo, DriverError> {
        Err(DriverError::unsupported("describe"))
    }
    fn pay(amount: Money) -> Result<Transaction, DriverError> {
        Ok(declined(amount))
    }
    fn cancel(_: u32) -> Result<Transaction, DriverError> {
        Ok(declined(0))
    }
    fn refund(_: String, amount: Money) -> Result<Transaction, DriverError> {
        Ok(declined(amount))
    }
    fn last_transaction() -> Result<Option<Transaction>, DriverError> {
        Ok(None)
    }
}

fiscal_host_guest::terminal::export!(Demo);
