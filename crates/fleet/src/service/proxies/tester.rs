//! The proxy test: a real connection through the proxy to the workspace's check URL
//! (`settings.proxy_check_url`), hand-written on tokio so we know exactly what is measured and
//! which address we connect to.
//!
//! What is measured (`latency_ms`): from the start of the TCP connection to the proxy until
//!
//! - **http proxy, `https://` check URL**: the proxy's answer to `CONNECT host:443` (a 2xx
//!   means the tunnel to the check host is open; no TLS handshake is made through it);
//! - **http proxy, `http://` check URL**: the status line of a plain `GET <absolute URL>`
//!   sent through the proxy;
//! - **socks5 proxy**: the SOCKS5 greeting, the username/password sign-in (RFC 1929) when the
//!   proxy has a username, and the CONNECT reply for the check host (RFC 1928) — the tunnel is
//!   open; for an `http://` check URL also the status line of a `GET` sent through it.
//!
//! The whole test has one deadline ([`TIMEOUT`]). A status line of the check URL counts as
//! working unless it is one a proxy answers with when *it* failed: 407 (credentials
//! refused), 502, 503 or 504 (it could not reach the check URL).
//!
//! SSRF guard: the server connects to the proxy's address itself, so a proxy host that resolves
//! to a loopback, private, link-local, shared or otherwise non-public address is refused unless
//! `fleet_allow_private_proxies` is set (tests set it; a self-hosted server whose proxies live
//! in its own network may too). The host is resolved once and only the checked addresses are
//! connected to, so a DNS answer cannot change between the check and the connection.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::{Duration, Instant},
};

use base64::Engine;
use platform::config::{ConfigKey, Key};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};
use url::Url;

use super::Kind;

/// Whether proxy tests may connect to proxies on loopback, private or link-local addresses.
pub const ALLOW_PRIVATE_PROXIES: Key<bool> = Key::new("fleet_allow_private_proxies", || false);

/// The fleet's configuration keys.
pub fn config() -> Vec<ConfigKey> {
    vec![ConfigKey::of(&ALLOW_PRIVATE_PROXIES)]
}

/// The deadline of one test, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The largest proxy answer head read (status line and headers).
const HEAD_MAX: usize = 8 * 1024;

/// What to connect to and how to sign in.
#[derive(Clone)]
pub struct Target {
    pub kind: Kind,
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("kind", &self.kind)
            .field("host", &self.host)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// A test's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub ok: bool,
    /// Milliseconds until what was measured (see the module documentation), when it worked.
    pub latency_ms: Option<i32>,
    /// What happened, in a short sentence without secrets.
    pub summary: String,
}

impl Probe {
    fn failed(summary: impl Into<String>) -> Probe {
        Probe {
            ok: false,
            latency_ms: None,
            summary: summary.into(),
        }
    }
}

/// Why a test was not even tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The host resolves to an address the server may not connect to.
    PrivateAddress,
}

/// Whether `ip` is an address of the public internet (not loopback, private, link-local,
/// shared, multicast, unspecified or reserved).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local, fec0::/10 site-local (old)
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0
                // ::/96 IPv4-compatible (deprecated) and 64:ff9b::/96 NAT64 reach IPv4 space
                || v6.segments()[..6] == [0, 0, 0, 0, 0, 0]
                || v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
                || v6 == Ipv6Addr::LOCALHOST)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        // 100.64.0.0/10 shared address space (carrier-grade NAT)
        || (a == 100 && (64..128).contains(&b))
        // 198.18.0.0/15 benchmarking, 240.0.0.0/4 reserved
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

