//! Amounts and sizes as a cost estimate says them. An estimate multiplies a size that is itself
//! approximate (the table's size, not the export's) by a list price, so it never shows more
//! than two significant digits, and never a figure below a cent.

use crate::logic::units::human_bytes;

/// Bytes in the GB prices are quoted per (AWS bills storage and transfer in binary gigabytes).
pub const BYTES_PER_GB: f64 = 1024.0 * 1024.0 * 1024.0;

/// An estimated amount: "less than $0.01", "about $0.12", "about $1.20", "about $1,200".
pub fn about(amount: f64, currency: &str) -> String {
    if !amount.is_finite() || amount < 0.0 {
        return "unknown".to_owned();
    }
    let cents = (amount * 100.0).round();
    if amount < 0.01 {
        return format!("less than {}", with_currency("0.01", currency));
    }
    let shown = if cents < 100.0 {
        format!("{:.2}", cents / 100.0)
    } else {
        let rounded = two_significant(amount);
        if rounded < 10.0 {
            format!("{rounded:.2}")
        } else {
            grouped(rounded)
        }
    };
    format!("about {}", with_currency(&shown, currency))
}

/// A unit price as its source gives it: "$0.10", "$0.023", "0.15 EUR".
pub fn unit_price(amount: f64, currency: &str) -> String {
    let mut s = format!("{amount:.6}");
    while s.ends_with('0') && s.len() - s.find('.').unwrap_or(0) > 3 {
        s.pop();
    }
    with_currency(&s, currency)
}

/// A size on a cost line: "0.12 GB", "1.5 GB", "1,200 GB"; under 0.01 GB as people read it
/// ("20.6 KB"), since "0.00 GB" would say nothing.
pub fn size(bytes: u64) -> String {
    let gb = bytes as f64 / BYTES_PER_GB;
    if gb < 0.01 {
        return human_bytes(bytes);
    }
    let rounded = two_significant(gb);
    if rounded < 1.0 {
        format!("{rounded:.2} GB")
    } else if rounded < 10.0 {
        format!("{rounded:.1} GB")
    } else {
        format!("{} GB", grouped(rounded))
    }
}

fn with_currency(figure: &str, currency: &str) -> String {
    if currency == "USD" {
        format!("${figure}")
    } else {
        format!("{figure} {currency}")
    }
}

/// `x` (> 0) rounded to two significant digits.
fn two_significant(x: f64) -> f64 {
    let magnitude = 10f64.powi(x.log10().floor() as i32 - 1);
    (x / magnitude).round() * magnitude
}

/// A whole number with thousands separators: "1,200".
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.round());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_never_show_false_precision() {
        assert_eq!(about(0.0, "USD"), "less than $0.01");
        assert_eq!(about(0.004, "USD"), "less than $0.01");
        assert_eq!(about(0.0099, "USD"), "less than $0.01");
        assert_eq!(about(0.012, "USD"), "about $0.01");
        assert_eq!(about(0.0234, "USD"), "about $0.02");
        assert_eq!(about(0.5, "USD"), "about $0.50");
        assert_eq!(about(0.999, "USD"), "about $1.00");
        assert_eq!(about(1.234, "USD"), "about $1.20");
        assert_eq!(about(9.97, "USD"), "about $10");
        assert_eq!(about(12.34, "USD"), "about $12");
        assert_eq!(about(1234.5, "USD"), "about $1,200");
        assert_eq!(about(1_250_000.0, "USD"), "about $1,300,000");
        assert_eq!(about(0.5, "EUR"), "about 0.50 EUR");
        assert_eq!(about(f64::NAN, "USD"), "unknown");
    }

    #[test]
    fn unit_prices_as_given() {
        assert_eq!(unit_price(0.1, "USD"), "$0.10");
        assert_eq!(unit_price(0.023, "USD"), "$0.023");
        assert_eq!(unit_price(0.15, "USD"), "$0.15");
        assert_eq!(unit_price(1.0, "USD"), "$1.00");
        assert_eq!(unit_price(0.000125, "EUR"), "0.000125 EUR");
    }

    #[test]
    fn sizes_in_gb() {
        assert_eq!(size(21_094), "20.6 KB");
        assert_eq!(size(128_849_019), "0.12 GB");
        assert_eq!(size(3 << 29), "1.5 GB");
        assert_eq!(size(12_345 << 30), "12,000 GB");
    }

    proptest! {
        /// Every amount reads as an estimate with at most two significant digits.
        #[test]
        fn at_most_two_significant_digits(amount in 0.0f64..1e13) {
            let s = about(amount, "USD");
            prop_assert!(s.starts_with("about $") || s == "less than $0.01", "{}", s);
            let digits: String = s.chars().filter(char::is_ascii_digit).collect();
            let significant = digits.trim_start_matches('0').trim_end_matches('0');
            prop_assert!(significant.len() <= 2, "{} from {}", s, amount);
        }
    }
}
