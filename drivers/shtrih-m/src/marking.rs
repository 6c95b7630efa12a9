//! Marking codes (Честный знак, FFD 1.2): checking a code with the fiscal drive and the
//! marking system (FF61h), the cashier's decision (FF69h), and binding an accepted code to
//! the next receipt position (FF67h, sent by `receipt` right before the position's FF46h).
//!
//! Layouts follow the vendor's JavaPOS driver, shtrih-m/javapos_shtrih:
//! `Source/FiscalPrinterService/src/res/commands.xml` (the protocol text of FF61h, FF67h,
//! FF69h), `command/FSCheckMC.java`, `FSAcceptMC.java`, `FSBindMC.java`, and `TLVTags.java`
//! for the tags' types (2000 ASCII, 2003/2102/2106/2108/2109 one byte, 1023 FVLN, 1291 STLV of
//! 1293/1294 VLN). TLVs are tag (2 bytes LE), length (2 bytes LE), value.
//!
//! FF61h answer (after the error code): local check status (tag 2004: bit 0 checked, bit 1
//! valid), the reason a local check was not made (0 checked, 1 not checkable, 2 no key, 3 no
//! GS1 91/92, 4 other), the code type (tag 2100), the length of what follows (0 in autonomous
//! mode: the marking system was not asked), then the fiscal drive's code for the online check
//! (0 answered; FFh the server did not answer in time; 20h its answer was unusable, the reason
//! follows), the check result (tag 2106) and the server's TLVs (2109 among them) when it
//! answered.

use driver_kit::Port;

use crate::commands::{DecodeError, Request};
use crate::driver::{LogLevel, Shtrih};
use crate::errors;
use crate::frame::Code;
use crate::types::*;

pub const CHECK_MARKING: Code = Code(0xFF61);
pub const BIND_MARKING: Code = Code(0xFF67);
pub const ACCEPT_MARKING: Code = Code(0xFF69);

pub const TAG_QUANTITY: u16 = 1023;
pub const TAG_FRACTION: u16 = 1291;
pub const TAG_NUMERATOR: u16 = 1293;
pub const TAG_DENOMINATOR: u16 = 1294;
pub const TAG_MEASURE: u16 = 2108;
pub const TAG_ITEM_STATUS: u16 = 2109;

/// The length fields of FF61h and FF67h are one byte.
pub const MAX_CODE_LEN: usize = 255;
/// The fiscal drive's code for the online check when the marking system did not answer.
pub const ONLINE_NO_ANSWER: u8 = 0xFF;
/// … when its answer could not be used (the reason follows).
pub const ONLINE_BAD_ANSWER: u8 = 0x20;

/// FF69h decisions.
pub const DECLINE: u8 = 0;
pub const ACCEPT: u8 = 1;

/// Tag 2106 bits (the WIT `marking-verdict.result-bits`).
pub const BIT_CHECKED: u8 = 1 << 0;
pub const BIT_VALID: u8 = 1 << 1;
pub const BIT_ANSWERED: u8 = 1 << 2;
pub const BIT_STATUS_CONFIRMED: u8 = 1 << 3;

/// One TLV.
pub fn tlv(tag: u16, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + value.len());
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out
}

/// VLN: an unsigned integer in as few little-endian bytes as it needs (at least one).
pub fn vln(value: u64) -> Vec<u8> {
    let bytes = value.to_le_bytes();
    let len = 8 - (value.leading_zeros() as usize / 8);
    bytes[..len.max(1)].to_vec()
}

/// FVLN: the count of decimal places, then the digits as a VLN (1.250 = 3, 1250).
pub fn fvln(decimals: u8, value: u64) -> Vec<u8> {
    let mut out = vec![decimals];
    out.extend(vln(value));
    out
}

