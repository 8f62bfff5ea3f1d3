//! What the media proxy may fetch: which URLs (scheme, host on the allow-list, default port, no
//! credentials) and which IP addresses (public unicast only). The same rules decide whether a
//! URL is worth registering ([`super::proxied`]) and are applied again at every hop of a fetch,
//! so a redirect or a DNS answer cannot lead the fetcher into our own network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::settings::{MEDIA_ALLOWED_HOSTS, MEDIA_MAX_FILE_BYTES, MEDIA_TEST_LOOPBACK_ORIGINS};

/// The rules of one deployment, from its configuration.
#[derive(Debug, Clone)]
pub struct Policy {
    allowed_hosts: Vec<String>,
    /// Tests only: origins fetched over plain http and on a loopback address.
    test_origins: Vec<url::Origin>,
    pub max_file_bytes: u64,
}

/// Why a URL, an address or a response was refused (kept with the failed record, never shown
/// to the client).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not a URL")]
    Unparsable,
    #[error("scheme `{0}` is not fetched (https only)")]
    Scheme(String),
    #[error("URLs with credentials are not fetched")]
    Credentials,
    #[error("port {0} is not fetched (default ports only)")]
    Port(u16),
    #[error("host `{0}` is not on the media allow-list")]
    Host(String),
    #[error("`{host}` is at {ip}, a {class} address")]
    Address {
        host: String,
        ip: IpAddr,
        class: AddressClass,
    },
    #[error("more than {0} redirects")]
    TooManyRedirects(usize),
    #[error("content type `{0}` is not an allowed image type")]
    ContentType(String),
    #[error("the body is not a JPEG, PNG, WebP, GIF or AVIF image")]
    NotAnImage,
    #[error("the image is larger than {0} bytes")]
    TooLarge(u64),
}

impl Policy {
    pub fn from_config(config: &platform::Config) -> Self {
        Self {
            allowed_hosts: config
                .get(&MEDIA_ALLOWED_HOSTS)
                .iter()
                .map(|h| h.trim().trim_matches('.').to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            test_origins: config
                .get(&MEDIA_TEST_LOOPBACK_ORIGINS)
                .iter()
                .filter_map(|o| Url::parse(o).ok())
                .map(|u| u.origin())
                .collect(),
            max_file_bytes: config.get(&MEDIA_MAX_FILE_BYTES),
        }
    }

    fn is_test_origin(&self, url: &Url) -> bool {
        !self.test_origins.is_empty() && self.test_origins.contains(&url.origin())
    }

    /// What can be decided about a URL without the network: scheme, credentials, port, host.
    pub fn check_url(&self, url: &Url) -> Result<(), Refusal> {
        let test = self.is_test_origin(url);
        match url.scheme() {
            "https" => {}
            "http" if test => {}
            other => return Err(Refusal::Scheme(other.to_string())),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Refusal::Credentials);
        }
        // `port()` is `None` for the scheme's default port. Another port on an allowed host is
        // a different service the CDN operator never meant us to reach.
        if let Some(port) = url.port()
            && !test
        {
            return Err(Refusal::Port(port));
        }
        let Some(host) = url.host() else {
            return Err(Refusal::Host(String::new()));
        };
        if !test && !self.host_allowed(&host) {
            return Err(Refusal::Host(host.to_string()));
        }
        Ok(())
    }

    fn host_allowed(&self, host: &Host<&str>) -> bool {
        match host {
            Host::Domain(domain) => self.allowed_hosts.iter().any(|allowed| {
                *domain == allowed
                    || domain
                        .strip_suffix(allowed.as_str())
                        .is_some_and(|rest| rest.ends_with('.'))
            }),
            Host::Ipv4(ip) => self.ip_listed(IpAddr::V4(*ip)),
            Host::Ipv6(ip) => self.ip_listed(IpAddr::V6(*ip)),
        }
    }

    fn ip_listed(&self, ip: IpAddr) -> bool {
        self.allowed_hosts
            .iter()
            .any(|a| a.trim_matches(['[', ']']).parse::<IpAddr>() == Ok(ip))
    }

    /// An address the URL's host resolved to (or its literal address): public unicast only;
    /// loopback too for a test origin.
    pub fn check_address(&self, url: &Url, ip: IpAddr) -> Result<(), Refusal> {
        match classify(ip) {
            None => Ok(()),
            Some(AddressClass::Loopback) if self.is_test_origin(url) => Ok(()),
            Some(class) => Err(Refusal::Address {
                host: url.host_str().unwrap_or_default().to_string(),
                ip,
                class,
            }),
        }
    }
}

/// The kinds of address the fetcher never connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    UniqueLocal,
    SharedNat,
    Multicast,
    Broadcast,
    Documentation,
    Reserved,
}

