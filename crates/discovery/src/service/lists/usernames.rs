//! Usernames from a pasted or uploaded text: one per line, or the cells of a CSV (commas,
//! semicolons or tabs), each a username, `@username` or a profile link
//! (`https://www.instagram.com/username/`). Quotes around cells and a header cell
//! (`username`) are ignored; duplicates (any case) are kept once.

use platform::{Error, Result};

/// The most characters read from one text (a 5,000-line CSV of links fits).
pub const TEXT_MAX: usize = 400_000;
/// The most usernames read from one text (a full list).
pub const USERNAMES_MAX: usize = 5_000;
/// Instagram's longest username.
const USERNAME_MAX: usize = 30;

/// The usernames of a text, and the cells that are none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub usernames: Vec<String>,
    pub invalid: Vec<String>,
}

fn username_of(cell: &str) -> Option<Result<String, String>> {
    let cell = cell.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if cell.is_empty() {
        return None;
    }
    let lower = cell.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "username" | "usernames" | "handle" | "instagram"
    ) {
        return None;
    }
    let name = match lower.find("instagram.com/") {
        Some(at) => cell[at + "instagram.com/".len()..]
            .split(['/', '?', '#'])
            .next()
            .unwrap_or_default(),
        None => cell.strip_prefix('@').unwrap_or(cell),
    };
    let ok = !name.is_empty()
        && name.chars().count() <= USERNAME_MAX
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    Some(if ok {
        Ok(name.to_string())
    } else {
        Err(cell.chars().take(60).collect())
    })
}

fn cells(line: &str) -> impl Iterator<Item = &str> {
    line.split([',', ';', '\t'])
}

fn is_header(cell: &str) -> bool {
    let c = cell.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    ["username", "usernames", "handle", "instagram"]
        .iter()
        .any(|h| c.eq_ignore_ascii_case(h))
}

/// Reads the usernames of `text`; a text too long, or with more than [`USERNAMES_MAX`]
/// usernames, or with none, is refused. A CSV whose first line names a `username` column is
/// read from that column only (its other columns are not usernames).
pub fn parse_usernames(text: &str) -> Result<Parsed> {
    if text.chars().count() > TEXT_MAX {
        return Err(Error::validation(
            "usernames",
            "The text is too long: paste or upload at most 5,000 usernames at once",
        ));
    }
    let mut out = Parsed::default();
    let mut seen = std::collections::HashSet::new();
    let mut lines = text.lines().peekable();
    let column = lines
        .peek()
        .and_then(|first| cells(first).position(is_header));
    if column.is_some() {
        lines.next();
    }
    for line in lines {
        let picked: Vec<&str> = match column {
            Some(n) => cells(line).nth(n).into_iter().collect(),
            None => cells(line).collect(),
        };
        for cell in picked {
            match username_of(cell) {
                Some(Ok(name)) if seen.insert(name.to_lowercase()) => out.usernames.push(name),
                Some(Err(bad)) => out.invalid.push(bad),
                // Empty, a header, or a username already read.
                _ => {}
            }
        }
    }
    if out.usernames.len() > USERNAMES_MAX {
        return Err(Error::validation(
            "usernames",
            "At most 5,000 usernames at once",
        ));
    }
    if out.usernames.is_empty() {
        return Err(Error::validation(
            "usernames",
            "No Instagram username found: write one per line, like @vegan.chef",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_with_a_username_column_is_read_from_that_column() {
        let text = "name,Username,followers\nAnna,@Vegan.Chef,100\nBen,\"https://www.instagram.com/yoga_anna/?hl=en\",5\nCid,vegan.chef,1\nDee,not a name!,2\n";
        let parsed = parse_usernames(text).unwrap_or_default();
        assert_eq!(parsed.usernames, ["Vegan.Chef", "yoga_anna"]);
        assert_eq!(parsed.invalid, ["not a name!"]);
    }

    #[test]
    fn lines_and_cells_without_a_header_are_each_a_username() {
        let parsed = parse_usernames("@one\r\ntwo, three;four\tfive\n\n").unwrap_or_default();
        assert_eq!(parsed.usernames, ["one", "two", "three", "four", "five"]);
        assert!(parsed.invalid.is_empty());
    }

    #[test]
    fn an_empty_or_huge_text_is_refused() {
        assert!(parse_usernames(" \n ,").is_err());
        let many: String = (0..5_001).map(|n| format!("creator{n}\n")).collect();
        assert!(parse_usernames(&many).is_err());
        assert!(parse_usernames(&"x".repeat(TEXT_MAX + 1)).is_err());
    }
}
