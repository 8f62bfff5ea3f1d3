//! The guarded fetcher: gets one image from an allowed CDN host without letting the URL, a
//! redirect or a DNS answer point it anywhere else. Every hop checks the URL ([`Policy`]),
//! resolves the host itself, refuses any non-public address, and then connects to exactly the
//! addresses it checked (reqwest's DNS override), so a second DNS answer cannot switch the
//! target (DNS rebinding). Redirects are followed by hand, at most [`MAX_REDIRECTS`]. The body
//! must be declared and sniffed as an image type, and is cut off at the size limit while it
//! streams, whatever `Content-Length` says.

use std::{future::Future, net::SocketAddr, time::Duration};

use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use url::{Host, Url};

use super::policy::{Policy, Refusal};

pub const MAX_REDIRECTS: usize = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Between two reads of the body; a stalled CDN connection fails instead of hanging.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const HOP_TIMEOUT: Duration = Duration::from_secs(20);
/// The types we serve; anything a browser might run (SVG, HTML) is not among them.
pub const IMAGE_TYPES: [&str; 5] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/avif",
];
const ACCEPT_IMAGES: &str = "image/avif,image/webp,image/png,image/jpeg,image/gif";
/// Enough of the body to recognise every type above (AVIF's brands sit in its first box).
const SNIFF_LEN: usize = 32;

/// How a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Our rules refused the URL, an address, or what came back.
    #[error("refused: {0}")]
    Refused(#[from] Refusal),
    /// The source answered 403, 404 or 410: a CDN URL that expired or an image that was removed.
    #[error("the source answered HTTP {0}")]
    Gone(u16),
    /// Network failure, timeout, or another status.
    #[error("{0}")]
    Upstream(String),
    /// Writing what arrived failed (our disk, not the source).
    #[error("writing the image: {0}")]
    Io(#[from] std::io::Error),
}

impl FetchError {
    /// The `outcome` label of `media_proxy_fetches_total` and the `failure` column.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Refused(_) => "refused",
            FetchError::Gone(_) => "gone",
            FetchError::Upstream(_) => "upstream",
            FetchError::Io(_) => "error",
        }
    }
}

/// An image that passed every check and was written to the sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The type its bytes are (what we serve it as).
    pub content_type: &'static str,
    /// SHA-256 of the body, hex.
    pub sha256: String,
    pub bytes: u64,
}

/// Host name resolution; the system resolver in production, a fixed table in unit tests.
pub trait Resolve: Sync {
    fn lookup(
        &self,
        host: &str,
        port: u16,
    ) -> impl Future<Output = std::io::Result<Vec<SocketAddr>>> + Send;
}

pub struct SystemResolver;

impl Resolve for SystemResolver {
    async fn lookup(&self, host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
        Ok(tokio::net::lookup_host((host, port)).await?.collect())
    }
}

/// Fetches `source` into `sink`. On an error the sink holds a partial body the caller discards.
pub async fn fetch<R: Resolve, W: AsyncWrite + Unpin + Send>(
    policy: &Policy,
    resolver: &R,
    source: &str,
    sink: &mut W,
) -> Result<Fetched, FetchError> {
    let mut url = Url::parse(source).map_err(|_| Refusal::Unparsable)?;
    for _ in 0..=MAX_REDIRECTS {
        let response = request(policy, resolver, &url).await?;
        if matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| FetchError::Upstream("a redirect without a Location".into()))?;
            url = url
                .join(location)
                .map_err(|_| FetchError::Upstream("a redirect to an invalid URL".into()))?;
            continue;
        }
        return read_image(policy, response, sink).await;
    }
    Err(Refusal::TooManyRedirects(MAX_REDIRECTS).into())
}

