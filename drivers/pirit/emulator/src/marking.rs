//! The marking system (ОИСМ) behind the register and the fiscal drive's table of checked
//! codes, for 0x79 ("Команда для работы с кодом маркировки(КМ) (0x79)"): a test sets what the
//! next checks answer and how long the marking system takes.

use std::time::Duration;

/// What a check of a code finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkingAnswer {
    /// The drive's check passes, the marking system confirms the status: tag 2106 = 15.
    Valid,
    /// The drive's crypto check fails; the marking system answers it does not confirm: 2106 = 5.
    Invalid,
    /// The marking system does not know the code: it answers (bit 2) without confirming,
    /// tag 2105 = 1 and no 2109.
    Unknown,
    /// The marking system knows the code, but not with this planned status: 2106 = 7, 2109 = 2.
    StatusMismatch,
    /// The marking system does not answer within its 3 seconds: only the drive's check, 2106 = 3,
    /// tags 2005/2105/2109 empty.
    Unreachable,
}

/// The answer tags of 0x79/1: 2106, the reason the drive did not check, 2005, 2105, 2109.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckTags {
    pub result_bits: u8,
    pub not_checked_reason: u8,
    pub result_2005: Option<u8>,
    pub code_2105: Option<u8>,
    pub status_2109: Option<u8>,
}

impl MarkingAnswer {
    pub fn tags(self) -> CheckTags {
        let (bits, r2005, r2105, s2109) = match self {
            MarkingAnswer::Valid => (15, Some(15), Some(0), Some(1)),
            MarkingAnswer::Invalid => (5, Some(5), Some(0), Some(2)),
            MarkingAnswer::Unknown => (7, Some(7), Some(1), None),
            MarkingAnswer::StatusMismatch => (7, Some(7), Some(0), Some(2)),
            MarkingAnswer::Unreachable => (3, None, None, None),
        };
        CheckTags {
            result_bits: bits,
            not_checked_reason: 0,
            result_2005: r2005,
            code_2105: r2105,
            status_2109: s2109,
        }
    }
}

/// The marking system's settings and the drive's codes in work.
#[derive(Debug, Clone)]
pub struct MarkingSystem {
    pub answer: MarkingAnswer,
    /// How long the register takes to answer a check (the marking system's round trip).
    pub delay: Duration,
    /// The code checked last and not yet accepted or excluded.
    pub pending: Option<(String, u8)>,
    /// Codes accepted (0x79/2 mode 1) for the next document.
    pub accepted: Vec<String>,
    /// Checks made (0x79/1), in order.
    pub checks: Vec<String>,
}

impl Default for MarkingSystem {
    fn default() -> Self {
        Self {
            answer: MarkingAnswer::Valid,
            delay: Duration::ZERO,
            pending: None,
            accepted: Vec::new(),
            checks: Vec::new(),
        }
    }
}
