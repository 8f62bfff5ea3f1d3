//! Reading an account file one line at a time, never holding the whole file.
//!
//! A line is `username,password,email[,extra…]` or `username:password:email[:extra…]`: the
//! comma form when the line has a comma (CSV quoting honoured: `"pa,ss"`, `"say ""hi"""`),
//! else the colon form. Blank lines and `#` comments are skipped; a first line naming the
//! columns (`username,password,email[,…]`) is a header, and its names for the columns after
//! the third become the keys of those extras. Extras are kept as a JSON object: `key=value`
//! under its key, a bare value under the header's name or `field_N` (its 1-based column).
//! An extra named `email_password` is the e-mail account's password and is taken out (it is
//! sealed apart). Unquoted fields are trimmed; a quoted field is kept exactly.
//!
//! Each data line is checked on its own and answered with its line number: Instagram's
//! username rules, a password (at most 128 characters), a valid e-mail address. Duplicates
//! are the service's to find (they need the whole file and the database).

use serde_json::{Map, Value};
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// A line longer than this is invalid (the rest of it is read and dropped, not kept).
pub const MAX_LINE_BYTES: usize = 4096;
pub const USERNAME_MAX: usize = 30;
pub const PASSWORD_MAX: usize = 128;
pub const EMAIL_MAX: usize = 254;
/// Extra fields kept per line.
pub const EXTRAS_MAX: usize = 20;
/// An extra's key.
pub const EXTRA_KEY_MAX: usize = 64;

/// The extra that is the e-mail account's password.
pub const EMAIL_PASSWORD: &str = "email_password";

/// One account as the file gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// As written (without a leading `@`); unique per workspace in any case.
    pub username: String,
    pub password: String,
    pub email: String,
    pub email_password: Option<String>,
    pub extra: Map<String, Value>,
}

impl Entry {
    /// The key duplicates are found by.
    pub fn key(&self) -> String {
        self.username.to_ascii_lowercase()
    }
}

/// What one line is.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// Blank, a comment or the header: not a data line.
    Skip,
    Entry(Entry),
    /// A data line that cannot be imported: the username as far as it could be read, and why.
    Invalid {
        username: String,
        message: String,
    },
}

fn invalid(username: &str, message: impl Into<String>) -> Line {
    Line::Invalid {
        username: username.chars().take(100).collect(),
        message: message.into(),
    }
}

/// Splits a comma line as CSV: `"…"` quotes a field (`""` is a quote inside it); unquoted
/// fields are trimmed. A quote left open is an error.
fn split_csv(line: &str) -> Result<Vec<String>, &'static str> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false; // this field was quoted
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    let finish = |cur: &mut String, quoted: bool| {
        let field = std::mem::take(cur);
        if quoted {
            field
        } else {
            field.trim().to_string()
        }
    };
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            ',' => {
                fields.push(finish(&mut cur, quoted));
                quoted = false;
            }
            '"' if !quoted && cur.trim().is_empty() => {
                cur.clear();
                quoted = true;
                in_quotes = true;
            }
            // Spaces between a closing quote and the comma are layout.
            c if quoted && c.is_whitespace() => {}
            c => cur.push(c),
        }
    }
    if in_quotes {
        return Err("A quote is opened but never closed");
    }
    fields.push(finish(&mut cur, quoted));
    Ok(fields)
}

fn split(line: &str) -> Result<Vec<String>, &'static str> {
    if line.contains(',') {
        split_csv(line)
    } else {
        Ok(line.split(':').map(|f| f.trim().to_string()).collect())
    }
}

