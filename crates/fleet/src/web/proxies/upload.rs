//! The import form as the browser sends it: `multipart/form-data` (the page's form, so a file
//! can be chosen beside the text box) or `application/x-www-form-urlencoded`. A proxy list is
//! small, so the body is read whole; the server's request size limit bounds it (413 above).
//! A multipart reader of our own keeps axum's `multipart` feature (and its dependency) out of
//! the build for one text field and one small file.

use platform::{Error, Result};

/// The fields of the import form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportFields {
    pub text: String,
    pub kind: String,
    /// The chosen file's text, if one was chosen.
    pub file: Option<String>,
}

impl ImportFields {
    /// What to import: the file when one was chosen, else the text box.
    pub fn content(&self) -> &str {
        match &self.file {
            Some(f) if !f.trim().is_empty() => f,
            _ => &self.text,
        }
    }
}

/// Reads the form from its content type and body.
pub fn read(content_type: &str, body: &[u8]) -> Result<ImportFields> {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let mut fields = ImportFields::default();
    match media.as_str() {
        "multipart/form-data" => {
            let parts = multipart(content_type, body).ok_or_else(|| {
                Error::BadRequest("The form could not be read: send it again".into())
            })?;
            for (name, filename, bytes) in parts {
                let text = String::from_utf8(bytes)
                    .map_err(|_| Error::validation("file", "The file must be text (UTF-8)"))?;
                match name.as_str() {
                    "text" => fields.text = text,
                    "kind" => fields.kind = text,
                    "file" if filename.is_some() => fields.file = Some(text),
                    _ => {}
                }
            }
        }
        "application/x-www-form-urlencoded" => {
            for (k, v) in url::form_urlencoded::parse(body) {
                match k.as_ref() {
                    "text" => fields.text = v.into_owned(),
                    "kind" => fields.kind = v.into_owned(),
                    _ => {}
                }
            }
        }
        _ => {
            return Err(Error::BadRequest(
                "The form could not be read: send it from the page".into(),
            ));
        }
    }
    Ok(fields)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A `Content-Disposition` parameter (`name`, `filename`), unquoted.
fn disposition_param(head: &str, param: &str) -> Option<String> {
    let line = head
        .split("\r\n")
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    line.split(';').skip(1).find_map(|p| {
        let (key, value) = p.trim().split_once('=')?;
        key.eq_ignore_ascii_case(param)
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// One part of a multipart body: its field name, its file name (a file field) and bytes.
type Part = (String, Option<String>, Vec<u8>);

/// The parts of a multipart body (RFC 7578).
fn multipart(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let boundary = content_type.split(';').skip(1).find_map(|p| {
        let (key, value) = p.trim().split_once('=')?;
        key.eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
    })?;
    if boundary.is_empty() {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let next_delimiter = format!("\r\n{delimiter}");
    let start = find(body, delimiter.as_bytes())?;
    let mut rest = body.get(start + delimiter.len()..)?;
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(rest.get(..head_end)?).ok()?;
        let content = rest.get(head_end + 4..)?;
        let end = find(content, next_delimiter.as_bytes())?;
        let name = disposition_param(head, "name")?;
        let filename = disposition_param(head, "filename");
        parts.push((name, filename, content.get(..end)?.to_vec()));
        rest = content.get(end + next_delimiter.len()..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_form_with_a_file() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nsocks5\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.txt\"\r\nContent-Type: text/plain\r\n\r\n1.2.3.4:80\r\n5.6.7.8:81\r\n\r\n--XyZ--\r\n";
        let f = read("multipart/form-data; boundary=XyZ", body.as_bytes()).unwrap();
        assert_eq!(f.kind, "socks5");
        assert_eq!(f.file.as_deref(), Some("1.2.3.4:80\r\n5.6.7.8:81\r\n"));
        assert_eq!(f.content(), "1.2.3.4:80\r\n5.6.7.8:81\r\n");
    }

    #[test]
    fn no_file_chosen_means_the_text_box() {
        let body = "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n1.2.3.4:80\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--b--\r\n";
        let f = read("multipart/form-data; boundary=\"b\"", body.as_bytes()).unwrap();
        assert_eq!(f.content(), "1.2.3.4:80");
        let f = read(
            "application/x-www-form-urlencoded",
            b"text=1.2.3.4%3A80%0A&kind=http",
        )
        .unwrap();
        assert_eq!((f.content(), f.kind.as_str()), ("1.2.3.4:80\n", "http"));
    }

    #[test]
    fn broken_bodies_are_refused() {
        assert!(read("multipart/form-data; boundary=b", b"--b\r\nno head end").is_err());
        assert!(read("multipart/form-data", b"").is_err());
        assert!(read("text/plain", b"x").is_err());
        let binary = b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n\r\n\xff\xfe\r\n--b--";
        assert!(read("multipart/form-data; boundary=b", binary).is_err());
    }
}