/// One hop: check the URL, resolve and check its addresses, connect only to those.
async fn request<R: Resolve>(
    policy: &Policy,
    resolver: &R,
    url: &Url,
) -> Result<reqwest::Response, FetchError> {
    policy.check_url(url)?;
    let port = url
        .port_or_known_default()
        .ok_or_else(|| Refusal::Scheme(url.scheme().to_string()))?;
    platform::install_tls_provider();
    let mut client = reqwest::Client::builder()
        // A proxy would resolve the host itself, past our address checks.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .timeout(HOP_TIMEOUT)
        .pool_max_idle_per_host(0)
        .user_agent(concat!(
            "Growthdeck/",
            env!("CARGO_PKG_VERSION"),
            " media-proxy"
        ));
    match url.host() {
        Some(Host::Domain(domain)) => {
            let addrs = resolver
                .lookup(domain, port)
                .await
                .map_err(|e| FetchError::Upstream(format!("cannot resolve {domain}: {e}")))?;
            if addrs.is_empty() {
                return Err(FetchError::Upstream(format!("{domain} has no address")));
            }
            // Every answer must be public: a name that also points inward is not used at all.
            for addr in &addrs {
                policy.check_address(url, addr.ip())?;
            }
            client = client.resolve_to_addrs(domain, &addrs);
        }
        Some(Host::Ipv4(ip)) => policy.check_address(url, ip.into())?,
        Some(Host::Ipv6(ip)) => policy.check_address(url, ip.into())?,
        None => return Err(Refusal::Host(String::new()).into()),
    }
    let client = client
        .build()
        .map_err(|e| FetchError::Upstream(format!("HTTP client: {e}")))?;
    let response = client
        .get(url.clone())
        .header(ACCEPT, ACCEPT_IMAGES)
        .send()
        .await
        .map_err(|e| FetchError::Upstream(describe(e)))?;
    // Belt and braces: the peer is one of the addresses checked above.
    if let Some(peer) = response.remote_addr() {
        policy.check_address(url, peer.ip())?;
    }
    Ok(response)
}

fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "cannot connect".into()
    } else {
        // The URL (with its CDN signature) stays out of the message.
        e.without_url().to_string()
    }
}

async fn read_image<W: AsyncWrite + Unpin + Send>(
    policy: &Policy,
    mut response: reqwest::Response,
    sink: &mut W,
) -> Result<Fetched, FetchError> {
    let status = response.status().as_u16();
    if matches!(status, 403 | 404 | 410) {
        return Err(FetchError::Gone(status));
    }
    if status != 200 {
        return Err(FetchError::Upstream(format!(
            "the source answered HTTP {status}"
        )));
    }
    let declared = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(essence)
        .unwrap_or_default();
    if !IMAGE_TYPES.contains(&declared.as_str()) {
        return Err(Refusal::ContentType(declared).into());
    }
    let max = policy.max_file_bytes;
    if response.content_length().is_some_and(|len| len > max) {
        return Err(Refusal::TooLarge(max).into());
    }
    let mut hasher = Sha256::new();
    let mut total: u64 = 0;
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_LEN);
    let mut sniffed = None;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::Upstream(describe(e)))?
    {
        total = total.saturating_add(chunk.len() as u64);
        if total > max {
            return Err(Refusal::TooLarge(max).into());
        }
        if sniffed.is_none() {
            let take = chunk.len().min(SNIFF_LEN - head.len());
            head.extend_from_slice(&chunk[..take]);
            if head.len() == SNIFF_LEN {
                sniffed = Some(sniff(&head).ok_or(Refusal::NotAnImage)?);
            }
        }
        hasher.update(&chunk);
        sink.write_all(&chunk).await?;
    }
    let content_type = match sniffed {
        Some(t) => t,
        None => sniff(&head).ok_or(Refusal::NotAnImage)?,
    };
    sink.flush().await?;
    Ok(Fetched {
        content_type,
        sha256: hex::encode(hasher.finalize()),
        bytes: total,
    })
}

/// `image/JPEG; charset=…` → `image/jpeg`.
fn essence(value: &str) -> String {
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The image type the first bytes announce.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else if is_avif(head) {
        Some("image/avif")
    } else {
        None
    }
}

