//! A located YAML tree: every node keeps the line and column it was defined at, so later
//! stages (interpolation, typed conversion) can report `file:line:col`. Parsed with
//! serde-saphyr, which resolves anchors/aliases and expands `<<` merge keys itself
//! (`MergeKeyPolicy::Merge`, its default) and rejects duplicate keys.

use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use super::ComposeError;

/// Line and column (1-based) of a node; `0:0` when unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u64,
    pub col: u64,
}

impl Pos {
    fn from_location(loc: Location) -> Self {
        Pos {
            line: loc.line(),
            col: loc.column(),
        }
    }
}

/// One YAML node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

/// The value of a node. Mapping keys are kept as text, in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Value {
    /// A word for the kind of value, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// Scalars as Compose turns them into strings (`true`, `5`, `1.5`); `None` for
    /// null, lists and mappings.
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }
}

impl Node {
    /// The value under `key` when this node is a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Value>::deserialize(deserializer)?;
        Ok(Node {
            value: spanned.value,
            pos: Pos::from_location(spanned.defined),
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(i128::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(i128::from(v)))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i128::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Node)> = Vec::new();
        // saphyr has already expanded `<<` (explicit keys win) and rejected duplicates.
        while let Some(Key(key)) = map.next_key::<Key>()? {
            let value = map.next_value::<Node>()?;
            // A bad key is kept under a name no YAML text can produce and reported by
            // `parse` where its value is (serde gives the key no location of its own).
            entries.push((key.unwrap_or_else(|| BAD_KEY.to_owned()), value));
        }
        Ok(Value::Map(entries))
    }
}

/// The key standing for a null, list or mapping key (`null: x`, `~: x`, `? : x`, `[a]: x`),
/// which Compose refuses too. NUL cannot appear in YAML text.
const BAD_KEY: &str = "\0bad key";

/// A mapping key: any scalar as Compose reads it (`1: x` is the key `"1"`), `None` for null,
/// a list or a mapping.
struct Key(Option<String>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Key(Value::deserialize(deserializer)?.scalar_text()))
    }
}

/// The position of the value of the first bad key (see [`BAD_KEY`]), depth first.
fn bad_key(node: &Node) -> Option<Pos> {
    match &node.value {
        Value::Map(entries) => entries.iter().find_map(|(k, v)| {
            if k == BAD_KEY {
                Some(v.pos)
            } else {
                bad_key(v)
            }
        }),
        Value::Seq(items) => items.iter().find_map(bad_key),
        _ => None,
    }
}

/// At most this many YAML events replayed by aliases (`*name`, `<<: *name`) in one file.
pub const MAX_ALIAS_EVENTS: usize = 100_000;

/// Parses one Compose file's text. An empty document is an empty mapping.
pub fn parse(file: &Path, text: &str) -> Result<Node, ComposeError> {
    let mut options = serde_saphyr::options! {
        // YAML 1.2 booleans only, like Compose (Go yaml.v3): `yes`, `on`, `y` stay strings.
        strict_booleans: true,
        // `0755` and `1_000` keep their spelling.
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        with_snippet: false,
    };
    // A Compose file is small: an alias bomb (billion laughs, merge keys over merge keys) is
    // refused long before it could use much time or memory.
    options.alias_limits.max_total_replayed_events = MAX_ALIAS_EVENTS;
    // A leading byte order mark is not content (Compose accepts it).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed: Result<Option<Node>, serde_saphyr::Error> =
        serde_saphyr::from_str_with_options(text, options);
    match parsed {
        Ok(Some(node)) if node.value != Value::Null => match bad_key(&node) {
            None => Ok(node),
            Some(pos) => Err(ComposeError::Yaml {
                file: file.to_path_buf(),
                line: pos.line,
                col: pos.col,
                message: "a mapping key here is null, a list or a mapping: keys must be text \
                          (quote it for the text \"null\")"
                    .to_owned(),
            }),
        },
        Ok(_) => Ok(Node {
            value: Value::Map(Vec::new()),
            pos: Pos { line: 1, col: 1 },
        }),
        Err(err) => {
            let pos = err.location().map(Pos::from_location).unwrap_or_default();
            Err(ComposeError::Yaml {
                file: file.to_path_buf(),
                line: pos.line,
                col: pos.col,
                message: yaml_message(&err),
            })
        }
    }
}

