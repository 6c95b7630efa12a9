//! The Russian words a receipt prints for the WIT's enums and variants, kept in one
//! place so a translation or a wording change touches nothing else.

use crate::format::percent;
use crate::{DocumentKind, Money, PaymentKind, TaxTotal, Vat};

pub const TITLE: &str = "КАССОВЫЙ ЧЕК";
pub const NOT_FISCAL: &str = "НЕ ЯВЛЯЕТСЯ ФИСКАЛЬНЫМ ДОКУМЕНТОМ";
pub const TOTAL: &str = "ИТОГ";
pub const DISCOUNT: &str = "Скидка";

/// The second title line: the calculation sign in words.
pub fn kind(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Sale => "ПРИХОД",
        DocumentKind::SaleReturn => "ВОЗВРАТ ПРИХОДА",
        DocumentKind::Expense => "РАСХОД",
        DocumentKind::ExpenseReturn => "ВОЗВРАТ РАСХОДА",
    }
}

pub fn payment(kind: PaymentKind) -> &'static str {
    match kind {
        PaymentKind::Cash => "НАЛИЧНЫМИ",
        PaymentKind::Cashless => "БЕЗНАЛИЧНЫМИ",
        PaymentKind::Prepayment => "ПРЕДВАРИТЕЛЬНАЯ ОПЛАТА (АВАНС)",
        PaymentKind::Credit => "ПОСТОПЛАТА (КРЕДИТ)",
        PaymentKind::CounterProvision => "ВСТРЕЧНОЕ ПРЕДОСТАВЛЕНИЕ",
        PaymentKind::Bonuses => "БОНУСАМИ",
        PaymentKind::Installment => "РАССРОЧКА",
    }
}

/// The rate under an item: `НДС 22%`, `НДС 22/122`, `БЕЗ НДС`.
pub fn vat(vat: Vat) -> String {
    match vat {
        Vat::Rate(rate) => format!("НДС {}%", percent(rate.into())),
        // i64 so that a nonsense rate near i32::MAX cannot overflow the divisor.
        Vat::Computed(rate) => format!(
            "НДС {}/{}",
            percent(rate.into()),
            percent(i64::from(rate) + 10_000)
        ),
        Vat::None => "БЕЗ НДС".to_string(),
    }
}

/// A tax-total row: its label and the amount it shows.
///
/// Zero rate and no VAT show the base, not the (zero or absent) tax: FFD tags 1104
/// and 1105 are the sums "с НДС 0%" and "без НДС", the others are tax amounts.
pub fn tax_total(total: &TaxTotal) -> (String, Money) {
    match total.vat {
        Vat::Rate(0) => ("Сумма с НДС 0%".to_string(), total.base),
        Vat::Rate(_) | Vat::Computed(_) => (format!("Сумма {}", vat(total.vat)), total.tax),
        Vat::None => ("Сумма без НДС".to_string(), total.base),
    }
}
