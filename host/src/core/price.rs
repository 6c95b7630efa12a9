//! Unit prices: the one rule that turns what a line costs into a unit price, for the faces
//! (whose clients send a line's amount, not its price) and for the registers (which are handed
//! a unit price that must multiply back to the amount).
//!
//! Money is integer minor units (kopecks, tiyin), quantities integer thousandths (1000 = one
//! unit); every product is taken in i128 and the results checked back into i64. "Extended"
//! below is what `quantity` thousandths at `price` come to, `round_half_up(price × quantity /
//! 1000)` — the tax plugins' rule, so a figure computed here is the figure the plugin computes.
//!
//! The rule, in plain words:
//!
//! - **From an amount** ([`from_amount`]): the unit price is the price whose extension gives back
//!   the line's amount before its discount. When several do (a fraction of a unit: 0.250 kg for
//!   10.50 is 41.98 to 42.01 a kilogram), it is the one nearest to amount ÷ quantity (42.00), so
//!   amounts that divide keep their exact price. When none does (10.00 over 3 units: 3.33 × 3 is
//!   9.99, 3.34 × 3 is 10.02), it is the smallest price whose extension exceeds it (3.34), and the
//!   excess, less than one step of the price, is added to the client's discount (0.02): the tax
//!   plugin then computes exactly the client's amount.
//! - **To a register** ([`register_items`]): a register is given a unit price with the line's
//!   discount folded in, and it checks price × quantity against the item's sum, so the
//!   extension must equal the amount exactly. When some unit price gives it, the line is one
//!   item. When none does (only possible above one unit: 10.00 for 1.500 kg), the line becomes
//!   two items of the same name — all units but one at the price rounded down, the last unit at
//!   what is left — whose amounts and taxes add up to the line's. Sending "1 × the whole amount"
//!   instead would register a quantity that was not sold (FFD tag 1023).

/// Thousandths in one unit.
const UNIT: i128 = 1000;

/// A unit price and the discount that, with it, give back a client's line amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priced {
    pub price: i64,
    /// The client's discount plus the rounding excess of the price (less than one price step).
    pub discount: i64,
}

/// Why no unit price can be derived; each face names its own field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("the quantity {0} is not above zero")]
    Quantity(i64),
    #[error("the amount {0} is negative")]
    NegativeAmount(i64),
    #[error("the discount {0} is negative")]
    NegativeDiscount(i64),
    /// The amount and discount, or the unit price, or its extension, exceed 64 bits.
    #[error(
        "the unit price of {amount} (with discount {discount}) for {quantity} thousandths does not fit in 64 bits"
    )]
    Overflow {
        amount: i64,
        discount: i64,
        quantity: i64,
    },
}

/// One item as a register receives it: `extended(price, quantity) == amount`, unless the line
/// could not be priced at all (see [`register_items`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisterItem {
    pub price: i64,
    pub quantity: i64,
    pub amount: i64,
    pub tax: i64,
}

/// `n / d` rounded half up (towards +∞ at exactly one half), for a positive `d`.
fn div_half_up(n: i128, d: i128) -> i128 {
    (2 * n + d).div_euclid(2 * d)
}

/// What `quantity` thousandths at `price` come to: `round_half_up(price × quantity / 1000)`.
fn extended(price: i128, quantity: i128) -> i128 {
    div_half_up(price * quantity, UNIT)
}

/// The unit price nearest to `amount × 1000 / quantity`, if it extends to exactly `amount`.
///
/// No other price can do better: for a quantity of one unit or more at most one price extends
/// to a given amount, and it lies within half a kopeck of the quotient; below one unit the
/// nearest always does.
fn exact_price(amount: i128, quantity: i128) -> Option<i128> {
    let price = div_half_up(amount * UNIT, quantity);
    (extended(price, quantity) == amount).then_some(price)
}

