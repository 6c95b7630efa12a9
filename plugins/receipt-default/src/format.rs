//! Numbers and text as they go on fixed-width paper.
//!
//! Every width here is counted in `char`s, never in bytes: a Cyrillic letter is two
//! bytes in UTF-8 but takes one column on the printer.

/// Minor units in a major unit. The WIT carries no currency exponent; RUB, KZT and
/// UZS all have 100, so one constant serves every currency the host handles.
const MINOR_PER_MAJOR: u64 = 100;

/// Thousandths in a unit of quantity (the WIT's `quantity`).
const THOUSANDTHS_PER_UNIT: u64 = 1000;

/// Columns a string takes on the paper.
pub fn width_of(text: &str) -> usize {
    text.chars().count()
}

/// Money in minor units as printed: `1234.50`, `-1.00`, `0.05`.
pub fn money(minor: i64) -> String {
    // `unsigned_abs` so that i64::MIN prints instead of overflowing.
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!(
        "{sign}{}.{:02}",
        abs / MINOR_PER_MAJOR,
        abs % MINOR_PER_MAJOR
    )
}

/// A quantity in thousandths as printed: `2`, `0.25`, `1.005` (no trailing zeros,
/// no trailing dot, because `2.000 x 89.90` reads as noise on a receipt).
pub fn quantity(thousandths: i64) -> String {
    let sign = if thousandths < 0 { "-" } else { "" };
    let abs = thousandths.unsigned_abs();
    let whole = abs / THOUSANDTHS_PER_UNIT;
    let fraction = abs % THOUSANDTHS_PER_UNIT;
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:03}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// A rate in hundredths of a percent as printed: `22`, `10`, `0`, `5.5`.
pub fn percent(basis_points: i64) -> String {
    let sign = if basis_points < 0 { "-" } else { "" };
    let abs = basis_points.unsigned_abs();
    let whole = abs / 100;
    let fraction = abs % 100;
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:02}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// Splits text into lines of at most `width` columns, breaking between words and
/// cutting only words that could never fit. Empty text gives one empty line, so
/// an integrator's deliberately blank header or footer line still prints.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0;
    for word in text.split_whitespace() {
        let word_width = width_of(word);
        if line_width > 0 && line_width + 1 + word_width <= width {
            line.push(' ');
            line.push_str(word);
            line_width += 1 + word_width;
            continue;
        }
        if line_width > 0 {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word;
        let mut rest_width = word_width;
        while rest_width > width {
            let cut = byte_index_of_char(rest, width);
            lines.push(rest[..cut].to_string());
            rest = &rest[cut..];
            rest_width -= width;
        }
        line.push_str(rest);
        line_width = rest_width;
    }
    if line_width > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A label on the left and a value on the right, padded to exactly `width` columns.
///
/// When both do not fit on one line, the label wraps within the columns the value
/// leaves free, so the value stays on the row's last line where the eye expects it;
/// only when the value is too wide for that does it get a line of its own.
pub fn row(left: &str, right: &str, width: usize) -> Vec<String> {
    if right.is_empty() {
        return wrap(left, width);
    }
    let right_width = width_of(right);
    if width_of(left) + 1 + right_width <= width {
        return vec![justify(left, right, width)];
    }
    // Below a third of the paper the label would shatter into one-word lines.
    let free = width.saturating_sub(right_width + 1);
    if free >= width / 3 {
        let mut lines = wrap(left, free);
        if let Some(last) = lines.pop() {
            lines.push(justify(&last, right, width));
        }
        return lines;
    }
    let mut lines = wrap(left, width);
    lines.extend(
        wrap(right, width)
            .iter()
            .map(|part| justify("", part, width)),
    );
    lines
}

/// `left`, spaces, `right`: exactly `width` columns when the two fit.
fn justify(left: &str, right: &str, width: usize) -> String {
    let gap = width.saturating_sub(width_of(left) + width_of(right));
    // One allocation of the row's size: every row of a receipt goes through here.
    let mut line = String::with_capacity(left.len() + gap + right.len());
    line.push_str(left);
    line.extend(std::iter::repeat_n(' ', gap));
    line.push_str(right);
    line
}

fn byte_index_of_char(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(index, _)| index)
}
