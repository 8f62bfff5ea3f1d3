//! A streaming reader of a `multipart/form-data` upload (RFC 7578) for one file field: the
//! file's bytes go to a writer as they arrive, so a 50 MB upload never sits in memory. Other
//! fields are read past (bounded). The upload form has one file and nothing else; axum's
//! `Multipart` would need another dependency for this one use.

use std::fmt::Display;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use platform::{Error, Result};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// A part's header block may not be longer than this.
const HEADERS_MAX: usize = 16 * 1024;
/// Bytes of other fields (and preamble) read past before the upload is refused.
const OTHER_MAX: u64 = 1024 * 1024;

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params_of(params)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty() && b.len() <= 70)
}

/// `; key=value; key="quoted \" value"` parameters.
fn params_of(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ';' || c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() && chars.peek().is_none() {
            return out;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some(n) = chars.next() {
                                value.push(n);
                            }
                        }
                        '"' => break,
                        c => value.push(c),
                    }
                }
                while chars.peek().is_some_and(|c| *c != ';') {
                    chars.next();
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ';' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
                value = value.trim().to_string();
            }
        }
        out.push((key.trim().to_string(), value));
    }
}

/// The file field that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// As the browser named it ("" when no file was chosen).
    pub filename: String,
    pub bytes: u64,
}

enum Part {
    Preamble,
    /// After a delimiter: `--` ends the body, a line end starts a part.
    Delimiter,
    Headers,
    File,
    Other,
    End,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The `name` and `filename` of a part's `Content-Disposition` header.
fn disposition(headers: &str) -> (String, Option<String>) {
    for line in headers.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("content-disposition") {
            continue;
        }
        let params = params_of(value.split_once(';').map(|(_, p)| p).unwrap_or(""));
        let get = |key: &str| {
            params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        };
        return (get("name").unwrap_or_default(), get("filename"));
    }
    (String::new(), None)
}

/// Reads a `multipart/form-data` body, writing the content of the first file field named
/// `field` to `sink`. More than `max` bytes of file is 413; a body that is not well formed,
/// or ends early, is 400.
pub async fn read_file<S, E, W>(
    boundary: &str,
    mut body: S,
    field: &str,
    max: u64,
    sink: &mut W,
) -> Result<Received>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
    W: AsyncWrite + Unpin,
{
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    // The first boundary line has no line end before it: lend it one.
    let mut buf: Vec<u8> = b"\r\n".to_vec();
    let mut part = Part::Preamble;
    let mut file: Option<Received> = None;
    let mut other: u64 = 0;
    let mut ended = false;
    loop {
        let progressed = match part {
            Part::Preamble | Part::File | Part::Other => match find(&buf, &delimiter) {
                Some(i) => {
                    emit(&part, &buf[..i], &mut file, &mut other, max, sink).await?;
                    buf.drain(..i + delimiter.len());
                    part = Part::Delimiter;
                    true
                }
                None => {
                    let keep = delimiter.len() - 1;
                    if buf.len() > keep {
                        let cut = buf.len() - keep;
                        emit(&part, &buf[..cut], &mut file, &mut other, max, sink).await?;
                        buf.drain(..cut);
                    }
                    false
                }
            },
            Part::Delimiter => {
                if buf.starts_with(b"--") {
                    part = Part::End;
                    true
                } else if let Some(i) = find(&buf, b"\r\n") {
                    // Transport padding (spaces, tabs) may follow a delimiter.
                    if !buf[..i].iter().all(|b| *b == b' ' || *b == b'\t') {
                        return Err(malformed());
                    }
                    buf.drain(..i + 2);
                    part = Part::Headers;
                    true
                } else if buf.len() > 256 {
                    return Err(malformed());
                } else {
                    false
                }
            }
            Part::Headers => {
                let block = if buf.starts_with(b"\r\n") {
                    Some((0, 2))
                } else {
                    find(&buf, b"\r\n\r\n").map(|i| (i, i + 4))
                };
                match block {
                    Some((end, skip)) => {
                        let headers = String::from_utf8_lossy(&buf[..end]).to_string();
                        buf.drain(..skip);
                        let (name, filename) = disposition(&headers);
                        part = match filename {
                            Some(filename) if name == field && file.is_none() => {
                                file = Some(Received { filename, bytes: 0 });
                                Part::File
                            }
                            _ => Part::Other,
                        };
                        true
                    }
                    None if buf.len() > HEADERS_MAX => return Err(malformed()),
                    None => false,
                }
            }
            Part::End => break,
        };
        if progressed {
            continue;
        }
        if ended {
            return Err(Error::BadRequest(
                "The upload ended before the file was complete. Try again.".into(),
            ));
        }
        match body.next().await {
            Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
            Some(Err(e)) => {
                return Err(Error::BadRequest(format!(
                    "The upload was interrupted ({e}). Try again."
                )));
            }
            None => ended = true,
        }
    }
    // Whatever follows the closing delimiter (the epilogue) is ignored, but read within bounds.
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            Error::BadRequest(format!("The upload was interrupted ({e}). Try again."))
        })?;
        other += chunk.len() as u64;
        if other > OTHER_MAX {
            return Err(malformed());
        }
    }
    sink.flush().await.map_err(Error::internal)?;
    Ok(file.unwrap_or(Received {
        filename: String::new(),
        bytes: 0,
    }))
}