/// The marking code as the register takes it: its bytes as scanned, GS (0x1D) kept. Tag 2000
/// is ASCII; anything else cannot be a scanned code.
pub fn code_bytes(code: &str) -> Result<Vec<u8>, String> {
    if code.is_empty() {
        return Err("the marking code is empty".into());
    }
    if !code.is_ascii() {
        return Err(format!(
            "the marking code {code:?} is not ASCII (FFD tag 2000)"
        ));
    }
    if code.len() > MAX_CODE_LEN {
        return Err(format!(
            "the marking code is {} bytes, the register takes at most {MAX_CODE_LEN}",
            code.len()
        ));
    }
    Ok(code.as_bytes().to_vec())
}

/// FFD tag 2003 as its byte.
pub fn planned_status(status: PlannedStatus) -> u8 {
    match status {
        PlannedStatus::PieceSold => 1,
        PlannedStatus::MeasuredSold => 2,
        PlannedStatus::PieceReturned => 3,
        PlannedStatus::MeasuredReturned => 4,
    }
}

/// The TLVs FF61h carries after the code. The vendor's text: for measured goods (2003 = 2, 4)
/// the measure (2108) and the quantity (1023); a part of a package adds its fraction (1291).
/// A whole piece needs none.
pub fn check_tlvs(check: &MarkingCheck) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    if matches!(
        check.marking.planned_status,
        PlannedStatus::MeasuredSold | PlannedStatus::MeasuredReturned
    ) {
        if check.quantity <= 0 {
            return Err(format!(
                "the quantity {} of measured goods is not positive",
                check.quantity
            ));
        }
        out.extend(tlv(TAG_MEASURE, &[check.measure]));
        out.extend(tlv(TAG_QUANTITY, &fvln(3, check.quantity as u64)));
    }
    if let Some(f) = &check.marking.fraction {
        if f.numerator == 0 || f.numerator >= f.denominator {
            return Err(format!(
                "the fraction {}/{} is not between 0 and 1 (FFD tag 1291)",
                f.numerator, f.denominator
            ));
        }
        let mut inner = tlv(TAG_NUMERATOR, &vln(f.numerator as u64));
        inner.extend(tlv(TAG_DENOMINATOR, &vln(f.denominator as u64)));
        out.extend(tlv(TAG_FRACTION, &inner));
    }
    Ok(out)
}

/// FF61h: check a marking code. Layout (commands.xml, `FSCheckMC.encode`): password 4,
/// planned status (2003) 1, processing mode (2102) 1, code length 1, TLV length 1, code, TLVs.
pub fn check_marking(
    password: u32,
    status: u8,
    mode: u8,
    code: &[u8],
    tlvs: &[u8],
) -> Result<Request, String> {
    if tlvs.len() > 255 {
        return Err(format!("{} bytes of TLV do not fit FF61h", tlvs.len()));
    }
    let mut data = password.to_le_bytes().to_vec();
    data.extend([status, mode, code.len() as u8, tlvs.len() as u8]);
    data.extend_from_slice(code);
    data.extend_from_slice(tlvs);
    Ok(Request {
        code: CHECK_MARKING,
        data,
    })
}

/// FF69h: accept (1) or decline (0) the code last checked (`FSAcceptMC`: password 4, action 1).
pub fn accept_marking(password: u32, decision: u8) -> Request {
    let mut data = password.to_le_bytes().to_vec();
    data.push(decision);
    Request {
        code: ACCEPT_MARKING,
        data,
    }
}

/// FF67h: bind the code to the next position (`FSBindMC`: password 4, code length 1, code;
/// the optional volume-accounting byte is not sent).
pub fn bind_marking(password: u32, code: &[u8]) -> Request {
    let mut data = password.to_le_bytes().to_vec();
    data.push(code.len() as u8);
    data.extend_from_slice(code);
    Request {
        code: BIND_MARKING,
        data,
    }
}

/// What the fiscal drive did with the marking system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Online {
    /// Autonomous mode: the marking system was not asked (no additional parameters).
    NotAsked,
    /// The marking system answered: tag 2106 and its TLVs.
    Answered { result: u8, tlvs: Vec<u8> },
    /// It did not answer in time (FFh), or its answer could not be used (20h and a reason,
    /// or another fiscal drive code).
    Failed { code: u8, reason: Option<u8> },
}

