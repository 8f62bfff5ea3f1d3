//! The AI feature's web side: the JSON API ([`api`]), the workspace's AI page and the streamed
//! texts in pages ([`pages`], [`stream`]), and the back office's AI usage and models
//! ([`staff`]).

pub mod api;
pub mod pages;
pub mod staff;
pub mod stream;

/// Money of the meter: millionths of a dollar as "$0.0042" (four decimals under a cent, two
/// above), "no price set" is the caller's business.
pub fn usd(micros: i64) -> String {
    if micros == 0 {
        return "$0".into();
    }
    if micros < 10_000 {
        format!("${:.4}", micros as f64 / 1_000_000.0)
    } else {
        let cents = (micros + 5_000) / 10_000;
        format!(
            "${}.{:02}",
            platform::web::format::number(cents / 100),
            cents % 100
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn usd_reads_small_and_large_costs() {
        assert_eq!(super::usd(0), "$0");
        assert_eq!(super::usd(450), "$0.0004");
        assert_eq!(super::usd(1_234_567_890), "$1,234.57");
    }
}
