//! The Russian words a receipt prints for the WIT's enums and variants, kept in one
//! place so a translation or a wording change touches nothing else.
//!
//! The tax's name and the taxpayer number's label are the country's own, and the receipt
//! carries them (`tax-name`, `tax-id-label`): nothing here guesses them.

use crate::format::percent;
use crate::{CorrectionBasis, DocumentKind, Money, PaymentKind, TaxTotal, Vat};

pub const TITLE: &str = "КАССОВЫЙ ЧЕК";
pub const NOT_FISCAL: &str = "НЕ ЯВЛЯЕТСЯ ФИСКАЛЬНЫМ ДОКУМЕНТОМ";
pub const TOTAL: &str = "ИТОГ";
pub const DISCOUNT: &str = "Скидка";
/// The title of a correction receipt (кассовый чек коррекции, FFD 1.2).
pub const CORRECTION_TITLE: &str = "КАССОВЫЙ ЧЕК КОРРЕКЦИИ";
/// Tag 1173, before [`basis`].
pub const CORRECTION_BASIS: &str = "Коррекция:";
/// Tag 1178: the day of the corrected settlement.
pub const CORRECTION_DATE: &str = "Дата расчёта:";
/// Tag 1179: the tax office's order.
pub const CORRECTION_ORDER: &str = "Предписание №";
/// Tag 1203.
pub const CASHIER_INN: &str = "ИНН кассира:";
/// Tag 1008: where the electronic copy goes.
pub const CUSTOMER_CONTACT: &str = "Покупатель:";
/// The sign of a line with a marking code (tag 2000).
pub const MARKED: &str = "[М]";
/// The cash handed over, under the cash payment.
pub const CASH_RECEIVED: &str = "ПОЛУЧЕНО";
/// The change given back, under the cash payment (the wording the host used to send as a
/// payment detail).
pub const CHANGE: &str = "СДАЧА";

/// Tag 1173 in words.
pub fn basis(basis: CorrectionBasis) -> &'static str {
    match basis {
        CorrectionBasis::SelfInitiated => "самостоятельно",
        CorrectionBasis::ByOrder => "по предписанию",
    }
}

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
pub fn vat(vat: Vat, tax: &str) -> String {
    match vat {
        Vat::Rate(rate) => format!("{tax} {}%", percent(rate.into())),
        // i64 so that a nonsense rate near i32::MAX cannot overflow the divisor.
        Vat::Computed(rate) => format!(
            "{tax} {}/{}",
            percent(rate.into()),
            percent(i64::from(rate) + 10_000)
        ),
        Vat::None => format!("БЕЗ {tax}"),
    }
}

/// A tax-total row: its label and the amount it shows.
///
/// Zero rate and no VAT show the base, not the (zero or absent) tax: FFD tags 1104
/// and 1105 are the sums "с НДС 0%" and "без НДС", the others are tax amounts.
pub fn tax_total(total: &TaxTotal, tax: &str) -> (String, Money) {
    match total.vat {
        Vat::Rate(0) => (format!("Сумма с {tax} 0%"), total.amount),
        Vat::Rate(_) | Vat::Computed(_) => (format!("Сумма {}", vat(total.vat, tax)), total.tax),
        Vat::None => (format!("Сумма без {tax}"), total.amount),
    }
}

/// The row under a tax total whose taxed base is below its amount (margin lines):
/// `Налоговая база НДС 22%`.
pub fn taxed_base(rate: Vat, tax: &str) -> String {
    format!("Налоговая база {}", vat(rate, tax))
}