/// Why a username is not one Instagram accepts, if it is not.
pub fn username_problem(username: &str) -> Option<String> {
    if username.is_empty() {
        return Some("Missing username".into());
    }
    if username.chars().count() > USERNAME_MAX {
        return Some(format!(
            "Bad username “{username}”: longer than {USERNAME_MAX} characters"
        ));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
    {
        return Some(format!(
            "Bad username “{username}”: only letters, digits, . and _ are allowed"
        ));
    }
    if username.starts_with('.') || username.ends_with('.') {
        return Some(format!(
            "Bad username “{username}”: it cannot start or end with a dot"
        ));
    }
    if username.contains("..") {
        return Some(format!(
            "Bad username “{username}”: two dots in a row are not allowed"
        ));
    }
    None
}

/// Whether `s` is an address mail can reach: RFC 5322 syntax, no display name, a dot in the
/// domain (as sign-up checks it).
pub fn email_ok(s: &str) -> bool {
    s.len() <= EMAIL_MAX
        && email_address::EmailAddress::parse_with_options(
            s,
            email_address::Options::default().without_display_text(),
        )
        .is_ok_and(|a| a.domain().contains('.') && !a.domain().starts_with('['))
}

/// The header's column names, lower case, if `line` is a header (`username,password,email…`).
pub fn header(line: &str) -> Option<Vec<String>> {
    let fields = split(line).ok()?;
    let names: Vec<String> = fields.iter().map(|f| f.to_ascii_lowercase()).collect();
    let head: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    (head == ["username", "password", "email"]).then_some(names)
}

/// Reads one line (without its line end). `header` holds the header's column names, if the
/// file had one.
pub fn parse_line(line: &str, header: Option<&[String]>) -> Line {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Line::Skip;
    }
    let fields = match split(trimmed) {
        Ok(f) => f,
        Err(message) => {
            let first = trimmed.split([',', ':']).next().unwrap_or("");
            return invalid(first.trim().trim_matches('"'), message);
        }
    };
    let username = fields
        .first()
        .map(|u| u.strip_prefix('@').unwrap_or(u))
        .unwrap_or("");
    if let Some(problem) = username_problem(username) {
        return invalid(username, problem);
    }
    let password = fields.get(1).map(String::as_str).unwrap_or("");
    if password.is_empty() {
        return invalid(username, "Missing password");
    }
    if password.chars().count() > PASSWORD_MAX {
        return invalid(
            username,
            format!("The password is longer than {PASSWORD_MAX} characters"),
        );
    }
    let email = fields.get(2).map(String::as_str).unwrap_or("");
    if email.is_empty() {
        return invalid(username, "Missing email");
    }
    if !email_ok(email) {
        let shown: String = email.chars().take(60).collect();
        return invalid(username, format!("Bad email “{shown}”"));
    }
    let extras = fields.get(3..).unwrap_or(&[]);
    if extras.len() > EXTRAS_MAX {
        return invalid(
            username,
            format!("More than {EXTRAS_MAX} extra fields after the email"),
        );
    }
    let mut extra = Map::new();
    let mut email_password = None;
    for (i, raw) in extras.iter().enumerate() {
        let column = i + 4;
        let named = header
            .and_then(|h| h.get(column - 1))
            .filter(|n| !n.is_empty());
        let (key, value) = match (raw.split_once('='), named) {
            (Some((k, v)), None) if !k.trim().is_empty() => {
                (k.trim().to_string(), v.trim().to_string())
            }
            (_, Some(name)) => (name.clone(), raw.clone()),
            _ => (format!("field_{column}"), raw.clone()),
        };
        if key.chars().count() > EXTRA_KEY_MAX {
            return invalid(
                username,
                format!("An extra field's name is longer than {EXTRA_KEY_MAX} characters"),
            );
        }
        if key.eq_ignore_ascii_case(EMAIL_PASSWORD) {
            if value.chars().count() > PASSWORD_MAX {
                return invalid(
                    username,
                    format!("The email password is longer than {PASSWORD_MAX} characters"),
                );
            }
            if !value.is_empty() {
                email_password = Some(value);
            }
            continue;
        }
        if raw.is_empty() && named.is_none() {
            continue;
        }
        extra.insert(key, Value::String(value));
    }
    Line::Entry(Entry {
        username: username.to_string(),
        password: password.to_string(),
        email: email.to_string(),
        email_password,
        extra,
    })
}

/// A data line and where it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Numbered {
    /// 1-based, counting every line of the file (blank and comment lines too).
    pub line_no: u64,
    pub line: Line,
}

/// Reads an account file line by line from any buffered reader (an upload, a file), keeping
/// one line in memory at a time.
pub struct Reader<R> {
    inner: R,
    buf: Vec<u8>,
    line_no: u64,
    bytes: u64,
    header: Option<Vec<String>>,
    /// No data line (nor header) was read yet: the next may be the header.
    at_start: bool,
}

