//! The Russian words a receipt prints for the WIT's enums and variants, kept in one
//! place so a translation or a wording change touches nothing else.
//!
//! The tax and the taxpayer number have the country's own names (`Names`). The 0.1.0 receipt
//! carries the currency, not the jurisdiction, so the currency names the country: RUB Russia,
//! KZT Kazakhstan, UZS Uzbekistan (the host prints each lane's copies in its jurisdiction's
//! currency). A receipt in another currency gets the Russian names.

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

/// What a country calls its value-added tax and its taxpayer number on a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Names {
    pub tax: &'static str,
    pub tax_id: &'static str,
}

/// Russia: НДС, ИНН.
pub const RUSSIA: Names = Names {
    tax: "НДС",
    tax_id: "ИНН",
};
/// Kazakhstan: НДС, БИН. The Kazakh name ҚҚС is not used: receipt printers print CP866, which
/// has no Қ, and Russian-language receipts in Kazakhstan say НДС.
pub const KAZAKHSTAN: Names = Names {
    tax: "НДС",
    tax_id: "БИН",
};
/// Uzbekistan: QQS (НДС), STIR (ИНН).
pub const UZBEKISTAN: Names = Names {
    tax: "QQS/НДС",
    tax_id: "STIR",
};

/// The names of the country whose currency the receipt is in.
pub fn names(currency: &str) -> Names {
    match currency.trim().to_ascii_uppercase().as_str() {
        "KZT" => KAZAKHSTAN,
        "UZS" => UZBEKISTAN,
        _ => RUSSIA,
    }
}

/// The rate under an item: `НДС 22%`, `НДС 22/122`, `БЕЗ НДС`.
pub fn vat(vat: Vat, names: Names) -> String {
    let tax = names.tax;
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
pub fn tax_total(total: &TaxTotal, names: Names) -> (String, Money) {
    let tax = names.tax;
    match total.vat {
        Vat::Rate(0) => (format!("Сумма с {tax} 0%"), total.base),
        Vat::Rate(_) | Vat::Computed(_) => (format!("Сумма {}", vat(total.vat, names)), total.tax),
        Vat::None => (format!("Сумма без {tax}"), total.base),
    }
}
