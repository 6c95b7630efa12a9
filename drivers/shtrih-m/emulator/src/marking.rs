//! Marking codes on the emulated register: FF61h check, FF69h accept/decline, FF67h bind, and
//! the marking system (ОИСМ) the register asks, whose answer a test sets.
//!
//! Layouts as the vendor's protocol text gives them (shtrih-m/javapos_shtrih,
//! `Source/FiscalPrinterService/src/res/commands.xml`, and `command/FSCheckMC.java`,
//! `FSAcceptMC.java`, `FSBindMC.java`):
//!
//! - FF61h: password 4, planned status (2003) 1, processing mode (2102) 1, code length 1, TLV
//!   length 1, code, TLVs. Answer: local status (2004: bit 0 checked, bit 1 valid), the reason
//!   the drive did not check (0), code type (2100), the length of what follows (0 when the
//!   marking system was not reached), then the drive's code for the online check (0), the
//!   result (2106) and the server's TLVs (2109, when it sent a status).
//! - FF69h: password 4, decision 1 (0 decline, 1 accept, 2 clear). Answer: tag 2106.
//! - FF67h: password 4, code length 1, code (an optional volume byte). Answer: the first two
//!   bytes of the product code, the Data Matrix type.
//!
//! As on a real drive, a code is bound (FF67h) only after it was checked and accepted since
//! the last receipt; anything else is the drive's error ACh ("КМ … ранее не проверялся в ФН").
//! A new check replaces one not yet decided on.

use std::time::Duration;

use crate::commands::{Args, Outcome, code::*};
use crate::device::ShtrihDevice;

/// What the marking system says of the next codes checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MarkingAnswer {
    /// The code is valid and its planned status confirmed: 2106 = 15, 2109 = 1.
    #[default]
    Valid,
    /// The crypto tail is wrong: the drive's own check fails (2004 = 1); the system answers
    /// without confirming (2106 = 0b0101).
    Invalid,
    /// The system does not know the code or it was sold already: 2106 = 0b0111, no 2109.
    UnknownOrSold,
    /// The system holds another status for the item: 2106 = 0b0111, 2109 = 2 ("planned
    /// status incorrect").
    StatusMismatch,
    /// The system cannot be reached: only the drive's own check (2004 = 3), nothing follows.
    Unreachable,
    /// The drive refuses the check with this error code (A0h marking not allowed, 02h a drive
    /// in the wrong state, …).
    Refused(u8),
}

/// The marking system as the register sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkingSystem {
    pub answer: MarkingAnswer,
    /// How long the answer to FF61h takes (the system's round trip).
    pub delay: Duration,
    /// Tag 2100 the drive reports for every code.
    pub code_type: u8,
}

impl Default for MarkingSystem {
    fn default() -> Self {
        Self {
            answer: MarkingAnswer::Valid,
            delay: Duration::ZERO,
            code_type: 5,
        }
    }
}

/// A code checked and waiting for the cashier's decision.
#[derive(Debug, Clone)]
pub(crate) struct PendingCheck {
    pub code: Vec<u8>,
    pub result: u8,
}

fn tlv(tag: u16, value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_le_bytes().to_vec();
    out.extend((value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out
}

impl ShtrihDevice {
    /// Sets what the marking system answers to the next checks.
    pub fn set_marking_answer(&mut self, answer: MarkingAnswer) {
        self.marking.answer = answer;
    }

    /// Sets how long each check (FF61h) takes to answer.
    pub fn set_marking_delay(&mut self, delay: Duration) {
        self.marking.delay = delay;
    }

    /// The marking system, to set its answer, delay and code type at once.
    pub fn marking_system_mut(&mut self) -> &mut MarkingSystem {
        &mut self.marking
    }

    /// Codes accepted (FF69h 1) and not yet bound in a receipt, oldest first.
    pub fn accepted_marking_codes(&self) -> Vec<String> {
        self.accepted_codes
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect()
    }

    pub(crate) fn check_marking(&mut self, args: &mut Args) -> Outcome {
        args.operator()?;
        let status = args.u8()?;
        let _mode = args.u8()?;
        let code_len = args.u8()? as usize;
        let tlv_len = args.u8()? as usize;
        let code = args.bytes(code_len)?.to_vec();
        let _tlvs = args.bytes(tlv_len)?;
        if !args.rest().is_empty() || code.is_empty() || !(1..=4).contains(&status) {
            return Err(BAD_PARAMETERS);
        }
        if let MarkingAnswer::Refused(code) = self.marking.answer {
            return Err(code);
        }
        self.answer_delay = Some(self.marking.delay).filter(|d| !d.is_zero());
        let (local, online): (u8, Option<(u8, Vec<u8>)>) = match self.marking.answer {
            MarkingAnswer::Valid => (0b11, Some((0b1111, tlv(2109, &[1])))),
            MarkingAnswer::Invalid => (0b01, Some((0b0101, Vec::new()))),
            MarkingAnswer::UnknownOrSold => (0b11, Some((0b0111, Vec::new()))),
            MarkingAnswer::StatusMismatch => (0b11, Some((0b0111, tlv(2109, &[2])))),
            MarkingAnswer::Unreachable => (0b11, None),
            MarkingAnswer::Refused(_) => unreachable!("answered above"),
        };
        let mut out = vec![local, 0, self.marking.code_type];
        let result = match online {
            None => {
                out.push(0);
                local
            }
            Some((result, tlvs)) => {
                out.push((2 + tlvs.len()) as u8);
                out.extend([0, result]);
                out.extend(tlvs);
                result
            }
        };
        self.pending_check = Some(super::marking::PendingCheck { code, result });
        Ok(out)
    }

    pub(crate) fn accept_marking(&mut self, args: &mut Args) -> Outcome {
        args.operator()?;
        let decision = args.u8()?;
        if decision > 2 {
            return Err(BAD_PARAMETERS);
        }
        if decision == 2 {
            self.pending_check = None;
            self.accepted_codes.clear();
            return Ok(vec![0]);
        }
        let check = self.pending_check.take().ok_or(FN_WRONG_STATE)?;
        if decision == 1 {
            self.accepted_codes.push(check.code);
        }
        Ok(vec![check.result])
    }

    pub(crate) fn bind_marking(&mut self, args: &mut Args) -> Outcome {
        args.operator()?;
        let len = args.u8()? as usize;
        let code = args.bytes(len)?.to_vec();
        let _volume = args.rest();
        let receipt = self.receipt.as_ref().ok_or(RECEIPT_CLOSED)?;
        // Marked goods go only on sales and sale returns, never on corrections.
        if receipt.correction || !matches!(receipt.check_type, 0 | 2) {
            return Err(WRONG_RECEIPT_TYPE);
        }
        if receipt.next_marking.is_some() {
            return Err(FN_WRONG_STATE);
        }
        let at = self
            .accepted_codes
            .iter()
            .position(|c| *c == code)
            .ok_or(MARKING_NOT_CHECKED)?;
        self.accepted_codes.remove(at);
        let receipt = self.receipt.as_mut().expect("checked above");
        receipt.next_marking = Some(String::from_utf8_lossy(&code).into_owned());
        // The product code's first two bytes (after the GS1 01 prefix when there is one)
        // and the Data Matrix type (2: tobacco, the emulator's one kind).
        let product = code.get(2..4).unwrap_or(&[0, 0]);
        Ok(vec![product[0], product[1], 2])
    }
}
