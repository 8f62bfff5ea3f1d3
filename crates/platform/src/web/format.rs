//! How pages write numbers and money: one place, so a price, a credit balance and an invoice
//! read the same on every page of customers and staff. Thousands are grouped with commas
//! (`1,490`), money has two decimals and its currency (`$1,490.00`, `€9.50`, `1,000.00 CHF`),
//! and a count says its noun in the right number (`1 team member`, `2 team members`).

/// `1,234,567`; negative numbers keep their sign (`-1,200`).
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An amount in minor units (cents) of an ISO currency: `$1,490.00`, `€9.50`, `£0.05`;
/// currencies without a symbol here are written with their code (`1,000.00 CHF`).
pub fn money(minor: i64, currency: &str) -> String {
    let symbol = match currency.to_ascii_lowercase().as_str() {
        "usd" => "$",
        "eur" => "€",
        "gbp" => "£",
        _ => "",
    };
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = i64::try_from(abs / 100).unwrap_or(i64::MAX);
    let amount = format!("{}.{:02}", number(whole), abs % 100);
    if symbol.is_empty() {
        format!("{sign}{amount} {}", currency.to_ascii_uppercase())
    } else {
        format!("{sign}{symbol}{amount}")
    }
}

/// `1 team member`, `2 team members`, `1,000 credits`: the count and its noun in the right
/// number (`one` for exactly one, `many` otherwise, zero included).
pub fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{} {many}", number(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1,000");
        assert_eq!(number(1_234_567), "1,234,567");
        assert_eq!(number(-1200), "-1,200");
        assert_eq!(number(i64::MIN), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn money_has_its_currency_two_decimals_and_separators() {
        assert_eq!(money(149_000, "usd"), "$1,490.00");
        assert_eq!(money(4900, "USD"), "$49.00");
        assert_eq!(money(5, "eur"), "€0.05");
        assert_eq!(money(-1250, "gbp"), "-£12.50");
        assert_eq!(money(100_000, "chf"), "1,000.00 CHF");
        assert_eq!(money(123_456_789, "usd"), "$1,234,567.89");
        assert_eq!(money(0, "usd"), "$0.00");
    }

    #[test]
    fn counts_say_their_noun_in_the_right_number() {
        assert_eq!(count(1, "team member", "team members"), "1 team member");
        assert_eq!(count(2, "team member", "team members"), "2 team members");
        assert_eq!(count(0, "team member", "team members"), "0 team members");
        assert_eq!(count(5000, "credit", "credits"), "5,000 credits");
    }
}
