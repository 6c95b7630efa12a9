//! Exact conversion of the decimal numbers a face receives (seed 000 sends `price: 123.45`)
//! into integers: kopecks and thousandths. The number's own shortest decimal text is read
//! digit by digit, so 123.45 is 12345 kopecks, never 12344.999…; what has more decimals than
//! the unit allows is refused, not rounded.

/// `number` × 10^`scale` as an integer, or why not.
pub fn scaled(number: &serde_json::Number, scale: u32) -> Result<i64, String> {
    if let Some(i) = number.as_i64() {
        return i
            .checked_mul(10_i64.pow(scale))
            .ok_or_else(|| format!("{number} is too large"));
    }
    // serde_json prints an f64 as its shortest round-trip text ("123.45", "1e-7", "1.5e20").
    let text = number.to_string();
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (
            m,
            e.parse::<i32>()
                .map_err(|_| format!("{text} is not a number"))?,
        ),
        None => (text.as_str(), 0),
    };
    let negative = mantissa.starts_with('-');
    let digits = mantissa.trim_start_matches('-');
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    // value = int(whole ++ frac) × 10^(exponent − len(frac)); we want it × 10^scale.
    let shift = exponent - frac.len() as i32 + scale as i32;
    let all: String = format!("{whole}{frac}");
    let all = all.trim_start_matches('0');
    let mut value: i64 = if all.is_empty() {
        0
    } else {
        all.parse().map_err(|_| format!("{text} is too large"))?
    };
    if shift < 0 {
        let divisor = 10_i64
            .checked_pow(shift.unsigned_abs())
            .ok_or_else(|| format!("{text} has too many decimals"))?;
        if value % divisor != 0 {
            return Err(format!("{text} has more than {scale} decimals"));
        }
        value /= divisor;
    } else {
        value = 10_i64
            .checked_pow(shift as u32)
            .and_then(|m| value.checked_mul(m))
            .ok_or_else(|| format!("{text} is too large"))?;
    }
    Ok(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kopecks(json: &str) -> Result<i64, String> {
        let n: serde_json::Number = serde_json::from_str(json).unwrap();
        scaled(&n, 2)
    }

    fn thousandths(json: &str) -> Result<i64, String> {
        let n: serde_json::Number = serde_json::from_str(json).unwrap();
        scaled(&n, 3)
    }

    #[test]
    fn prices_convert_exactly() {
        assert_eq!(kopecks("123.45"), Ok(12345));
        assert_eq!(kopecks("0.1"), Ok(10));
        assert_eq!(kopecks("0.29"), Ok(29)); // 0.29 × 100 is 28.999… in f64
        assert_eq!(kopecks("1.15"), Ok(115));
        assert_eq!(kopecks("100"), Ok(10000));
        assert_eq!(kopecks("0"), Ok(0));
        assert_eq!(kopecks("-5.5"), Ok(-550));
        assert_eq!(kopecks("99999999.99"), Ok(9_999_999_999));
        assert_eq!(kopecks("1e2"), Ok(10000));
    }

    #[test]
    fn too_many_decimals_are_refused() {
        assert!(kopecks("1.005").is_err());
        assert!(kopecks("0.001").is_err());
        assert!(kopecks("1e-7").is_err());
        assert!(kopecks("1e300").is_err());
    }

    #[test]
    fn quantities_have_three_decimals() {
        assert_eq!(thousandths("2"), Ok(2000));
        assert_eq!(thousandths("0.25"), Ok(250));
        assert_eq!(thousandths("1.005"), Ok(1005));
        assert_eq!(thousandths("12345.678"), Ok(12_345_678));
        assert!(thousandths("0.0005").is_err());
    }
}