/// The unit price and discount for a line whose client gives its `amount` after `discount`, at
/// `quantity` thousandths: the tax plugin's `extended(price) − discount` is exactly `amount`.
pub fn from_amount(amount: i64, discount: i64, quantity: i64) -> Result<Priced, PriceError> {
    if quantity <= 0 {
        return Err(PriceError::Quantity(quantity));
    }
    if amount < 0 {
        return Err(PriceError::NegativeAmount(amount));
    }
    if discount < 0 {
        return Err(PriceError::NegativeDiscount(discount));
    }
    let overflow = PriceError::Overflow {
        amount,
        discount,
        quantity,
    };
    let q = i128::from(quantity);
    let gross = i128::from(amount) + i128::from(discount);
    if gross > i128::from(i64::MAX) {
        return Err(overflow);
    }
    // The price nearest the quotient that gives the gross amount back; else the smallest price
    // reaching it: extended(p) ≥ gross ⇔ p × q ≥ 1000 × gross − 500, so p is the ceiling of
    // (1000 × gross − 500) / q (negated floor of the negation: signed `div_ceil` is unstable).
    let price =
        exact_price(gross, q).unwrap_or_else(|| (-(UNIT / 2 - gross * UNIT).div_euclid(q)).max(0));
    let reached = extended(price, q);
    debug_assert!(
        reached >= gross,
        "{price} × {quantity} falls short of {gross}"
    );
    let price = i64::try_from(price).map_err(|_| overflow)?;
    let discount = i64::try_from(reached - i128::from(amount)).map_err(|_| overflow)?;
    Ok(Priced { price, discount })
}

