//! The fiscal QR string a Russian receipt carries, by which a buyer checks the
//! receipt with the tax service: `t=YYYYMMDDTHHMM&s=RUB.KK&fn=…&i=…&fp=…&n=…`.

use crate::format::money;
use crate::{DocumentKind, FiscalRequisites, Money};

/// The QR string for a receipt the register has fiscalised.
///
/// The time is the register's (`fiscal.date_time`), not the POS's: the tax service
/// matches the QR against what the fiscal drive recorded.
pub fn fiscal_qr(kind: DocumentKind, total: Money, fiscal: &FiscalRequisites) -> String {
    let at = &fiscal.date_time;
    format!(
        "t={:04}{:02}{:02}T{:02}{:02}&s={}&fn={}&i={}&fp={}&n={}",
        at.date.year,
        at.date.month,
        at.date.day,
        at.hour,
        at.minute,
        money(total),
        fiscal.fn_number,
        fiscal.document_number,
        fiscal.fiscal_sign,
        calculation_sign(kind),
    )
}

/// FFD tag 1054, the calculation sign.
pub fn calculation_sign(kind: DocumentKind) -> u8 {
    match kind {
        DocumentKind::Sale => 1,
        DocumentKind::SaleReturn => 2,
        DocumentKind::Expense => 3,
        DocumentKind::ExpenseReturn => 4,
    }
}
