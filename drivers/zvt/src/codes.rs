//! The terminal's result codes (BMP `27`, the byte of an abort `06 1E`, the `xx` of a refusal
//! `84 xx`) and intermediate status codes (`04 FF`), in words, and the class of error a refusal
//! is.
//!
//! Codes 01–63 come from the authorisation system (the acquirer or card issuer); 64–FF are the
//! terminal's own, listed in the specification's chapter "Error messages".

use crate::error::ErrorClass;

/// Result code 0: the transaction went through.
pub const APPROVED: u8 = 0x00;

/// What result code `code` means.
pub fn result_text(code: u8) -> String {
    let known = match code {
        APPROVED => "approved",
        0x64 => "card not readable",
        0x65 => "card data not present",
        0x66 => "processing error",
        0x67 => "function not permitted for ec and Maestro cards",
        0x68 => "function not permitted for credit and tank cards",
        0x6A => "turnover file full",
        0x6B => "function deactivated (terminal not registered)",
        0x6C => "aborted by timeout or the abort key",
        0x6E => "card in the blocked list",
        0x6F => "wrong currency",
        0x71 => "credit not sufficient",
        0x72 => "chip error",
        0x73 => "card data incorrect",
        0x77 => "end-of-day batch not possible",
        0x78 => "card expired",
        0x79 => "card not yet valid",
        0x7A => "card unknown",
        0x7D => "communication error",
        0x83 => "function not possible",
        0x85 => "key missing",
        0x89 => "PIN pad defective",
        0x9A => "ZVT protocol error",
        0x9B => "error from dial-up or communication fault",
        0x9C => "please wait",
        0xA0 => "receiver not ready",
        0xA1 => "remote station does not respond",
        0xA3 => "no connection",
        0xB1 => "memory full",
        0xB2 => "merchant journal full",
        0xB4 => "already reversed",
        0xB5 => "reversal not possible",
        0xB7 => "amount wrong or too high",
        0xB8 => "pre-authorisation error",
        0xC2 => "diagnosis required",
        0xC3 => "maximum amount exceeded",
        0xC5 => "payment method not supported",
        0xC6 => "currency not applicable",
        0xC8 => "amount too small",
        0xCC => "printer not ready",
        0xDC => "card inserted",
        0xDF => "out of order",
        0xE2 => "card reader does not answer",
        0xE4 => "terminal activation required",
        0xF0 => "open end-of-day batch present",
        0xFC => "necessary device not present or defective",
        0xFF => "system error",
        0x01..=0x63 => return format!("declined by the authorisation system (code {code:02X})"),
        _ => return format!("terminal error {code:02X}"),
    };
    known.to_string()
}

/// What an intermediate status (`04 FF`) tells the cashier.
pub fn intermediate_text(status: u8) -> &'static str {
    match status {
        0x00 => "waiting for amount confirmation",
        0x01 | 0x02 => "watch the PIN pad",
        0x03 => "not accepted",
        0x04 => "waiting for the acquirer",
        0x05 => "sending an auto-reversal",
        0x07 => "card not admitted",
        0x08 => "card unknown",
        0x09 => "card expired",
        0x0A => "insert card",
        0x0B => "remove card",
        0x0C => "card not readable",
        0x0D => "processing error",
        0x0E | 0x17 => "please wait",
        0x13 => "payment not possible",
        0x14 => "credit not sufficient",
        0x15 => "incorrect PIN",
        0x1D => "declined",
        _ => "status",
    }
}

/// The class of error a refused command (`84 xx`) or an aborted administrative command is.
pub fn class_of(code: u8) -> ErrorClass {
    match code {
        0x83 | 0xC5 | 0xC6 => ErrorClass::Unsupported,
        0x6B | 0x9C | 0xA0 | 0xDC | 0xDF | 0xE4 | 0xF0 => ErrorClass::WrongState,
        0x7D | 0x9A | 0x9B | 0xA1 | 0xA3 => ErrorClass::Communication,
        _ => ErrorClass::Device,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(result_text(0), "approved");
        assert_eq!(result_text(0x6C), "aborted by timeout or the abort key");
        assert_eq!(
            result_text(0x05),
            "declined by the authorisation system (code 05)"
        );
        assert_eq!(result_text(0xD7), "terminal error D7");
        assert_eq!(intermediate_text(0x0A), "insert card");
        assert_eq!(class_of(0x83), ErrorClass::Unsupported);
    }
}
