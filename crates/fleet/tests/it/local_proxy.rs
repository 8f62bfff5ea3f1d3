//! A small proxy server for tests, on 127.0.0.1: HTTP (`CONNECT host:port` tunnels and
//! absolute-URI requests, `Proxy-Authorization: Basic`) and SOCKS5 (RFC 1928 CONNECT with
//! username/password sign-in, RFC 1929) on the same port, told apart by the first byte (5 is
//! a SOCKS5 greeting). Plus a check server that answers any request with `200 ok`.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use base64::Engine;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// A running proxy: its address and how many tunnels it opened to a target.
pub struct LocalProxy {
    pub addr: SocketAddr,
    pub tunnels: Arc<AtomicUsize>,
}

impl LocalProxy {
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn tunnels(&self) -> usize {
        self.tunnels.load(Ordering::SeqCst)
    }
}

type Credentials = Option<(String, String)>;

/// Starts a proxy; with `credentials`, both protocols require them.
pub async fn start(credentials: Credentials) -> LocalProxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let tunnels = Arc::new(AtomicUsize::new(0));
    let counter = tunnels.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let credentials = credentials.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                let _ = serve(stream, credentials, counter).await;
            });
        }
    });
    LocalProxy { addr, tunnels }
}

/// A port nothing listens on (bound, then released).
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// A server that answers every request `200 ok` (the check URL).
pub async fn check_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                if read_head(&mut stream).await.is_some() {
                    let _ = stream
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                        )
                        .await;
                }
            });
        }
    });
    addr
}

async fn serve(
    stream: TcpStream,
    credentials: Credentials,
    tunnels: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut first = [0u8; 1];
    stream.peek(&mut first).await?;
    if first[0] == 5 {
        socks5(stream, credentials, tunnels).await
    } else {
        http(stream, credentials, tunnels).await
    }
}

/// Reads a request or answer head (up to the blank line).
async fn read_head(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 || head.len() > 16 * 1024 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

async fn http(
    mut stream: TcpStream,
    credentials: Credentials,
    tunnels: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let Some(head) = read_head(&mut stream).await else {
        return Ok(());
    };
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_string();
    let headers: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    if let Some((user, pass)) = &credentials {
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        );
        let given = headers.iter().find_map(|h| {
            let (name, value) = h.split_once(':')?;
            name.eq_ignore_ascii_case("proxy-authorization")
                .then(|| value.trim().to_string())
        });
        if given.as_deref() != Some(expected.as_str()) {
            stream
                .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
                .await?;
            return Ok(());
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    if method == "CONNECT" {
        let Ok(mut upstream) = TcpStream::connect(&target).await else {
            stream
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                .await?;
            return Ok(());
        };
        tunnels.fetch_add(1, Ordering::SeqCst);
        stream
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
        return Ok(());
    }
    // An absolute-URI request: forward it in origin form, without the proxy's header.
    let Ok(url) = url::Url::parse(&target) else {
        stream
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await?;
        return Ok(());
    };
    let authority = format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(80)
    );
    let Ok(mut upstream) = TcpStream::connect(&authority).await else {
        stream
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            .await?;
        return Ok(());
    };
    tunnels.fetch_add(1, Ordering::SeqCst);
    let mut forwarded = format!("{method} {} HTTP/1.1\r\n", url.path());
    for h in headers {
        if !h.to_ascii_lowercase().starts_with("proxy-") {
            forwarded.push_str(h);
            forwarded.push_str("\r\n");
        }
    }
    forwarded.push_str("\r\n");
    upstream.write_all(forwarded.as_bytes()).await?;
    let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
    Ok(())
}

async fn socks5(
    mut stream: TcpStream,
    credentials: Credentials,
    tunnels: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut greeting = [0u8; 2];
    stream.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; usize::from(greeting[1])];
    stream.read_exact(&mut methods).await?;
    let wanted = if credentials.is_some() { 0x02 } else { 0x00 };
    if !methods.contains(&wanted) {
        stream.write_all(&[5, 0xFF]).await?;
        return Ok(());
    }
    stream.write_all(&[5, wanted]).await?;
    if let Some((user, pass)) = &credentials {
        let mut version_len = [0u8; 2];
        stream.read_exact(&mut version_len).await?;
        let mut u = vec![0u8; usize::from(version_len[1])];
        stream.read_exact(&mut u).await?;
        let mut plen = [0u8; 1];
        stream.read_exact(&mut plen).await?;
        let mut p = vec![0u8; usize::from(plen[0])];
        stream.read_exact(&mut p).await?;
        if u != user.as_bytes() || p != pass.as_bytes() {
            stream.write_all(&[1, 1]).await?;
            return Ok(());
        }
        stream.write_all(&[1, 0]).await?;
    }
    let mut request = [0u8; 4];
    stream.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            stream.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        4 => {
            let mut ip = [0u8; 16];
            stream.read_exact(&mut ip).await?;
            format!("[{}]", std::net::Ipv6Addr::from(ip))
        }
        _ => {
            let mut len = [0u8; 1];
            stream.read_exact(&mut len).await?;
            let mut name = vec![0u8; usize::from(len[0])];
            stream.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
    };
    let mut port = [0u8; 2];
    stream.read_exact(&mut port).await?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    let Ok(mut upstream) = TcpStream::connect(&target).await else {
        stream.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
        return Ok(());
    };
    tunnels.fetch_add(1, Ordering::SeqCst);
    stream.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
    let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
    Ok(())
}