/// An ISO-BMFF `ftyp` box whose major or a compatible brand is `avif` (still) or `avis`
/// (sequence).
fn is_avif(head: &[u8]) -> bool {
    if head.len() < 16 || &head[4..8] != b"ftyp" {
        return false;
    }
    let size = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let end = size.clamp(16, head.len());
    // Brands: major at 8..12, minor version at 12..16, then the compatible ones.
    std::iter::once(&head[8..12])
        .chain(head[16..end].chunks_exact(4))
        .any(|brand| brand == b"avif" || brand == b"avis")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use std::{collections::HashMap, net::IpAddr};

    use super::*;
    use crate::media::policy::AddressClass;

    #[test]
    fn sniffs_the_five_image_types_and_nothing_else() {
        assert_eq!(
            sniff(&[0xff, 0xd8, 0xff, 0xe0, 0, 0x10]),
            Some("image/jpeg")
        );
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(
            sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
            Some("image/avif")
        );
        assert_eq!(
            sniff(b"\0\0\0\x20ftypmif1\0\0\0\0mif1avifmiafMA1B"),
            Some("image/avif")
        );
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom"), None, "MP4");
        assert_eq!(sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\">"), None);
        assert_eq!(sniff(b"<!doctype html><html>"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), None);
    }

    #[test]
    fn content_type_parameters_and_case_are_ignored() {
        assert_eq!(essence("Image/JPEG; charset=binary"), "image/jpeg");
        assert_eq!(essence(""), "");
    }

    /// A fixed table in place of DNS: no name here ever reaches the network.
    struct Table(HashMap<&'static str, Vec<IpAddr>>);

    impl Resolve for Table {
        async fn lookup(&self, host: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
            Ok(self
                .0
                .get(host)
                .map(|ips| ips.iter().map(|ip| SocketAddr::new(*ip, port)).collect())
                .unwrap_or_default())
        }
    }

    async fn fetch_via(table: &Table, url: &str) -> Result<Fetched, FetchError> {
        let mut config = platform::Config::default();
        config.set(
            &crate::settings::MEDIA_ALLOWED_HOSTS,
            vec!["cdn.test".into()],
        );
        let policy = Policy::from_config(&config);
        let mut sink = Vec::new();
        let result = fetch(&policy, table, url, &mut sink).await;
        assert!(sink.is_empty(), "nothing was read");
        result
    }

    #[tokio::test]
    async fn a_host_that_resolves_to_a_private_address_is_never_contacted() {
        let table = Table(HashMap::from([
            ("private.cdn.test", vec!["10.1.2.3".parse().unwrap()]),
            (
                "metadata.cdn.test",
                vec!["169.254.169.254".parse().unwrap()],
            ),
            (
                "mapped.cdn.test",
                vec!["::ffff:192.168.0.10".parse().unwrap()],
            ),
            ("ula.cdn.test", vec!["fd00::5".parse().unwrap()]),
            // One public and one inward answer: the name is not used at all.
            (
                "mixed.cdn.test",
                vec![
                    "157.240.1.35".parse().unwrap(),
                    "127.0.0.1".parse().unwrap(),
                ],
            ),
        ]));
        for (host, class) in [
            ("private.cdn.test", AddressClass::Private),
            ("metadata.cdn.test", AddressClass::LinkLocal),
            ("mapped.cdn.test", AddressClass::Private),
            ("ula.cdn.test", AddressClass::UniqueLocal),
            ("mixed.cdn.test", AddressClass::Loopback),
        ] {
            match fetch_via(&table, &format!("https://{host}/a.jpg")).await {
                Err(FetchError::Refused(Refusal::Address { class: c, .. })) => {
                    assert_eq!(c, class, "{host}")
                }
                other => panic!("{host}: {other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn literal_addresses_and_other_hosts_are_refused_before_any_lookup() {
        let table = Table(HashMap::new());
        for url in [
            "https://127.0.0.1/a.jpg",
            "https://[::1]/a.jpg",
            "https://elsewhere.test/a.jpg",
            "http://img.cdn.test/a.jpg",
            "gopher://img.cdn.test/a.jpg",
            "not a url",
        ] {
            assert!(
                matches!(fetch_via(&table, url).await, Err(FetchError::Refused(_))),
                "{url}"
            );
        }
    }
}
