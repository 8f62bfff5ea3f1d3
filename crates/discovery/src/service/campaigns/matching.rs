//! Whether a caption mentions a campaign: one of its @handles or #hashtags as a whole token,
//! or one of its phrases as whole words, in any case.
//!
//! A token starts at `@` or `#` and runs over the characters a handle (letters, digits, `.`,
//! `_`) or hashtag (letters, digits, `_`) may contain; a handle's trailing dots are the
//! sentence's, not the name's. So `@brand` matches "thanks @Brand!" and "@brand." but not
//! "@brandnew" or "@brand_official"; `#launch` does not match "#launchday". A phrase matches
//! where it is neither preceded nor followed by a letter or digit ("summer sale" is not in
//! "summer salesman").

use super::Terms;

fn handle_char(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '_'
}

fn tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The lower-cased tokens after `sigil` in `text`.
fn tokens(text: &str, sigil: char, part: fn(char) -> bool, trim_dots: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        // `mail@brand.com` is an address, not a mention: the sigil must start a word.
        let starts = prev.is_none_or(|p| !p.is_alphanumeric() && p != '_');
        prev = Some(c);
        if c != sigil || !starts {
            continue;
        }
        let rest = &text[i + c.len_utf8()..];
        let end = rest.find(|ch: char| !part(ch)).unwrap_or(rest.len());
        let mut token = &rest[..end];
        if trim_dots {
            token = token.trim_end_matches('.');
        }
        if !token.is_empty() {
            out.push(token.to_lowercase());
        }
    }
    out
}

/// Whether `phrase` (already lower case) occurs in `text` (lower case) as whole words.
fn has_phrase(text: &str, phrase: &str) -> bool {
    if phrase.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(at) = text[from..].find(phrase) {
        let start = from + at;
        let end = start + phrase.len();
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            return true;
        }
        // Step one character on (phrases may overlap themselves).
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// What of the campaign the caption mentions (`@brand, #launch, "new flavour"`), or `None`.
pub fn mentions(caption: &str, terms: &Terms) -> Option<String> {
    let handles = tokens(caption, '@', handle_char, true);
    let tags = tokens(caption, '#', tag_char, false);
    let lower = caption.to_lowercase();
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut found = Vec::new();
    for h in &terms.handles {
        if handles.iter().any(|t| t == h) {
            found.push(format!("@{h}"));
        }
    }
    for t in &terms.hashtags {
        if tags.iter().any(|x| x == t) {
            found.push(format!("#{t}"));
        }
    }
    for p in &terms.phrases {
        if has_phrase(&lower, &p.to_lowercase()) {
            found.push(format!("“{p}”"));
        }
    }
    (!found.is_empty()).then(|| found.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> Terms {
        Terms {
            handles: vec!["brand".into(), "brand.eu".into()],
            hashtags: vec!["launch".into()],
            phrases: vec!["New Flavour".into()],
        }
    }

    #[test]
    fn handles_and_hashtags_match_as_whole_tokens_in_any_case() {
        let t = terms();
        assert_eq!(mentions("Thanks @Brand!", &t).as_deref(), Some("@brand"));
        assert_eq!(mentions("with @brand.", &t).as_deref(), Some("@brand"));
        assert_eq!(mentions("hi @BRAND.EU", &t).as_deref(), Some("@brand.eu"));
        assert_eq!(
            mentions("It's here #LAUNCH", &t).as_deref(),
            Some("#launch")
        );
        assert_eq!(mentions("@brandnew #launchday @brand_official", &t), None);
        assert_eq!(mentions("write to hello@brand", &t), None);
        assert_eq!(mentions("brand launch", &t), None);
    }

    #[test]
    fn phrases_match_as_whole_words_in_any_case() {
        let t = terms();
        assert_eq!(
            mentions("Try the NEW\n flavour today", &t).as_deref(),
            Some("“New Flavour”")
        );
        assert_eq!(mentions("a new flavours list", &t), None);
        assert_eq!(
            mentions("#launch of the new flavour with @brand", &t).as_deref(),
            Some("@brand, #launch, “New Flavour”")
        );
    }
}
