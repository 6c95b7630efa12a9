//! The rrn this driver gives a payment, and reads back for a refund.
//!
//! ZVT has no retrieval reference number of its own. A payment is identified by the terminal
//! id (BMP 29, eight digits) and its trace number (BMP 0B, six digits), both in the status
//! information; the rrn is those fourteen digits, terminal id first: terminal 29110042,
//! trace 17 → `"29110042000017"`. Without a terminal id the rrn is the six trace digits.

/// What an rrn names: the original payment's trace number at a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    pub terminal_id: Option<u32>,
    pub trace: u32,
}

/// The rrn of a transaction; empty when the terminal gave no trace number.
pub fn compose(terminal_id: Option<u32>, trace: Option<u32>) -> String {
    match (terminal_id, trace) {
        (Some(tid), Some(trace)) => format!("{tid:08}{trace:06}"),
        (None, Some(trace)) => format!("{trace:06}"),
        (_, None) => String::new(),
    }
}

/// The reference an rrn of this driver names; none for another form.
pub fn parse(rrn: &str) -> Option<Reference> {
    let rrn = rrn.trim();
    if !rrn.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match rrn.len() {
        14 => Some(Reference {
            terminal_id: Some(rrn[..8].parse().ok()?),
            trace: rrn[8..].parse().ok()?,
        }),
        6 => Some(Reference {
            terminal_id: None,
            trace: rrn.parse().ok()?,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let rrn = compose(Some(29110042), Some(17));
        assert_eq!(rrn, "29110042000017");
        assert_eq!(
            parse(&rrn),
            Some(Reference {
                terminal_id: Some(29110042),
                trace: 17
            })
        );
        assert_eq!(compose(None, Some(5)), "000005");
        assert_eq!(parse("000005").unwrap().terminal_id, None);
        assert_eq!(compose(Some(1), None), "");
        assert_eq!(parse("LINK_916913195426"), None);
        assert_eq!(parse("1234567"), None);
    }
}