impl<R: AsyncBufRead + Unpin> Reader<R> {
    pub fn new(inner: R) -> Self {
        Reader {
            inner,
            buf: Vec::with_capacity(256),
            line_no: 0,
            bytes: 0,
            header: None,
            at_start: true,
        }
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Reads the next physical line into `buf` (without its line end); `None` at the end,
    /// else whether it was cut at [`MAX_LINE_BYTES`].
    async fn raw_line(&mut self) -> std::io::Result<Option<bool>> {
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let available = self.inner.fill_buf().await?;
            if available.is_empty() {
                return Ok(any.then_some(too_long));
            }
            any = true;
            let (content, used, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            let room = MAX_LINE_BYTES.saturating_sub(self.buf.len());
            if content.len() > room {
                too_long = true;
                self.buf.extend_from_slice(&content[..room]);
            } else {
                self.buf.extend_from_slice(content);
            }
            self.inner.consume(used);
            self.bytes += used as u64;
            if done {
                return Ok(Some(too_long));
            }
        }
    }

    /// The next data line (blank lines, comments and the header are passed over); `None` at
    /// the end of the file.
    pub async fn next(&mut self) -> std::io::Result<Option<Numbered>> {
        loop {
            let Some(too_long) = self.raw_line().await? else {
                return Ok(None);
            };
            self.line_no += 1;
            let mut bytes: &[u8] = &self.buf;
            if bytes.last() == Some(&b'\r') {
                bytes = &bytes[..bytes.len() - 1];
            }
            if self.line_no == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            if too_long {
                let shown = String::from_utf8_lossy(bytes);
                let first = shown
                    .split([',', ':'])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                self.at_start = false;
                return Ok(Some(Numbered {
                    line_no: self.line_no,
                    line: invalid(
                        &first,
                        format!("The line is longer than {MAX_LINE_BYTES} bytes"),
                    ),
                }));
            }
            let Ok(text) = std::str::from_utf8(bytes) else {
                let shown = String::from_utf8_lossy(bytes);
                let first = shown
                    .split([',', ':'])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                self.at_start = false;
                return Ok(Some(Numbered {
                    line_no: self.line_no,
                    line: invalid(&first, "The line is not UTF-8 text"),
                }));
            };
            if self.at_start
                && let Some(names) = header(text.trim())
            {
                self.header = Some(names);
                self.at_start = false;
                continue;
            }
            let line = parse_line(text, self.header.as_deref());
            if line == Line::Skip {
                continue;
            }
            self.at_start = false;
            return Ok(Some(Numbered {
                line_no: self.line_no,
                line,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn entry(line: &str) -> Entry {
        match parse_line(line, None) {
            Line::Entry(e) => e,
            other => panic!("{line:?}: {other:?}"),
        }
    }

    fn problem(line: &str) -> String {
        match parse_line(line, None) {
            Line::Invalid { message, .. } => message,
            other => panic!("{line:?} should be invalid: {other:?}"),
        }
    }

    #[test]
    fn comma_and_colon_lines() {
        let e = entry("anna.k,secret1,anna@example.com");
        assert_eq!(
            (e.username.as_str(), e.password.as_str(), e.email.as_str()),
            ("anna.k", "secret1", "anna@example.com")
        );
        assert!(e.extra.is_empty() && e.email_password.is_none());
        let e = entry("@Bob_2:pw:bob@example.org");
        assert_eq!(e.username, "Bob_2");
        assert_eq!(e.key(), "bob_2");
        assert_eq!(e.password, "pw");
        let e = entry("  carl , pass word ,  carl@example.com  ");
        assert_eq!(e.username, "carl");
        assert_eq!(e.password, "pass word");
        assert_eq!(e.email, "carl@example.com");
    }

    #[test]
    fn csv_quotes_are_honoured() {
        let e = entry(r#"dora,"pa,ss ""x"" ",dora@example.com,"note, with comma""#);
        assert_eq!(e.password, r#"pa,ss "x" "#);
        assert_eq!(e.extra["field_4"], "note, with comma");
        assert_eq!(
            problem(r#"dora,"open,dora@example.com"#),
            "A quote is opened but never closed"
        );
        // A colon line with a comma in the password is read as a comma line (documented).
        assert!(matches!(
            parse_line("eve:pa,ss:eve@example.com", None),
            Line::Invalid { .. }
        ));
    }

    #[test]
    fn extras_become_a_json_object() {
        let e = entry("fay,pw,fay@example.com,city=Berlin,12,email_password=mailpw, ,phone = 123");
        assert_eq!(e.email_password.as_deref(), Some("mailpw"));
        assert_eq!(e.extra["city"], "Berlin");
        assert_eq!(e.extra["field_5"], "12");
        assert_eq!(e.extra["phone"], "123");
        assert!(
            !e.extra.contains_key("field_7"),
            "an empty bare extra is dropped"
        );
        assert!(!e.extra.contains_key("email_password"));
        let e = entry("gus:pw:gus@example.com:EMAIL_PASSWORD=x:y");
        assert_eq!(e.email_password.as_deref(), Some("x"));
        assert_eq!(e.extra["field_5"], "y");
    }

    #[test]
    fn header_names_the_extras() {
        let names = header("Username,Password,Email,email_password,Proxy City").unwrap();
        let Line::Entry(e) = parse_line("hal,pw,hal@example.com,mailpw,Paris", Some(&names)) else {
            panic!()
        };
        assert_eq!(e.email_password.as_deref(), Some("mailpw"));
        assert_eq!(e.extra["proxy city"], "Paris");
        assert!(header("hal,pw,hal@example.com").is_none());
        assert!(header("username:password:email").is_some());
    }

    #[test]
    fn usernames_follow_instagram_rules() {
        for ok in ["a", "a.b", "a_b.c_", "_x_", "x1234567890123456789012345678"] {
            assert_eq!(username_problem(ok), None, "{ok}");
        }
        assert!(problem(",pw,a@example.com").starts_with("Missing username"));
        assert!(problem("a-b,pw,a@example.com").contains("only letters"));
        assert!(problem(".ab,pw,a@example.com").contains("start or end"));
        assert!(problem("ab.,pw,a@example.com").contains("start or end"));
        assert!(problem("a..b,pw,a@example.com").contains("two dots"));
        assert!(
            problem(&format!("{},pw,a@example.com", "a".repeat(31))).contains("longer than 30")
        );
        assert!(problem("jürgen,pw,a@example.com").contains("only letters"));
    }

    #[test]
    fn password_and_email_are_checked() {
        assert_eq!(problem("ann,,a@example.com"), "Missing password");
        assert_eq!(problem("ann"), "Missing password");
        assert!(problem(&format!("ann,{},a@example.com", "p".repeat(129))).contains("128"));
        assert!(matches!(
            parse_line(&format!("ann,{},a@example.com", "p".repeat(128)), None),
            Line::Entry(_)
        ));
        assert_eq!(problem("ann,pw"), "Missing email");
        assert_eq!(problem("ann,pw,not-an-email"), "Bad email “not-an-email”");
        assert!(problem("ann,pw,a@localhost").starts_with("Bad email"));
        assert!(problem("ann,pw,Ann <a@example.com>").starts_with("Bad email"));
    }

    #[test]
    fn blank_lines_and_comments_are_skipped() {
        assert_eq!(parse_line("", None), Line::Skip);
        assert_eq!(parse_line("   \t", None), Line::Skip);
        assert_eq!(parse_line("# a comment, with commas", None), Line::Skip);
    }

    async fn read_all(text: &[u8]) -> Vec<Numbered> {
        // A tiny buffer, so lines cross many reads.
        let mut reader = Reader::new(tokio::io::BufReader::with_capacity(7, text));
        let mut out = Vec::new();
        while let Some(n) = reader.next().await.unwrap() {
            out.push(n);
        }
        assert_eq!(reader.bytes_read(), text.len() as u64);
        out
    }

    #[tokio::test]
    async fn the_reader_numbers_data_lines_and_skips_the_rest() {
        let text = "\u{feff}username,password,email,notes\r\n\n# comment\nann,pw,ann@example.com,hi\r\nbad..name,pw,x@example.com\nbob:pw:bob@example.com";
        let lines = read_all(text.as_bytes()).await;
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].line_no, 4);
        let Line::Entry(e) = &lines[0].line else {
            panic!()
        };
        assert_eq!(e.extra["notes"], "hi");
        assert_eq!(lines[1].line_no, 5);
        assert!(
            matches!(&lines[1].line, Line::Invalid { username, .. } if username == "bad..name")
        );
        assert_eq!(lines[2].line_no, 6);
    }

    #[tokio::test]
    async fn a_header_is_only_a_header_first() {
        let lines = read_all(b"ann,pw,ann@example.com\nusername,password,email\n").await;
        assert_eq!(lines.len(), 2);
        assert!(matches!(&lines[1].line, Line::Invalid { .. }), "{lines:?}");
    }

    #[tokio::test]
    async fn long_and_binary_lines_are_invalid_and_not_kept() {
        let mut text = format!("ann,{},ann@example.com\n", "p".repeat(10_000)).into_bytes();
        text.extend_from_slice(b"b\xffb,pw,b@example.com\nok,pw,ok@example.com\n");
        let lines = read_all(&text).await;
        assert_eq!(lines.len(), 3);
        assert!(
            matches!(&lines[0].line, Line::Invalid { username, message } if username == "ann" && message.contains("4096"))
        );
        assert!(
            matches!(&lines[1].line, Line::Invalid { message, .. } if message.contains("UTF-8"))
        );
        assert!(matches!(&lines[2].line, Line::Entry(_)));
    }
}