/// saphyr's message without its snippet and without the trailing location, which we print
/// ourselves as `file:line:col:`.
fn yaml_message(err: &serde_saphyr::Error) -> String {
    let full = err.without_snippet().to_string();
    let first = full.lines().next().unwrap_or_default().trim();
    let message = match first.rfind(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    // Drop advice aimed at programmers using the library.
    let message = match message.find(", set DuplicateKeyPolicy") {
        Some(i) => &message[..i],
        None => message,
    };
    compose_words(message)
}

/// Words of the YAML library's implementation that must not reach a Compose user.
const JARGON: [&str; 10] = [
    "deserializ",
    "Option<",
    "struct",
    "invalid type",
    "Vec<",
    "serde",
    "visitor",
    "String",
    "enum",
    "i128",
];

/// The library's message in Compose's words: limits say what was too much, type talk from
/// serde becomes what the file should contain.
fn compose_words(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if lower.contains("recursive") {
        return "an alias refers to the anchor it is part of (`&a [*a]`): the value would be \
                infinite"
            .to_owned();
    }
    if lower.contains("alias") || lower.contains("budget") || lower.contains("limit") {
        return format!(
            "the file expands to too much data: anchors and aliases (`*name`, `<<: *name`) may \
             expand to at most {MAX_ALIAS_EVENTS} YAML nodes in all (nesting depth and size are \
             bounded too)"
        );
    }
    if lower.contains("null") && (lower.contains("string") || lower.contains("option<")) {
        return "null is not allowed here: write a value (quote it for the text \"null\")".into();
    }
    strip_jargon(message)
}

/// Drops a message's serde type names; a message that is nothing but jargon becomes a plain
/// statement that the YAML does not fit here.
fn strip_jargon(message: &str) -> String {
    if JARGON.iter().any(|j| message.contains(j)) {
        "this YAML value cannot be used here (check its type: text, number, list or mapping)"
            .to_owned()
    } else {
        message.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Node {
        match parse(Path::new("c.yml"), text) {
            Ok(n) => n,
            Err(e) => panic!("parse failed: {e}"),
        }
    }

    #[test]
    fn scalars_keep_compose_meaning_and_positions() {
        let n = p("a: 1\nb: true\nc: 1.5\nd: ~\ne:\nf: '1'\ny: yes\ng: 0755\nh: [x, {k: v}]\n");
        let v = |k: &str| n.get(k).map(|n| n.value.clone());
        assert_eq!(v("a"), Some(Value::Int(1)));
        assert_eq!(v("b"), Some(Value::Bool(true)));
        assert_eq!(v("c"), Some(Value::Float(1.5)));
        assert_eq!(v("d"), Some(Value::Null));
        assert_eq!(v("e"), Some(Value::Null));
        assert_eq!(v("f"), Some(Value::Str("1".into())));
        // YAML 1.1 spellings are strings, as in Compose (Go yaml.v3); `y` is a key, not `true`.
        assert_eq!(v("y"), Some(Value::Str("yes".into())));
        assert_eq!(v("g"), Some(Value::Str("0755".into())));
        let h = n.get("h").map(|h| h.pos);
        assert_eq!(h, Some(Pos { line: 9, col: 4 }));
    }

    #[test]
    fn merge_keys_explicit_keys_win_and_aliases_copy() {
        let n = p("x: &x\n  a: 1\n  b: 2\ny:\n  <<: *x\n  b: 3\nz: *x\nw:\n  <<: [*x, {c: 4}]\n");
        let get = |top: &str, k: &str| n.get(top).and_then(|t| t.get(k)).map(|n| n.value.clone());
        assert_eq!(get("y", "a"), Some(Value::Int(1)));
        assert_eq!(get("y", "b"), Some(Value::Int(3)));
        assert_eq!(get("z", "b"), Some(Value::Int(2)));
        assert_eq!(get("w", "c"), Some(Value::Int(4)));
        assert_eq!(get("w", "a"), Some(Value::Int(1)));
        assert!(n.get("y").and_then(|y| y.get("<<")).is_none());
    }

    #[test]
    fn empty_document_is_an_empty_mapping() {
        assert_eq!(p("").value, Value::Map(Vec::new()));
        assert_eq!(p("# only a comment\n").value, Value::Map(Vec::new()));
    }

    #[test]
    fn malformed_yaml_reports_file_line_col() {
        let cases = [
            ("services:\n  api: [1, 2\n  db: x\n", "c.yml:3:"),
            ("a: 1\na: 2\n", "c.yml:2:1: duplicate mapping key: a\n"),
            ("a: *missing\n", "c.yml:1:"),
            ("a:\n\tb: 1\n", "c.yml:2:"),
        ];
        for (text, prefix) in cases {
            let err = match parse(Path::new("c.yml"), text) {
                Ok(n) => panic!("{text:?} parsed: {n:?}"),
                Err(e) => e.to_string(),
            };
            assert!(err.starts_with(prefix), "{text:?}: {err}");
            let first = err.lines().next().unwrap_or_default();
            // `c.yml:L:C: message`, the message without saphyr's own "at line" suffix.
            let parts: Vec<&str> = first.splitn(4, ':').collect();
            assert_eq!(parts.len(), 4, "{first}");
            assert!(parts[1].parse::<u64>().is_ok_and(|l| l > 0), "{first}");
            assert!(parts[2].parse::<u64>().is_ok_and(|c| c > 0), "{first}");
            assert!(!parts[3].contains(" at line "), "{first}");
            assert!(
                err.lines().last().is_some_and(|l| l.starts_with("hint: ")),
                "{err}"
            );
        }
    }
}
