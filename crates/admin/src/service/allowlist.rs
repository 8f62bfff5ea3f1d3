//! Per-staff IP allow-lists: CIDRs (or single addresses), one per line or separated by commas.
//! An empty list allows every address.

use std::net::IpAddr;

use ipnet::IpNet;
use platform::{Error, Result};

/// Longest list accepted as typed: 100 IPv6 ranges (43 characters at most) on their lines.
pub const MAX_CHARS: usize = 4500;

/// Parses and normalises a typed list; a bad entry is a field error naming it.
pub fn parse(raw: &str) -> Result<Vec<IpNet>> {
    platform::web::forms::within("ip_allowlist", "The allow-list", raw, MAX_CHARS)
        .map_err(|e| Error::Validation(vec![e]))?;
    let mut nets = Vec::new();
    for entry in raw
        .split([',', '\n', '\r'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        let net = match entry.parse::<IpNet>() {
            Ok(net) => net.trunc(),
            Err(_) => match entry.parse::<IpAddr>() {
                Ok(ip) => IpNet::from(ip),
                Err(_) => {
                    return Err(Error::validation(
                        "ip_allowlist",
                        format!(
                            "{:?} is not an IP address or CIDR range (e.g. 203.0.113.0/24)",
                            entry.chars().take(60).collect::<String>()
                        ),
                    ));
                }
            },
        };
        if !nets.contains(&net) {
            nets.push(net);
        }
    }
    if nets.len() > 100 {
        return Err(Error::validation(
            "ip_allowlist",
            "At most 100 entries are allowed",
        ));
    }
    Ok(nets)
}

/// The stored form: one CIDR per line, or `None` for "anywhere".
pub fn normalise(raw: &str) -> Result<Option<String>> {
    let nets = parse(raw)?;
    Ok((!nets.is_empty()).then(|| {
        nets.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }))
}

/// Whether `ip` may be used by a member with this stored list. An unknown client address
/// never passes a non-empty list. IPv4-mapped IPv6 addresses match IPv4 ranges.
pub fn allows(stored: Option<&str>, ip: Option<IpAddr>) -> bool {
    let Some(stored) = stored.filter(|s| !s.trim().is_empty()) else {
        return true;
    };
    let Some(ip) = ip else {
        return false;
    };
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    // A stored list was validated on the way in; an entry that no longer parses allows nothing.
    parse(stored)
        .map(|nets| nets.iter().any(|n| n.contains(&ip)))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        s.parse().ok()
    }

    #[test]
    fn empty_allows_everyone() {
        assert!(allows(None, ip("198.51.100.7")));
        assert!(allows(Some("  "), None));
    }

    #[test]
    fn ranges_and_single_addresses() {
        let stored = normalise("203.0.113.0/24, 198.51.100.7\n2001:db8::/32").unwrap();
        let stored = stored.as_deref();
        assert!(allows(stored, ip("203.0.113.200")));
        assert!(allows(stored, ip("198.51.100.7")));
        assert!(!allows(stored, ip("198.51.100.8")));
        assert!(allows(stored, ip("2001:db8::1")));
        assert!(allows(stored, ip("::ffff:203.0.113.9")), "IPv4-mapped");
        assert!(!allows(stored, ip("127.0.0.1")));
        assert!(!allows(stored, None));
    }

    #[test]
    fn host_bits_are_dropped_and_bad_entries_named() {
        assert_eq!(
            normalise("10.1.2.3/8").unwrap().as_deref(),
            Some("10.0.0.0/8")
        );
        let err = normalise("10.0.0.0/8, office").unwrap_err();
        assert!(err.field("ip_allowlist").contains("office"));
        assert_eq!(normalise("").unwrap(), None);
    }
}