/// Resolves the proxy's host and keeps the addresses the server may connect to.
pub async fn resolve(host: &str, port: u16, allow_private: bool) -> Result<Vec<SocketAddr>, Probe> {
    let lookup = tokio::time::timeout(TIMEOUT, tokio::net::lookup_host((host, port))).await;
    let addrs: Vec<SocketAddr> = match lookup {
        Err(_) => {
            return Err(Probe::failed(
                "The proxy's host name did not resolve in time",
            ));
        }
        Ok(Err(_)) => return Err(Probe::failed("The proxy's host name does not resolve")),
        Ok(Ok(addrs)) => addrs.collect(),
    };
    if addrs.is_empty() {
        return Err(Probe::failed("The proxy's host name has no address"));
    }
    Ok(if allow_private {
        addrs
    } else {
        addrs.into_iter().filter(|a| is_public(a.ip())).collect()
    })
}

/// Tests `target` against `check`: resolution, the SSRF guard, then [`probe`] under the
/// deadline.
pub async fn run(target: &Target, check: &Url, allow_private: bool) -> Result<Probe, Refusal> {
    let addrs = match resolve(&target.host, target.port, allow_private).await {
        Ok(addrs) => addrs,
        Err(failed) => return Ok(failed),
    };
    if addrs.is_empty() {
        return Err(Refusal::PrivateAddress);
    }
    Ok(probe(target, &addrs, check).await)
}

/// Connects to the first address that answers and runs the proxy's handshake, all within
/// [`TIMEOUT`].
pub async fn probe(target: &Target, addrs: &[SocketAddr], check: &Url) -> Probe {
    let started = Instant::now();
    match tokio::time::timeout(TIMEOUT, attempt(target, addrs, check)).await {
        Err(_) => Probe::failed(format!("No answer within {} seconds", TIMEOUT.as_secs())),
        Ok(Err(summary)) => Probe::failed(summary),
        Ok(Ok(summary)) => Probe {
            ok: true,
            latency_ms: Some(i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX)),
            summary,
        },
    }
}

/// The check URL's host (brackets kept for IPv6, as an authority needs them) and port.
fn check_target(check: &Url) -> Result<(String, u16), String> {
    let host = check
        .host_str()
        .ok_or_else(|| "The check URL has no host".to_string())?;
    let port = check
        .port_or_known_default()
        .ok_or_else(|| "The check URL has no port".to_string())?;
    Ok((host.to_string(), port))
}

async fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, String> {
    let mut last = String::from("no address");
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = io_reason(&e),
        }
    }
    Err(format!("Could not connect to the proxy: {last}"))
}

fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        ConnectionRefused => "connection refused".into(),
        ConnectionReset => "connection reset".into(),
        ConnectionAborted => "connection aborted".into(),
        TimedOut => "timed out".into(),
        UnexpectedEof => "the connection was closed".into(),
        HostUnreachable => "host unreachable".into(),
        NetworkUnreachable => "network unreachable".into(),
        _ => "network error".into(),
    }
}

async fn attempt(target: &Target, addrs: &[SocketAddr], check: &Url) -> Result<String, String> {
    let (check_host, check_port) = check_target(check)?;
    let plain_http = check.scheme() == "http";
    let mut stream = connect(addrs).await?;
    match target.kind {
        Kind::Http if plain_http => {
            let request = http_request(check.as_str(), &check_host, Some(target));
            send(&mut stream, request.as_bytes()).await?;
            let status = read_status(&mut stream).await?;
            judge_status(status)
        }
        Kind::Http => {
            let authority = format!("{check_host}:{check_port}");
            let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
            if let Some(auth) = basic_auth(target) {
                request.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
            }
            request.push_str("\r\n");
            send(&mut stream, request.as_bytes()).await?;
            match read_status(&mut stream).await? {
                200..=299 => Ok(format!("The proxy opened a tunnel to {authority}")),
                407 => Err("The proxy refused the username or password (407)".into()),
                s => Err(format!("The proxy refused the tunnel to {authority} ({s})")),
            }
        }
        Kind::Socks5 => {
            socks5_connect(&mut stream, target, check).await?;
            if plain_http {
                let path = match check.query() {
                    Some(q) => format!("{}?{q}", check.path()),
                    None => check.path().to_string(),
                };
                let request = http_request(&path, &check_host, None);
                send(&mut stream, request.as_bytes()).await?;
                let status = read_status(&mut stream).await?;
                judge_status(status)
            } else {
                Ok(format!(
                    "The proxy opened a tunnel to {check_host}:{check_port}"
                ))
            }
        }
    }
}