/// Answer of FF61h.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckAnswer {
    /// Tag 2004: bit 0 checked, bit 1 valid.
    pub local_status: u8,
    /// Why the drive did not check it itself (0: it did).
    pub local_reason: u8,
    /// Tag 2100.
    pub code_type: u8,
    pub online: Online,
}

pub fn decode_check(data: &[u8]) -> Result<CheckAnswer, DecodeError> {
    let short = || {
        DecodeError(format!(
            "the answer to {CHECK_MARKING} has {} data bytes, its layout needs at least 4",
            data.len()
        ))
    };
    let [local_status, local_reason, code_type, extra_len, rest @ ..] = data else {
        return Err(short());
    };
    // The length covers the online code, 2106 and the server's TLVs; all of them are the
    // rest of the answer, so the rest is taken whole (a long TLV list may outgrow the byte).
    let extra: &[u8] = if *extra_len == 0 { &[] } else { rest };
    let online = match extra {
        [] => Online::NotAsked,
        [0, result, tlvs @ ..] => Online::Answered {
            result: *result,
            tlvs: tlvs.to_vec(),
        },
        [code, more @ ..] => Online::Failed {
            code: *code,
            reason: more.first().copied().filter(|_| *code == ONLINE_BAD_ANSWER),
        },
    };
    Ok(CheckAnswer {
        local_status: *local_status,
        local_reason: *local_reason,
        code_type: *code_type,
        online,
    })
}

/// The value of the first `tag` in a TLV list, when there is one.
pub fn find_tlv(mut tlvs: &[u8], tag: u16) -> Option<&[u8]> {
    while tlvs.len() >= 4 {
        let t = u16::from_le_bytes([tlvs[0], tlvs[1]]);
        let len = u16::from_le_bytes([tlvs[2], tlvs[3]]) as usize;
        let value = tlvs.get(4..4 + len)?;
        if t == tag {
            return Some(value);
        }
        tlvs = &tlvs[4 + len..];
    }
    None
}

fn local_reason_text(reason: u8) -> &'static str {
    match reason {
        1 => "this code type is not checked by the fiscal drive",
        2 => "the fiscal drive has no key for this code",
        3 => "the code lacks its GS1 91/92 groups",
        _ => "the fiscal drive could not check the code",
    }
}

/// The fiscal drive's own reading of the code (bits 0 and 1).
fn local_reading(bits: u8, reason: u8) -> String {
    if bits & BIT_CHECKED == 0 {
        local_reason_text(reason).to_string()
    } else if bits & BIT_VALID == 0 {
        "code invalid: the crypto check failed".to_string()
    } else {
        "the fiscal drive's check passed".to_string()
    }
}

/// The WIT result of an FF61h answer, with a short English reading for the cashier.
pub fn verdict(answer: &CheckAnswer) -> MarkingCheckResult {
    let local = answer.local_status & (BIT_CHECKED | BIT_VALID);
    match &answer.online {
        Online::Answered { result, tlvs } => {
            let item_status = find_tlv(tlvs, TAG_ITEM_STATUS).and_then(|v| v.first().copied());
            let bits = *result;
            let message = if bits & BIT_CHECKED != 0 && bits & BIT_VALID == 0 {
                "code invalid: the crypto check failed".to_string()
            } else if bits & BIT_CHECKED == 0 {
                local_reason_text(answer.local_reason).to_string()
            } else if bits & BIT_STATUS_CONFIRMED != 0 {
                "code valid".to_string()
            } else {
                match item_status {
                    // Tag 2109: 2 "planned status incorrect", 3 "circulation suspended".
                    Some(2) => {
                        "status mismatch: the marking system holds another status for this item"
                            .to_string()
                    }
                    Some(3) => "circulation of this item is suspended".to_string(),
                    _ => "status not confirmed: the code is unknown or sold already".to_string(),
                }
            };
            MarkingCheckResult::Checked(MarkingVerdict {
                result_bits: bits,
                code_type: answer.code_type,
                item_status,
                message,
            })
        }
        Online::NotAsked | Online::Failed { .. } => {
            let why = match &answer.online {
                Online::Failed {
                    code: ONLINE_NO_ANSWER,
                    ..
                } => "the marking system did not answer in time".to_string(),
                Online::Failed { code, reason } => format!(
                    "the marking system's answer was unusable (code {code:02X}h{})",
                    reason.map_or(String::new(), |r| format!(", reason {r}"))
                ),
                _ => "the marking system is unreachable".to_string(),
            };
            MarkingCheckResult::OismOffline(MarkingVerdict {
                result_bits: local,
                code_type: answer.code_type,
                item_status: None,
                message: format!("{why}; {}", local_reading(local, answer.local_reason)),
            })
        }
    }
}