impl std::fmt::Display for AddressClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AddressClass::Unspecified => "unspecified",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::UniqueLocal => "unique-local",
            AddressClass::SharedNat => "shared (carrier-grade NAT)",
            AddressClass::Multicast => "multicast",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Documentation => "documentation",
            AddressClass::Reserved => "reserved",
        })
    }
}

/// `None` for a public unicast address, else what it is.
pub fn classify(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, c, _] = ip.octets();
    let class = if a == 0 {
        // 0.0.0.0/8: "this network"; Linux connects 0.0.0.0 to the local host.
        AddressClass::Unspecified
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_private() {
        AddressClass::Private
    } else if ip.is_link_local() {
        // 169.254/16, where cloud metadata services answer.
        AddressClass::LinkLocal
    } else if a == 100 && (64..128).contains(&b) {
        AddressClass::SharedNat
    } else if ip.is_broadcast() {
        AddressClass::Broadcast
    } else if ip.is_multicast() {
        AddressClass::Multicast
    } else if ip.is_documentation() {
        AddressClass::Documentation
    } else if (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 192 && b == 88 && c == 99)
        || a >= 240
    {
        // IETF protocol assignments, benchmarking, the old 6to4 relay, class E.
        AddressClass::Reserved
    } else {
        return None;
    };
    Some(class)
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    let s = ip.segments();
    // Addresses that carry an IPv4 address are judged by it: `::ffff:10.0.0.1` reaches 10.0.0.1.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 (well-known prefix): the gateway connects to the embedded IPv4 address.
        return classify_v4(embedded_v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        // 6to4: the tunnel ends at the embedded IPv4 address.
        return classify_v4(embedded_v4(s[1], s[2]));
    }
    let class = if ip.is_unspecified() {
        AddressClass::Unspecified
    } else if ip.is_loopback() {
        AddressClass::Loopback
    } else if ip.is_multicast() {
        AddressClass::Multicast
    } else if ip.is_unicast_link_local() {
        AddressClass::LinkLocal
    } else if ip.is_unique_local() {
        AddressClass::UniqueLocal
    } else if s[0] & 0xffc0 == 0xfec0 {
        // Deprecated site-local: still private where it is used.
        AddressClass::Private
    } else if (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x3fff && s[1] < 0x1000) {
        AddressClass::Documentation
    } else if s[0] & 0xe000 != 0x2000 || (s[0] == 0x2001 && s[1] < 0x0200) {
        // Outside 2000::/3 nothing is global unicast (this also covers the deprecated
        // IPv4-compatible `::a.b.c.d` and the local-use NAT64 prefix); 2001::/23 holds Teredo,
        // benchmarking and other IETF assignments.
        AddressClass::Reserved
    } else {
        return None;
    };
    Some(class)
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn class(ip: &str) -> Option<AddressClass> {
        classify(ip.parse().unwrap())
    }

    #[test]
    fn ipv4_ranges() {
        use AddressClass::*;
        for (ip, expected) in [
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(Unspecified)),
            ("127.0.0.1", Some(Loopback)),
            ("127.255.255.254", Some(Loopback)),
            ("10.0.0.1", Some(Private)),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("192.168.1.1", Some(Private)),
            ("169.254.169.254", Some(LinkLocal)),
            ("100.64.0.1", Some(SharedNat)),
            ("100.127.255.255", Some(SharedNat)),
            ("224.0.0.1", Some(Multicast)),
            ("239.255.255.250", Some(Multicast)),
            ("255.255.255.255", Some(Broadcast)),
            ("240.0.0.1", Some(Reserved)),
            ("192.0.0.8", Some(Reserved)),
            ("198.18.0.1", Some(Reserved)),
            ("192.0.2.1", Some(Documentation)),
            ("203.0.113.9", Some(Documentation)),
            // Public neighbours of the ranges above.
            ("172.15.255.255", None),
            ("172.32.0.1", None),
            ("100.63.255.255", None),
            ("100.128.0.1", None),
            ("192.169.0.1", None),
            ("157.240.1.35", None),
            ("31.13.64.1", None),
        ] {
            assert_eq!(class(ip), expected, "{ip}");
        }
    }

    #[test]
    fn ipv6_ranges() {
        use AddressClass::*;
        for (ip, expected) in [
            ("::", Some(Unspecified)),
            ("::1", Some(Loopback)),
            ("fe80::1", Some(LinkLocal)),
            ("febf::1", Some(LinkLocal)),
            ("fc00::1", Some(UniqueLocal)),
            ("fd12:3456::1", Some(UniqueLocal)),
            ("fec0::1", Some(Private)),
            ("ff02::1", Some(Multicast)),
            ("2001:db8::1", Some(Documentation)),
            ("3fff::1", Some(Documentation)),
            ("2001::1", Some(Reserved)),
            ("100::1", Some(Reserved)),
            ("::10.0.0.1", Some(Reserved)),
            ("64:ff9b:1::1", Some(Reserved)),
            ("2a03:2880:f003:c07:face:b00c::2", None),
            ("2606:4700::1111", None),
        ] {
            assert_eq!(class(ip), expected, "{ip}");
        }
    }

    #[test]
    fn addresses_that_embed_ipv4_are_judged_by_it() {
        use AddressClass::*;
        assert_eq!(class("::ffff:127.0.0.1"), Some(Loopback));
        assert_eq!(class("::ffff:10.1.2.3"), Some(Private));
        assert_eq!(class("::ffff:169.254.169.254"), Some(LinkLocal));
        assert_eq!(class("::ffff:157.240.1.35"), None);
        assert_eq!(class("64:ff9b::192.168.0.1"), Some(Private));
        assert_eq!(class("64:ff9b::157.240.1.35"), None);
        assert_eq!(class("2002:7f00:1::"), Some(Loopback));
        assert_eq!(class("2002:9df0:123::1"), None);
    }

    fn policy(hosts: &[&str], test_origins: &[&str]) -> Policy {
        let mut config = platform::Config::default();
        config.set(
            &MEDIA_ALLOWED_HOSTS,
            hosts.iter().map(|h| h.to_string()).collect(),
        );
        config.set(
            &MEDIA_TEST_LOOPBACK_ORIGINS,
            test_origins.iter().map(|h| h.to_string()).collect(),
        );
        Policy::from_config(&config)
    }

    fn check(p: &Policy, url: &str) -> Result<(), Refusal> {
        p.check_url(&Url::parse(url).unwrap())
    }

    #[test]
    fn urls_need_https_an_allowed_host_and_the_default_port() {
        let p = policy(&["cdninstagram.com", ".fbcdn.net", "203.0.113.7"], &[]);
        assert_eq!(
            check(&p, "https://scontent-fra5-1.cdninstagram.com/v/a.jpg?x=1"),
            Ok(())
        );
        assert_eq!(check(&p, "https://cdninstagram.com/a.jpg"), Ok(()));
        assert_eq!(check(&p, "https://x.fbcdn.net:443/a.jpg"), Ok(()));
        assert_eq!(check(&p, "https://203.0.113.7/a.jpg"), Ok(()));
        assert!(matches!(
            check(&p, "http://x.cdninstagram.com/a.jpg"),
            Err(Refusal::Scheme(_))
        ));
        assert!(matches!(
            check(&p, "ftp://x.cdninstagram.com/a.jpg"),
            Err(Refusal::Scheme(_))
        ));
        assert!(matches!(
            check(&p, "file:///etc/passwd"),
            Err(Refusal::Scheme(_))
        ));
        assert!(matches!(
            check(&p, "https://evilcdninstagram.com/a.jpg"),
            Err(Refusal::Host(_))
        ));
        assert!(matches!(
            check(&p, "https://cdninstagram.com.evil.example/a.jpg"),
            Err(Refusal::Host(_))
        ));
        assert!(matches!(
            check(&p, "https://203.0.113.8/a.jpg"),
            Err(Refusal::Host(_))
        ));
        assert!(matches!(
            check(&p, "https://x.fbcdn.net:8443/a.jpg"),
            Err(Refusal::Port(8443))
        ));
        assert!(matches!(
            check(&p, "https://user:pw@x.fbcdn.net/a.jpg"),
            Err(Refusal::Credentials)
        ));
    }

    #[test]
    fn a_test_origin_allows_http_and_loopback_for_itself_only() {
        let p = policy(&["127.0.0.1"], &["http://127.0.0.1:4100"]);
        let origin = Url::parse("http://127.0.0.1:4100/a.jpg").unwrap();
        assert_eq!(p.check_url(&origin), Ok(()));
        assert_eq!(
            p.check_address(&origin, "127.0.0.1".parse().unwrap()),
            Ok(())
        );
        assert!(
            p.check_address(&origin, "10.0.0.1".parse().unwrap())
                .is_err()
        );
        let other_port = Url::parse("http://127.0.0.1:4101/a.jpg").unwrap();
        assert!(matches!(p.check_url(&other_port), Err(Refusal::Scheme(_))));
        let https = Url::parse("https://127.0.0.1/a.jpg").unwrap();
        assert_eq!(p.check_url(&https), Ok(()), "on the allow-list");
        assert!(matches!(
            p.check_address(&https, "127.0.0.1".parse().unwrap()),
            Err(Refusal::Address {
                class: AddressClass::Loopback,
                ..
            })
        ));
    }
}