fn malformed() -> Error {
    Error::BadRequest("The upload is not a well-formed form (multipart/form-data).".into())
}

async fn emit<W: AsyncWrite + Unpin>(
    part: &Part,
    bytes: &[u8],
    file: &mut Option<Received>,
    other: &mut u64,
    max: u64,
    sink: &mut W,
) -> Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    match (part, file) {
        (Part::File, Some(f)) => {
            f.bytes += bytes.len() as u64;
            if f.bytes > max {
                return Err(Error::PayloadTooLarge);
            }
            sink.write_all(bytes).await.map_err(Error::internal)
        }
        _ => {
            *other += bytes.len() as u64;
            if *other > OTHER_MAX {
                return Err(malformed());
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn body(boundary: &str, file: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"my \\\"accs\\\".csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
        b.extend_from_slice(file);
        b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        b
    }

    async fn read(data: Vec<u8>, chunk: usize, max: u64) -> (Result<Received>, Vec<u8>) {
        let chunks: Vec<Result<Bytes, std::io::Error>> = data
            .chunks(chunk)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let mut out = Vec::new();
        let r = read_file(
            "XyZ-42",
            futures::stream::iter(chunks),
            "file",
            max,
            &mut out,
        )
        .await;
        (r, out)
    }

    #[test]
    fn the_boundary_is_read_from_the_content_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=----WebKitFormBoundaryab12").as_deref(),
            Some("----WebKitFormBoundaryab12")
        );
        assert_eq!(
            boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"").as_deref(),
            Some("a b")
        );
        assert_eq!(boundary("text/plain; boundary=x"), None);
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[tokio::test]
    async fn the_file_arrives_whole_whatever_the_chunks() {
        // A file that holds what looks like a delimiter, but is not one.
        let file = b"ann,pw,ann@example.com\r\n--XyZ-4\r\nbob,pw,bob@example.com\r\n".to_vec();
        for chunk in [1, 2, 3, 7, 64, 10_000] {
            let (r, out) = read(body("XyZ-42", &file), chunk, 1000).await;
            let r = r.unwrap();
            assert_eq!(r.filename, "my \"accs\".csv", "chunk {chunk}");
            assert_eq!(r.bytes, file.len() as u64);
            assert_eq!(out, file, "chunk {chunk}");
        }
    }

    #[tokio::test]
    async fn too_large_cut_short_or_malformed_uploads_are_refused() {
        let file = vec![b'a'; 2000];
        let (r, _) = read(body("XyZ-42", &file), 100, 1999).await;
        assert!(matches!(r, Err(Error::PayloadTooLarge)));
        let mut cut = body("XyZ-42", &file);
        cut.truncate(cut.len() - 12);
        let (r, _) = read(cut, 100, 10_000).await;
        assert!(matches!(r, Err(Error::BadRequest(m)) if m.contains("ended")));
        let (r, _) = read(b"--XyZ-42garbage".repeat(30), 5, 10_000).await;
        assert!(matches!(r, Err(Error::BadRequest(_))));
    }

    #[tokio::test]
    async fn no_file_chosen_is_an_empty_name() {
        let data = b"--XyZ-42\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--XyZ-42--\r\n".to_vec();
        let (r, out) = read(data, 9, 100).await;
        assert_eq!(
            r.unwrap(),
            Received {
                filename: String::new(),
                bytes: 0
            }
        );
        assert!(out.is_empty());
    }
}