/// What a register receives for one journaled line (`amount` after its discount, `tax` of it):
/// one item, or two when no unit price extends to the amount, each with
/// `extended(price, quantity) == amount` and together adding up to the line's amount and tax.
///
/// A line the rule cannot price (a negative figure, a quantity not above zero, a unit price
/// beyond 64 bits) goes as it is: the register driver refuses it, naming it, and nothing is
/// registered half-made.
pub fn register_items(price: i64, quantity: i64, amount: i64, tax: i64) -> Vec<RegisterItem> {
    let as_is = RegisterItem {
        price,
        quantity,
        amount,
        tax,
    };
    if quantity <= 0 || amount < 0 || price < 0 {
        return vec![as_is];
    }
    let (q, a) = (i128::from(quantity), i128::from(amount));
    // Without a discount the journaled price already extends to the amount: kept as it is.
    if extended(i128::from(price), q) == a {
        return vec![as_is];
    }
    if let Some(price) = exact_price(a, q).and_then(|p| i64::try_from(p).ok()) {
        return vec![RegisterItem { price, ..as_is }];
    }
    if q <= UNIT {
        // Below one unit some price always extends exactly; here it did not fit in 64 bits.
        return vec![as_is];
    }
    // All units but the last at the price rounded down, the last unit at what is left. Both
    // prices are below the amount (the quantity is above one unit), so they fit.
    let rest = q - UNIT;
    let low = a * UNIT / q;
    let first = extended(low, rest);
    let first_tax = if a == 0 {
        0
    } else {
        div_half_up(i128::from(tax) * first, a)
    };
    let fit = |v: i128| i64::try_from(v).expect("a part of a 64-bit figure");
    vec![
        RegisterItem {
            price: fit(low),
            quantity: fit(rest),
            amount: fit(first),
            tax: fit(first_tax),
        },
        RegisterItem {
            price: fit(a - first),
            quantity: 1000,
            amount: fit(a - first),
            tax: fit(i128::from(tax) - first_tax),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn priced(price: i64, discount: i64) -> Result<Priced, PriceError> {
        Ok(Priced { price, discount })
    }

    fn item(price: i64, quantity: i64, amount: i64, tax: i64) -> RegisterItem {
        RegisterItem {
            price,
            quantity,
            amount,
            tax,
        }
    }

    /// The tax plugin's amount for a priced line.
    fn amount_of(p: Priced, quantity: i64) -> i128 {
        extended(p.price.into(), quantity.into()) - i128::from(p.discount)
    }

    #[test]
    fn amounts_that_divide_keep_their_price_and_discount() {
        assert_eq!(from_amount(24_690, 0, 2000), priced(12_345, 0));
        assert_eq!(from_amount(900_000, 0, 1000), priced(900_000, 0));
        assert_eq!(from_amount(14_900, 100, 1500), priced(10_000, 100));
        // 3 × 10.00 with 1.00 off: 29.00 after the discount, 10.00 a unit.
        assert_eq!(from_amount(2_900, 100, 3000), priced(1_000, 100));
    }

    #[test]
    fn an_amount_that_does_not_divide_adds_the_rounding_to_the_discount() {
        // 10.00 over 3 units: 3.33 × 3 = 9.99, 3.34 × 3 = 10.02.
        assert_eq!(from_amount(1_000, 0, 3000), priced(334, 2));
        // 1.00 over 3 units: 0.34 × 3 = 1.02.
        assert_eq!(from_amount(100, 0, 3000), priced(34, 2));
        // With a client's discount the excess comes on top of it: 9.67 × 3 = 29.01 → 0.01 more.
        assert_eq!(from_amount(2_800, 100, 3000), priced(967, 101));
    }

    #[test]
    fn weighed_goods_keep_the_price_nearest_the_quotient() {
        // 0.250 kg for 10.50: 41.98..42.01 all give 10.50; 42.00 is the shelf price.
        assert_eq!(from_amount(1_050, 0, 250), priced(4_200, 0));
        // 0.333 kg for 1.00: 3.003… a kilogram → 3.00 (× 0.333 = 0.999 → 1.00).
        assert_eq!(from_amount(100, 0, 333), priced(300, 0));
        // 1.500 kg for 10.00: 6.66 × 1.5 = 9.99, 6.67 × 1.5 = 10.005 → 10.01.
        assert_eq!(from_amount(1_000, 0, 1500), priced(667, 1));
    }

    #[test]
    fn a_zero_amount_is_priced_at_zero() {
        assert_eq!(from_amount(0, 0, 1000), priced(0, 0));
        assert_eq!(from_amount(0, 0, 1), priced(0, 0));
        // A line given away whole: the price stays, the discount is all of it.
        assert_eq!(from_amount(0, 500, 2000), priced(250, 500));
        assert_eq!(register_items(0, 1000, 0, 0), [item(0, 1000, 0, 0)]);
        assert_eq!(register_items(250, 2000, 0, 0), [item(0, 2000, 0, 0)]);
    }

    #[test]
    fn invalid_lines_are_refused_by_kind() {
        assert_eq!(from_amount(100, 0, 0), Err(PriceError::Quantity(0)));
        assert_eq!(from_amount(100, 0, -1), Err(PriceError::Quantity(-1)));
        assert_eq!(
            from_amount(-1, 0, 1000),
            Err(PriceError::NegativeAmount(-1))
        );
        assert_eq!(
            from_amount(1, -1, 1000),
            Err(PriceError::NegativeDiscount(-1))
        );
    }

    #[test]
    fn values_near_the_64_bit_limit_are_refused_never_wrapped() {
        let max = i64::MAX;
        assert_eq!(from_amount(max, 0, 1000), priced(max, 0));
        assert_eq!(from_amount(max, 0, max), priced(1000, 0));
        assert!(matches!(
            from_amount(max, 1, 1000),
            Err(PriceError::Overflow { .. })
        ));
        // 0.001 of a unit for all of it: the unit price would be a thousand times that.
        assert!(matches!(
            from_amount(max, 0, 1),
            Err(PriceError::Overflow { .. })
        ));
        assert!(matches!(
            from_amount(max / 2, max / 2, 999),
            Err(PriceError::Overflow { .. })
        ));
        // Unpriceable lines go to the register as they are (it refuses them).
        assert_eq!(register_items(max, 1, max, 7), [item(max, 1, max, 7)]);
        assert_eq!(register_items(1, 0, 5, 0), [item(1, 0, 5, 0)]);
        assert_eq!(register_items(1, 1000, -5, 0), [item(1, 1000, -5, 0)]);
        // Large lines that can be priced keep their sums.
        for (price, quantity, amount, tax) in [
            (max, max, max, max),
            (1, max, max - 1, max / 3),
            (max, 3000, max - 7, max),
            (max / 1000, 1001, max / 1000 + 3, 1),
        ] {
            let items = register_items(price, quantity, amount, tax);
            check_items(&items, quantity, amount, tax);
        }
    }

    #[test]
    fn a_line_with_an_exact_price_is_one_item() {
        // No discount: the journaled price as it is.
        assert_eq!(
            register_items(4_200, 250, 1_050, 189),
            [item(4_200, 250, 1_050, 189)]
        );
        // 3 × 10.00 with 1.50 off: 28.50 = 3 × 9.50.
        assert_eq!(
            register_items(1_000, 3000, 2_850, 514),
            [item(950, 3000, 2_850, 514)]
        );
        // 2.000 kg at 10.00 with 1.00 off: 19.00 = 2 × 9.50.
        assert_eq!(
            register_items(1_000, 2000, 1_900, 0),
            [item(950, 2000, 1_900, 0)]
        );
    }

    #[test]
    fn a_line_without_an_exact_price_is_split_at_its_last_unit() {
        // 3 × 10.00 with 1.00 off: 29.00 has no unit price (9.66 × 3 = 28.98, 9.67 × 3 = 29.01).
        // Two units at 9.66 (19.32), one at 9.68; the tax 5.23 in proportion 19.32 : 29.00.
        assert_eq!(
            register_items(1_000, 3000, 2_900, 523),
            [item(966, 2000, 1_932, 348), item(968, 1000, 968, 175)]
        );
        // 1.500 kg coming to 10.00: 0.500 kg at 6.66 (3.33), one kg at 6.67.
        assert_eq!(
            register_items(667, 1500, 1_000, 0),
            [item(666, 500, 333, 0), item(667, 1000, 667, 0)]
        );
    }

    /// The items of one line: each extends exactly, together they are the line.
    fn check_items(items: &[RegisterItem], quantity: i64, amount: i64, tax: i64) {
        // Messages are formatted only on failure: the loop below checks millions of lines.
        assert!(
            (1..=2).contains(&items.len()),
            "{quantity} for {amount}: {items:?}"
        );
        for i in items {
            assert_eq!(
                extended(i.price.into(), i.quantity.into()),
                i128::from(i.amount),
                "{quantity} for {amount}: {items:?}"
            );
            assert!(
                i.price >= 0 && i.quantity > 0 && i.amount >= 0,
                "{quantity} for {amount}: {items:?}"
            );
        }
        let sum =
            |f: fn(&RegisterItem) -> i64| items.iter().map(|i| i128::from(f(i))).sum::<i128>();
        assert_eq!(sum(|i| i.quantity), i128::from(quantity), "{items:?}");
        assert_eq!(sum(|i| i.amount), i128::from(amount), "{items:?}");
        assert_eq!(sum(|i| i.tax), i128::from(tax), "tax {tax}: {items:?}");
        if items.len() == 2 {
            assert!(quantity > 1000, "{items:?}");
            assert_eq!(items[1].quantity, 1000, "{items:?}");
            assert!(
                exact_price(amount.into(), quantity.into()).is_none(),
                "split though {amount} has a price at {quantity}: {items:?}"
            );
        }
    }

    #[test]
    fn every_small_line_is_priced_back_to_its_amount() {
        for quantity in 1..=3_100 {
            for amount in 0..=230 {
                for discount in [0, 1, 7] {
                    let p = from_amount(amount, discount, quantity).unwrap();
                    let gross = i128::from(amount + discount);
                    let q = i128::from(quantity);
                    assert_eq!(
                        amount_of(p, quantity),
                        i128::from(amount),
                        "{amount} + {discount} at {quantity}: {p:?}"
                    );
                    match exact_price(gross, q) {
                        // The price nearest the quotient, and the client's discount untouched.
                        Some(exact) => assert_eq!(
                            (i128::from(p.price), p.discount),
                            (exact, discount),
                            "{amount} + {discount} at {quantity}"
                        ),
                        // The smallest price that reaches the gross amount: a kopeck less falls
                        // short, so the excess is less than one price step.
                        None => assert!(
                            p.price > 0 && extended(i128::from(p.price) - 1, q) < gross,
                            "{amount} + {discount} at {quantity}: {p:?}"
                        ),
                    }
                    let tax = amount * 22 / 122;
                    check_items(
                        &register_items(p.price, quantity, amount, tax),
                        quantity,
                        amount,
                        tax,
                    );
                }
            }
        }
    }
}