fn judge_status(status: u16) -> Result<String, String> {
    match status {
        407 => Err("The proxy refused the username or password (407)".into()),
        502..=504 => Err(format!(
            "The proxy could not reach the check URL ({status})"
        )),
        s => Ok(format!("The check URL answered {s} through the proxy")),
    }
}

fn basic_auth(target: &Target) -> Option<String> {
    if target.username.is_empty() {
        return None;
    }
    let pair = format!("{}:{}", target.username, target.password);
    Some(format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    ))
}

/// A `GET` of `uri` (absolute for an http proxy, a path through a tunnel).
fn http_request(uri: &str, host: &str, proxy: Option<&Target>) -> String {
    let mut request = format!(
        "GET {uri} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: Growthdeck-proxy-check/1\r\nAccept: */*\r\nConnection: close\r\n"
    );
    if let Some(auth) = proxy.and_then(basic_auth) {
        request.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
    }
    request.push_str("\r\n");
    request
}

async fn send(stream: &mut TcpStream, bytes: &[u8]) -> Result<(), String> {
    stream
        .write_all(bytes)
        .await
        .map_err(|e| format!("The proxy closed the connection: {}", io_reason(&e)))
}

/// Reads an HTTP answer's head and returns its status code.
async fn read_status(stream: &mut TcpStream) -> Result<u16, String> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    loop {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("The proxy closed the connection: {}", io_reason(&e)))?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
        // The status line is all we need; stop at its end or at the head's end.
        if head.windows(2).any(|w| w == b"\r\n") || head.len() >= HEAD_MAX {
            break;
        }
    }
    parse_status(&head)
}

/// The status code of `HTTP/1.x NNN reason`.
fn parse_status(head: &[u8]) -> Result<u16, String> {
    if head.is_empty() {
        return Err("The proxy closed the connection without an answer".into());
    }
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let version = parts.next().unwrap_or_default();
    let code = parts.next().and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(code) if version.starts_with("HTTP/") && (100..600).contains(&code) => Ok(code),
        _ => Err("The proxy's answer is not HTTP".into()),
    }
}