impl<P: Port> Shtrih<P> {
    /// Checks a marking code (FF61h), waiting up to `marking-timeout-ms` for the register,
    /// which asks the marking system in the meantime.
    pub fn check_marking_code(
        &mut self,
        check: MarkingCheck,
    ) -> Result<MarkingCheckResult, DriverError> {
        let code = match code_bytes(&check.marking.code) {
            Ok(code) => code,
            Err(reason) => return Ok(MarkingCheckResult::NotPossible(reason)),
        };
        let tlvs = check_tlvs(&check).map_err(|e| errors::refused(ErrorClass::Unsupported, e))?;
        let req = check_marking(
            self.password(),
            planned_status(check.marking.planned_status),
            check.marking.processing_mode,
            &code,
            &tlvs,
        )
        .map_err(|e| errors::refused(ErrorClass::Unsupported, e))?;
        let timeout = self.settings().marking_timeout;
        let answer = self.exchange_within(&req, timeout)?;
        if answer.error != 0 {
            let e = self.device_error(answer.error, req.code);
            // The drive or the register refused to check: no check could be made (a drive
            // without FFD 1.2, a malformed code, marking blocked). Other refusals (a wrong
            // password, a busy printer) are errors of the call.
            return match e.class {
                ErrorClass::FiscalDrive | ErrorClass::Unsupported => {
                    Ok(MarkingCheckResult::NotPossible(e.message))
                }
                _ => Err(e),
            };
        }
        let decoded = decode_check(&answer.data).map_err(errors::garbage)?;
        Ok(verdict(&decoded))
    }

    /// Accepts or declines the code last checked (FF69h). The register answers tag 2106
    /// again, which the driver only logs.
    pub fn decide_marking_code(&mut self, decision: MarkingDecision) -> Result<(), DriverError> {
        let action = match decision {
            MarkingDecision::Accept => ACCEPT,
            MarkingDecision::Decline => DECLINE,
        };
        let data = self.call(&accept_marking(self.password(), action))?;
        if let Some(result) = data.first() {
            self.log(
                LogLevel::Debug,
                &format!("marking code decision {action}: tag 2106 = {result:#06b}"),
            );
        }
        Ok(())
    }

