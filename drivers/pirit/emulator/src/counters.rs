//! The shift's counters, which 0x01 "Запрос сменных счетчиков и регистров" answers live and
//! the Z report prints and clears (`docs/register-shift-counters.md` §2): sale and
//! sale-return receipts and their sums by the 16 payment types of table 32, the annulled
//! receipts and the cash-in and cash-out documents. They belong to the open shift: a new
//! shift starts them at zero, and with none open they read zero.
//!
//! Only sale (type 2) and sale-return (type 3) receipts count in sales and returns; expenses
//! have their own requests (15..17) and corrections theirs (18), so neither is here. Cash is
//! counted net of change, what stayed in the drawer (inferred: the vendor's X report prints
//! the drawer's cash; to confirm on a device).

use crate::journal::{DOC_SALE, DOC_SALE_RETURN, PAY_CASH};

/// The payment types of table 32, 0..15.
pub const PAYMENT_TYPES: usize = 16;

/// One kind of receipt in the shift.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperationTotals {
    pub receipts: u32,
    /// Kopecks by payment type (0 cash, 1 electronic, …, 13 prepayment, 14 credit,
    /// 15 counter-provision); cash net of change.
    pub by_payment: [i64; PAYMENT_TYPES],
}

/// The open shift's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShiftTotals {
    /// Sale receipts (document type 2).
    pub sales: OperationTotals,
    /// Sale-return receipts (document type 3).
    pub returns: OperationTotals,
    /// Receipts annulled (0x32).
    pub annulled: u32,
    /// Cash-in (4) and cash-out (5) documents.
    pub cash_ins: u32,
    pub cash_outs: u32,
}

impl ShiftTotals {
    /// A receipt of document type `kind` went into the fiscal drive, paid `payments` with
    /// `change` given back from the cash. Corrections and expenses count nowhere here.
    pub(crate) fn receipt_closed(
        &mut self,
        kind: u8,
        correction: bool,
        payments: &[(u8, i64)],
        change: i64,
    ) {
        let counters = match kind {
            DOC_SALE if !correction => &mut self.sales,
            DOC_SALE_RETURN if !correction => &mut self.returns,
            _ => return,
        };
        counters.receipts += 1;
        for &(kind, sum) in payments {
            counters.by_payment[usize::from(kind)] += sum;
        }
        counters.by_payment[usize::from(PAY_CASH)] -= change;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{DOC_CORRECTION_SALE, DOC_EXPENSE, PAY_CASHLESS};

    #[test]
    fn sales_and_returns_count_apart_and_cash_is_net_of_change() {
        let mut t = ShiftTotals::default();
        t.receipt_closed(DOC_SALE, false, &[(PAY_CASH, 50_000)], 1_000);
        t.receipt_closed(DOC_SALE, false, &[(PAY_CASHLESS, 300), (PAY_CASH, 200)], 0);
        t.receipt_closed(DOC_SALE_RETURN, false, &[(PAY_CASHLESS, 700)], 0);
        t.receipt_closed(DOC_SALE, true, &[(PAY_CASH, 9_900)], 0);
        t.receipt_closed(DOC_CORRECTION_SALE, true, &[(PAY_CASH, 9_900)], 0);
        t.receipt_closed(DOC_EXPENSE, false, &[(PAY_CASH, 9_900)], 0);
        assert_eq!(t.sales.receipts, 2);
        assert_eq!(t.sales.by_payment[0], 49_000 + 200);
        assert_eq!(t.sales.by_payment[1], 300);
        assert_eq!(t.returns.receipts, 1);
        assert_eq!(t.returns.by_payment[1], 700);
        assert_eq!(t.returns.by_payment[0], 0);
    }
}
