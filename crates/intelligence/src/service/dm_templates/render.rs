//! Filling a template in. A placeholder is `{name}` with 1–64 letters, digits or `_` between
//! the braces; anything else in braces (`{ hi }`, `{}`) is plain text. `{first_name}` and
//! `{ig_username}` are built in, a template's custom variables come with their defaults, and a
//! value given for a preview or a send replaces either. A placeholder nobody has a value for is
//! left as written and reported, so a typo (`{firstname}`) shows before the message goes out.
//! Values are inserted as they are: a value holding `{x}` is not filled in again.

use std::collections::HashMap;

use super::Variable;

/// Instagram refuses a direct message longer than this (characters).
pub const DM_MAX: usize = 1000;
/// The longest name between braces still read as a placeholder.
const PLACEHOLDER_MAX: usize = 64;

/// A variable every template has: its name, its label, and the value a preview starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuiltIn {
    pub name: &'static str,
    pub label: &'static str,
    pub sample: &'static str,
}

pub const BUILT_INS: [BuiltIn; 2] = [
    BuiltIn {
        name: "first_name",
        label: "First name",
        sample: "Alex",
    },
    BuiltIn {
        name: "ig_username",
        label: "Instagram username",
        sample: "alex.creates",
    },
];

pub fn is_built_in(name: &str) -> bool {
    BUILT_INS.iter().any(|b| b.name == name)
}

/// A custom variable's name: `[a-z_][a-z0-9_]{0,31}`.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    first_ok
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A filled-in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// Placeholders left as written (no value), each once, in order of appearance.
    pub unknown: Vec<String>,
    /// Characters of `text`.
    pub chars: usize,
}

impl Rendered {
    /// Longer than Instagram accepts.
    pub fn too_long(&self) -> bool {
        self.chars > DM_MAX
    }
}

/// The placeholder starting at `rest` (which begins with `{`): its name and its length in
/// bytes, braces included.
fn placeholder_at(rest: &str) -> Option<(&str, usize)> {
    let inner = rest.get(1..)?;
    let end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    if end == 0 || end > PLACEHOLDER_MAX || !inner[end..].starts_with('}') {
        return None;
    }
    Some((&inner[..end], end + 2))
}

/// The names of the placeholders in `body`, each once, in order.
pub fn placeholders(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(at) = body[i..].find('{') {
        let start = i + at;
        match placeholder_at(&body[start..]) {
            Some((name, len)) => {
                if !out.iter().any(|n| n == name) {
                    out.push(name.to_string());
                }
                i = start + len;
            }
            None => i = start + 1,
        }
    }
    out
}

/// `body` with every placeholder that `value` knows replaced.
pub fn render<'a>(body: &str, value: impl Fn(&str) -> Option<&'a str>) -> Rendered {
    let mut text = String::with_capacity(body.len());
    let mut unknown: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(at) = body[i..].find('{') {
        let start = i + at;
        text.push_str(&body[i..start]);
        match placeholder_at(&body[start..]) {
            Some((name, len)) => {
                match value(name) {
                    Some(v) => text.push_str(v),
                    None => {
                        text.push_str(&body[start..start + len]);
                        if !unknown.iter().any(|n| n == name) {
                            unknown.push(name.to_string());
                        }
                    }
                }
                i = start + len;
            }
            None => {
                text.push('{');
                i = start + 1;
            }
        }
    }
    text.push_str(&body[i..]);
    let chars = text.chars().count();
    Rendered {
        text,
        unknown,
        chars,
    }
}

/// The values a template is filled in with: the given ones (blank ones ignored), else a custom
/// variable's default, else a built-in's sample.
pub fn values(variables: &[Variable], given: &HashMap<String, String>) -> HashMap<String, String> {
    let mut out: HashMap<String, String> = BUILT_INS
        .iter()
        .map(|b| (b.name.to_string(), b.sample.to_string()))
        .collect();
    for v in variables {
        out.insert(v.name.clone(), v.default.clone());
    }
    for (name, value) in given {
        if !value.trim().is_empty() && out.contains_key(name) {
            out.insert(name.clone(), value.trim().to_string());
        }
    }
    out
}

/// The template filled in with [`values`].
pub fn fill(body: &str, variables: &[Variable], given: &HashMap<String, String>) -> Rendered {
    let values = values(variables, given);
    render(body, |name| values.get(name).map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, default: &str) -> Variable {
        Variable {
            name: name.into(),
            default: default.into(),
        }
    }

    #[test]
    fn built_ins_and_custom_variables_are_filled_unknown_ones_are_kept_and_listed() {
        let body = "Hi {first_name} (@{ig_username}), {discount} off with {code}! {code} again, {first_name}.";
        let r = fill(body, &[var("discount", "10 %")], &HashMap::new());
        assert_eq!(
            r.text,
            "Hi Alex (@alex.creates), 10 % off with {code}! {code} again, Alex."
        );
        assert_eq!(r.unknown, vec!["code".to_string()]);
        assert_eq!(r.chars, r.text.chars().count());
        assert!(!r.too_long());
    }

    #[test]
    fn given_values_replace_defaults_and_samples_but_blank_ones_do_not() {
        let given = HashMap::from([
            ("first_name".to_string(), "  Maria ".to_string()),
            ("discount".to_string(), "   ".to_string()),
            ("stranger".to_string(), "x".to_string()),
        ]);
        let r = fill(
            "{first_name}: {discount} {stranger}",
            &[var("discount", "15 %")],
            &given,
        );
        assert_eq!(r.text, "Maria: 15 % {stranger}");
        assert_eq!(r.unknown, vec!["stranger".to_string()]);
    }

    #[test]
    fn braces_that_are_not_placeholders_stay_text_and_values_are_not_filled_again() {
        let given = HashMap::from([("first_name".to_string(), "{ig_username}".to_string())]);
        let r = fill(
            "{} { hi } {first_name} {{ig_username}} {ünï} {",
            &[],
            &given,
        );
        assert_eq!(r.text, "{} { hi } {ig_username} {alex.creates} {ünï} {");
        assert!(r.unknown.is_empty());
        let long = format!("{{{}}}", "a".repeat(65));
        assert_eq!(render(&long, |_| Some("x")).text, long);
        assert_eq!(
            placeholders("{a} {b_1} {a} {Name} {x-y}"),
            vec!["a", "b_1", "Name"]
        );
    }

    #[test]
    fn multibyte_text_around_placeholders_survives() {
        let r = fill("¡Hola {first_name}! 👋 {", &[], &HashMap::new());
        assert_eq!(r.text, "¡Hola Alex! 👋 {");
        assert_eq!(r.chars, 15);
    }

    #[test]
    fn a_filled_text_over_instagrams_limit_is_flagged() {
        let r = fill(
            &format!("{}{{long}}", "a".repeat(990)),
            &[var("long", &"b".repeat(20))],
            &HashMap::new(),
        );
        assert_eq!(r.chars, 1010);
        assert!(r.too_long());
    }

    #[test]
    fn variable_names_follow_the_pattern() {
        for ok in ["a", "_", "discount_2", &"x".repeat(32)] {
            assert!(is_variable_name(ok), "{ok}");
        }
        for bad in ["", "2x", "Name", "a-b", "a b", "é", &"x".repeat(33)] {
            assert!(!is_variable_name(bad), "{bad}");
        }
    }
}