    /// Binds an accepted code to the position that follows (FF67h).
    pub(crate) fn bind_marking_code(&mut self, code: &[u8]) -> Result<(), DriverError> {
        self.call(&bind_marking(self.password(), code))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marking(status: PlannedStatus) -> Marking {
        Marking {
            code: "0104600439931256215K\u{1d}93abcd".into(),
            planned_status: status,
            processing_mode: 0,
            fraction: None,
        }
    }

    #[test]
    fn check_request_layout() {
        let check = MarkingCheck {
            marking: marking(PlannedStatus::PieceSold),
            quantity: 1000,
            measure: 0,
        };
        let code = code_bytes(&check.marking.code).unwrap();
        assert_eq!(code[20], 0x1D);
        let req = check_marking(30, 1, 0, &code, &check_tlvs(&check).unwrap()).unwrap();
        let f = req.frame().unwrap();
        assert_eq!(&f[2..4], [0xFF, 0x61]);
        assert_eq!(&f[4..8], [30, 0, 0, 0]);
        assert_eq!(&f[8..12], [1, 0, code.len() as u8, 0]);
        assert_eq!(&f[12..12 + code.len()], code);
        // Measured goods carry 2108 and 1023 (FVLN: 3 decimals, 250 = 0.250 kg).
        let check = MarkingCheck {
            marking: marking(PlannedStatus::MeasuredSold),
            quantity: 250,
            measure: 11,
        };
        assert_eq!(
            check_tlvs(&check).unwrap(),
            [0x3C, 0x08, 1, 0, 11, 0xFF, 0x03, 2, 0, 3, 250]
        );
        // A tenth of a pack: 1291 { 1293 = 1, 1294 = 10 }.
        let mut m = marking(PlannedStatus::PieceSold);
        m.fraction = Some(FractionalQuantity {
            numerator: 1,
            denominator: 10,
        });
        let tlvs = check_tlvs(&MarkingCheck {
            marking: m,
            quantity: 1000,
            measure: 0,
        })
        .unwrap();
        assert_eq!(
            tlvs,
            [0x0B, 0x05, 10, 0, 0x0D, 0x05, 1, 0, 1, 0x0E, 0x05, 1, 0, 10]
        );
        assert_eq!(vln(0), [0]);
        assert_eq!(vln(0x1234), [0x34, 0x12]);
    }

    #[test]
    fn bind_and_accept_layouts() {
        assert_eq!(
            bind_marking(30, b"AB").frame().unwrap()[1..10],
            [9, 0xFF, 0x67, 30, 0, 0, 0, 2, b'A']
        );
        assert_eq!(
            // 7 bytes, as commands.xml gives FF69h: code 2, password 4, decision 1.
            accept_marking(1, ACCEPT).frame().unwrap()[1..9],
            [7, 0xFF, 0x69, 1, 0, 0, 0, ACCEPT]
        );
    }

    #[test]
    fn answers_become_verdicts() {
        let answered = |result: u8, tlvs: Vec<u8>| CheckAnswer {
            local_status: 3,
            local_reason: 0,
            code_type: 5,
            online: Online::Answered { result, tlvs },
        };
        let MarkingCheckResult::Checked(v) = verdict(&answered(15, tlv(2109, &[1]))) else {
            panic!()
        };
        assert_eq!((v.result_bits, v.item_status), (15, Some(1)));
        assert_eq!(v.message, "code valid");
        let MarkingCheckResult::Checked(v) = verdict(&answered(7, tlv(2109, &[2]))) else {
            panic!()
        };
        assert!(v.message.contains("mismatch"), "{}", v.message);
        let MarkingCheckResult::Checked(v) = verdict(&answered(7, vec![])) else {
            panic!()
        };
        assert!(v.message.contains("sold already"), "{}", v.message);
        let MarkingCheckResult::Checked(v) = verdict(&answered(5, vec![])) else {
            panic!()
        };
        assert!(v.message.contains("crypto"), "{}", v.message);
        let d = decode_check(&[3, 0, 5, 0]).unwrap();
        assert_eq!(d.online, Online::NotAsked);
        let MarkingCheckResult::OismOffline(v) = verdict(&d) else {
            panic!()
        };
        assert_eq!(v.result_bits, 3);
        let d = decode_check(&[3, 0, 5, 1, 0xFF]).unwrap();
        assert!(matches!(d.online, Online::Failed { code: 0xFF, .. }));
        let d = decode_check(&[3, 0, 5, 7, 0, 15, 0x3D, 0x08, 1, 0, 1]).unwrap();
        assert_eq!(
            d.online,
            Online::Answered {
                result: 15,
                tlvs: vec![0x3D, 0x08, 1, 0, 1]
            }
        );
        assert!(decode_check(&[3, 0]).is_err());
    }
}
