//! The commands the ECR sends, as APDUs. Passwords are the terminal's six-digit password as
//! three BCD bytes, untagged, right after the length.

use crate::apdu::Apdu;
use crate::bmp;
use crate::error::Error;
use crate::rrn::Reference;

/// Config byte of the registration: `08` the ECR wants intermediate statuses (`04 FF`),
/// `10` the ECR controls payments (no amount entry on the terminal). The terminal prints its
/// own receipts (bits `02`/`04` clear): the WIT has no way to hand print lines to the host.
pub const CONFIG_BYTE: u8 = 0x08 | 0x10;

fn bcd(value: u64, bytes: usize, what: &str) -> Result<Vec<u8>, Error> {
    bmp::bcd(value, bytes).ok_or_else(|| {
        Error::unsupported(format!("{what} {value} has more than {} digits", bytes * 2))
    })
}

fn tagged(number: u8, value: u64, bytes: usize, what: &str) -> Result<Vec<u8>, Error> {
    let mut out = vec![number];
    out.extend(bcd(value, bytes, what)?);
    Ok(out)
}

/// Registration `06 00`: password, config byte, currency (untagged).
pub fn registration(password: u32, config: u8, currency: u16) -> Result<Apdu, Error> {
    let mut data = bcd(password.into(), 3, "password")?;
    data.push(config);
    data.extend(bcd(currency.into(), 2, "currency")?);
    Ok(Apdu::new(0x06, 0x00, data))
}

/// Authorization `06 01`: amount (BMP 04) and currency (BMP 49). No password.
pub fn authorization(amount: u64, currency: u16) -> Result<Apdu, Error> {
    let mut data = tagged(0x04, amount, 6, "amount")?;
    data.extend(tagged(0x49, currency.into(), 2, "currency")?);
    Ok(Apdu::new(0x06, 0x01, data))
}

/// Reversal `06 30`: password and the receipt number (BMP 87) of the payment to undo.
pub fn reversal(password: u32, receipt_no: u32) -> Result<Apdu, Error> {
    let mut data = bcd(password.into(), 3, "password")?;
    data.extend(tagged(
        0x87,
        receipt_no.into(),
        2,
        "receipt number (auth-id)",
    )?);
    Ok(Apdu::new(0x06, 0x30, data))
}

/// Refund `06 31`: password, amount (04), currency (49) and, when given, the original
/// payment's trace number (37) and terminal id (29) taken from its rrn.
pub fn refund(
    password: u32,
    amount: u64,
    currency: u16,
    reference: Option<&Reference>,
) -> Result<Apdu, Error> {
    let mut data = bcd(password.into(), 3, "password")?;
    data.extend(tagged(0x04, amount, 6, "amount")?);
    data.extend(tagged(0x49, currency.into(), 2, "currency")?);
    if let Some(reference) = reference {
        data.extend(tagged(0x37, reference.trace.into(), 3, "trace number")?);
        if let Some(terminal_id) = reference.terminal_id {
            data.extend(tagged(0x29, terminal_id.into(), 4, "terminal id")?);
        }
    }
    Ok(Apdu::new(0x06, 0x31, data))
}

/// Repeat Receipt `06 20`: the terminal repeats its last receipt and reports that transaction.
pub fn repeat_receipt(password: u32) -> Result<Apdu, Error> {
    Ok(Apdu::new(0x06, 0x20, bcd(password.into(), 3, "password")?))
}

/// Abort `06 B0`, no data: the terminal is to stop the command it is running. The one command
/// the ECR may send while the terminal is master (see [`crate::flow`] for when the driver does).
pub fn abort() -> Apdu {
    Apdu::new(0x06, 0xB0, Vec::new())
}

/// Status Enquiry `05 01`: the terminal reports its software version and state.
pub fn status_enquiry(password: u32) -> Result<Apdu, Error> {
    Ok(Apdu::new(0x05, 0x01, bcd(password.into(), 3, "password")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    #[test]
    fn registration_with_password_and_config_byte() {
        // The published example: password 123456, config byte BA, EUR.
        let apdu = registration(123456, 0xBA, 978).unwrap();
        assert_eq!(apdu.encode(), hex("06 00 06 12 34 56 BA 09 78"));
        assert_eq!(
            registration(0, CONFIG_BYTE, 643).unwrap().encode(),
            hex("06 00 06 00 00 00 18 06 43")
        );
    }

    #[test]
    fn authorization_of_one_euro() {
        assert_eq!(
            authorization(100, 978).unwrap().encode(),
            hex("06 01 0A 04 00 00 00 00 01 00 49 09 78")
        );
        // The published example of 110.00 EUR (its serial frame doubles the 10).
        assert_eq!(
            authorization(11000, 978).unwrap().encode(),
            hex("06 01 0A 04 00 00 00 01 10 00 49 09 78")
        );
        assert!(authorization(1_000_000_000_000, 978).is_err());
    }

    #[test]
    fn reversal_refund_repeat_and_enquiry() {
        assert_eq!(
            reversal(123456, 42).unwrap().encode(),
            hex("06 30 06 12 34 56 87 00 42")
        );
        assert!(reversal(0, 10_000).is_err());
        let reference = Reference {
            terminal_id: Some(29110042),
            trace: 17,
        };
        assert_eq!(
            refund(0, 2469, 643, Some(&reference)).unwrap().encode(),
            hex("06 31 16 00 00 00 04 00 00 00 00 24 69 49 06 43 37 00 00 17 29 29 11 00 42")
        );
        assert_eq!(
            refund(0, 1, 643, None).unwrap().encode(),
            hex("06 31 0D 00 00 00 04 00 00 00 00 00 01 49 06 43")
        );
        assert_eq!(
            repeat_receipt(0).unwrap().encode(),
            hex("06 20 03 00 00 00")
        );
        assert_eq!(abort().encode(), hex("06 B0 00"));
        // The published status enquiry with password 123456.
        assert_eq!(
            status_enquiry(123456).unwrap().encode(),
            hex("05 01 03 12 34 56")
        );
    }
}