/// SOCKS5 greeting, sign-in and CONNECT to the check URL's host (RFC 1928, RFC 1929).
async fn socks5_connect(
    stream: &mut TcpStream,
    target: &Target,
    check: &Url,
) -> Result<(), String> {
    let with_password = !target.username.is_empty();
    let greeting: &[u8] = if with_password {
        &[5, 2, 0x00, 0x02]
    } else {
        &[5, 1, 0x00]
    };
    send(stream, greeting).await?;
    let mut choice = [0u8; 2];
    read_exact(stream, &mut choice).await?;
    if choice[0] != 5 {
        return Err("The proxy does not speak SOCKS5".into());
    }
    match choice[1] {
        0x00 => {}
        0x02 if with_password => {
            let user = target.username.as_bytes();
            let pass = target.password.as_bytes();
            let (Ok(ulen), Ok(plen)) = (u8::try_from(user.len()), u8::try_from(pass.len())) else {
                return Err("The username or password is longer than SOCKS5 allows".into());
            };
            let mut auth = Vec::with_capacity(3 + user.len() + pass.len());
            auth.push(1);
            auth.push(ulen);
            auth.extend_from_slice(user);
            auth.push(plen);
            auth.extend_from_slice(pass);
            send(stream, &auth).await?;
            let mut verdict = [0u8; 2];
            read_exact(stream, &mut verdict).await?;
            if verdict[1] != 0 {
                return Err("The proxy refused the username or password".into());
            }
        }
        0xFF if with_password => {
            return Err("The proxy accepts neither no sign-in nor a username and password".into());
        }
        0xFF | 0x02 => return Err("The proxy wants a username and password".into()),
        _ => return Err("The proxy chose a sign-in method we did not offer".into()),
    }

    let (_, port) = check_target(check)?;
    let mut request = vec![5, 1, 0];
    match check.host() {
        Some(url::Host::Ipv4(ip)) => {
            request.push(1);
            request.extend_from_slice(&ip.octets());
        }
        Some(url::Host::Ipv6(ip)) => {
            request.push(4);
            request.extend_from_slice(&ip.octets());
        }
        Some(url::Host::Domain(name)) => {
            let len = u8::try_from(name.len())
                .map_err(|_| "The check URL's host name is too long for SOCKS5".to_string())?;
            request.push(3);
            request.push(len);
            request.extend_from_slice(name.as_bytes());
        }
        None => return Err("The check URL has no host".into()),
    }
    request.extend_from_slice(&port.to_be_bytes());
    send(stream, &request).await?;

    let mut reply = [0u8; 4];
    read_exact(stream, &mut reply).await?;
    if reply[0] != 5 {
        return Err("The proxy does not speak SOCKS5".into());
    }
    if reply[1] != 0 {
        return Err(format!(
            "The proxy could not connect to the check URL: {}",
            socks_reply(reply[1])
        ));
    }
    // The bound address the proxy reports: read and drop it, so what follows is the tunnel.
    let rest = match reply[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut len = [0u8; 1];
            read_exact(stream, &mut len).await?;
            usize::from(len[0]) + 2
        }
        _ => return Err("The proxy's answer is not SOCKS5".into()),
    };
    let mut bound = vec![0u8; rest];
    read_exact(stream, &mut bound).await?;
    Ok(())
}

fn socks_reply(code: u8) -> &'static str {
    match code {
        1 => "general failure",
        2 => "not allowed by its rules",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "timed out",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unknown error",
    }
}

async fn read_exact(stream: &mut TcpStream, buf: &mut [u8]) -> Result<(), String> {
    stream
        .read_exact(buf)
        .await
        .map(|_| ())
        .map_err(|e| format!("The proxy closed the connection: {}", io_reason(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass_the_guard() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            let ip: IpAddr = private.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert!(!is_public(ip), "{private} passed");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
        ] {
            let ip: IpAddr = public.parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
            assert!(is_public(ip), "{public} refused");
        }
    }

    #[test]
    fn status_lines_are_read_and_judged() {
        assert_eq!(
            parse_status(b"HTTP/1.1 200 Connection established\r\n"),
            Ok(200)
        );
        assert_eq!(
            parse_status(b"HTTP/1.0 407 Proxy Authentication Required"),
            Ok(407)
        );
        assert!(parse_status(b"SSH-2.0-OpenSSH\r\n").is_err());
        assert!(parse_status(b"").is_err());
        assert!(judge_status(200).is_ok());
        assert!(
            judge_status(403).is_ok(),
            "the check URL answered: the proxy works"
        );
        assert!(judge_status(407).is_err());
        assert!(judge_status(502).is_err());
    }

    #[test]
    fn credentials_go_in_basic_auth_and_not_in_debug_output() {
        let target = Target {
            kind: Kind::Http,
            host: "proxy.example".into(),
            port: 8080,
            username: "user".into(),
            password: "s3cret".into(),
        };
        assert_eq!(
            basic_auth(&target).as_deref(),
            Some("Basic dXNlcjpzM2NyZXQ=")
        );
        assert!(!format!("{target:?}").contains("s3cret"));
        let anonymous = Target {
            username: String::new(),
            ..target
        };
        assert_eq!(basic_auth(&anonymous), None);
    }
}
