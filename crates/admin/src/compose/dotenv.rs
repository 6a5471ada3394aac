//! `.env` files, parsed like Compose (compose-go `dotenv`): `#` comment lines, an optional
//! `export ` prefix, `KEY=value` with an inline ` #` comment on unquoted values, `'single'`
//! (literal) and `"double"` quotes (escapes, may span lines), `KEY=` (empty) and a bare `KEY`
//! (inherits the value from the environment, if any). Unquoted and double-quoted values are
//! interpolated (`${VAR:-d}` …) from the environment first, then from the keys above them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::ComposeError;
use super::interpolate::{TemplateError, interpolate};

/// Parses `.env` text. `env` is the environment so far (real env and earlier env files): it
/// wins over values of this file during interpolation, like compose-go. Returns the file's
/// own keys and values.
pub fn parse(
    file: &Path,
    text: &str,
    env: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, ComposeError> {
    let mut parser = Parser {
        file,
        text: without_bom(text),
        pos: 0,
        line: 1,
    };
    let mut vars: BTreeMap<String, String> = BTreeMap::new();
    while let Some((line, key, raw)) = parser.next_entry()? {
        let value = match raw {
            Raw::Inherit => match env.get(&key) {
                Some(v) => v.clone(),
                None => continue,
            },
            Raw::Literal(v) => v,
            Raw::Template(t) => {
                let lookup = |k: &str| env.get(k).or_else(|| vars.get(k)).cloned();
                let mut unset = BTreeSet::new();
                interpolate(&t, &lookup, &mut unset).map_err(|e| {
                    let message = match e {
                        TemplateError::Invalid { near, reason } => {
                            format!("invalid interpolation in the value of {key} at `{near}`: {reason}")
                        }
                        // The text after `:?` is part of the value: not shown.
                        TemplateError::Required { variable, .. } => {
                            format!("required variable {variable} is missing a value (in the value of {key})")
                        }
                    };
                    parser.error_at(line, message)
                })?
            }
        };
        vars.insert(key, value);
    }
    Ok(vars)
}

/// The keys of a `.env`-style file in order (for `.env.example`), without interpolating values.
pub fn keys(file: &Path, text: &str) -> Result<Vec<String>, ComposeError> {
    let mut parser = Parser {
        file,
        text: without_bom(text),
        pos: 0,
        line: 1,
    };
    let mut keys: Vec<String> = Vec::new();
    while let Some((_, key, _)) = parser.next_entry()? {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(keys)
}

/// Reads the keys of a `.env`-style file such as `.env.example`, in order.
pub fn read_keys(path: &Path) -> Result<Vec<String>, ComposeError> {
    let text = super::read_text(path)?;
    keys(path, &text)
}

/// The text without a leading UTF-8 byte order mark (Compose accepts one, editors on
/// Windows write it).
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

enum Raw {
    /// A bare `KEY` line.
    Inherit,
    /// A single-quoted value.
    Literal(String),
    /// An unquoted or double-quoted value, still to be interpolated.
    Template(String),
}

struct Parser<'a> {
    file: &'a Path,
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Parser<'a> {
    fn error_at(&self, line: usize, message: String) -> ComposeError {
        ComposeError::DotEnv {
            file: self.file.to_path_buf(),
            line,
            message,
        }
    }

    /// The 1-based column (in characters) of the current position.
    fn column(&self) -> usize {
        let before = &self.text[..self.pos];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        before[line_start..].chars().count() + 1
    }

    fn rest(&self) -> &'a str {
        let text: &'a str = self.text;
        &text[self.pos..]
    }

    fn advance(&mut self, n: usize) {
        let taken = &self.text[self.pos..self.pos + n];
        self.line += taken.matches('\n').count();
        self.pos += n;
    }

    /// Consumes the rest of the current line, including its newline; returns it without the
    /// newline (and without a trailing `\r`).
    fn take_line(&mut self) -> &'a str {
        let text: &'a str = self.text;
        let rest = &text[self.pos..];
        let (content, len) = match rest.find('\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos += len;
        if len > content.len() {
            self.line += 1;
        }
        content.strip_suffix('\r').unwrap_or(content)
    }

    /// The next `(line, key, value)`; `None` at the end of the file.
    fn next_entry(&mut self) -> Result<Option<(usize, String, Raw)>, ComposeError> {
        loop {
            let rest = self.rest();
            let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
            self.advance(rest.len() - trimmed.len());
            if self.rest().is_empty() {
                return Ok(None);
            }
            if self.rest().starts_with('#') {
                self.take_line();
                continue;
            }
            break;
        }
        let line = self.line;
        if let Some(after) = self.rest().strip_prefix("export ") {
            let skip = self.rest().len() - after.trim_start_matches([' ', '\t']).len();
            self.advance(skip);
        }
        let key_len = self
            .rest()
            .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '[' | ']')))
            .unwrap_or(self.rest().len());
        let key = self.rest()[..key_len].to_owned();
        self.advance(key_len);
        let after_key = self.rest().trim_start_matches([' ', '\t']);
        self.advance(self.rest().len() - after_key.len());
        match self.rest().chars().next() {
            Some('=') => self.advance(1),
            None | Some('\n' | '\r' | '#') if !key.is_empty() => {
                let rest = self.take_line().trim();
                if !rest.is_empty() && !rest.starts_with('#') {
                    return Err(self.error_at(
                        line,
                        format!("unexpected text after the variable name {key} (expected `=`)"),
                    ));
                }
                return Ok(Some((line, key, Raw::Inherit)));
            }
            // The would-be name is not quoted: a line that is not `KEY=value` may be a value
            // (a password pasted on a line of its own, the rest of a broken quoted value).
            Some(c) => {
                let what = if key.is_empty() {
                    format!(
                        "unexpected character {c:?} at column {} (a line must start with a variable name)",
                        self.column()
                    )
                } else {
                    format!(
                        "unexpected character {c:?} at column {} (variable names are letters, digits, `_`, `.` and `-`, followed by `=`)",
                        self.column()
                    )
                };
                return Err(self.error_at(line, what));
            }
            None => return Err(self.error_at(line, "unexpected end of file".to_owned())),
        }
        if key.is_empty() {
            return Err(self.error_at(line, "missing variable name before `=`".to_owned()));
        }
        let value_start = self.rest().trim_start_matches([' ', '\t']);
        self.advance(self.rest().len() - value_start.len());
        let raw = match self.rest().chars().next() {
            Some(q @ ('\'' | '"')) => self.quoted(line, &key, q)?,
            _ => {
                let text = self.take_line();
                let value = match text.find(" #") {
                    Some(i) => &text[..i],
                    None => text,
                };
                Raw::Template(value.trim_end().to_owned())
            }
        };
        Ok(Some((line, key, raw)))
    }

    /// A quoted value starting at the opening quote `q`.
    fn quoted(&mut self, line: usize, key: &str, q: char) -> Result<Raw, ComposeError> {
        self.advance(1);
        let body = self.rest();
        let mut out = String::new();
        let mut chars = body.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == q {
                end = Some(i);
                break;
            }
            if c == '\\' && q == '"' {
                match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 'r')) => out.push('\r'),
                    Some((_, 't')) => out.push('\t'),
                    // `\$` is a literal dollar: keep it out of interpolation.
                    Some((_, '$')) => out.push_str("$$"),
                    Some((_, other)) => out.push(other),
                    None => out.push('\\'),
                }
                continue;
            }
            out.push(c);
        }
        let Some(end) = end else {
            return Err(self.error_at(
                line,
                format!("missing closing {q} quote for the value of {key}"),
            ));
        };
        self.advance(end + q.len_utf8());
        let trailing = self.take_line().trim();
        if !trailing.is_empty() && !trailing.starts_with('#') {
            return Err(self.error_at(
                line,
                format!("unexpected text after the closing quote of the value of {key}"),
            ));
        }
        Ok(if q == '\'' {
            Raw::Literal(out)
        } else {
            Raw::Template(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str, env: &[(&str, &str)]) -> BTreeMap<String, String> {
        let env = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        match parse(Path::new("/p/.env"), text, &env) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    fn get<'a>(vars: &'a BTreeMap<String, String>, k: &str) -> Option<&'a str> {
        vars.get(k).map(String::as_str)
    }

    #[test]
    fn comments_export_empty_and_inline_comments() {
        let vars = parse_ok(
            "# comment\n\nexport A=1\nB=\nC=two words # a comment\nD=x#not-a-comment\n  E = spaced \n",
            &[],
        );
        assert_eq!(get(&vars, "A"), Some("1"));
        assert_eq!(get(&vars, "B"), Some(""));
        assert_eq!(get(&vars, "C"), Some("two words"));
        assert_eq!(get(&vars, "D"), Some("x#not-a-comment"));
        assert_eq!(get(&vars, "E"), Some("spaced"));
        assert_eq!(vars.len(), 5);
    }

    #[test]
    fn quotes_and_escapes() {
        let vars = parse_ok(
            "S='lit $HOME \\n # x'\nD=\"a\\nb \\\"q\\\" \\$HOME # kept\" # comment\nM=\"line1\nline2\"\nAFTER=ok\n",
            &[("HOME", "/h")],
        );
        assert_eq!(get(&vars, "S"), Some("lit $HOME \\n # x"));
        assert_eq!(get(&vars, "D"), Some("a\nb \"q\" $HOME # kept"));
        assert_eq!(get(&vars, "M"), Some("line1\nline2"));
        assert_eq!(get(&vars, "AFTER"), Some("ok"));
    }

    #[test]
    fn interpolation_prefers_environment_then_earlier_keys() {
        let vars = parse_ok(
            "USER=app\nHOST=filehost\nURL=postgres://${USER}@${HOST}:${PORT:-5432}/db\nQ=\"${USER}\"\n",
            &[("HOST", "envhost")],
        );
        assert_eq!(get(&vars, "URL"), Some("postgres://app@envhost:5432/db"));
        assert_eq!(get(&vars, "Q"), Some("app"));
    }

    #[test]
    fn bare_key_inherits_from_environment() {
        let vars = parse_ok("FROM_ENV\nNOT_SET\n", &[("FROM_ENV", "v")]);
        assert_eq!(get(&vars, "FROM_ENV"), Some("v"));
        assert_eq!(get(&vars, "NOT_SET"), None);
    }

    #[test]
    fn errors_name_file_and_line() {
        let cases = [
            ("A=1\nB=\"unterminated\n", 2, "missing closing"),
            ("A=1\n\nBAD KEY=1\n", 3, "unexpected"),
            ("A=1\n=x\n", 2, "missing variable name"),
            ("A='x' trailing\n", 1, "after the closing quote"),
            ("A=${NEED:?set NEED}\n", 1, "required variable NEED"),
        ];
        for (text, line, needle) in cases {
            let err = match parse(Path::new("/p/.env"), text, &BTreeMap::new()) {
                Ok(v) => panic!("{text:?} parsed as {v:?}"),
                Err(e) => e.to_string(),
            };
            assert!(
                err.starts_with(&format!("/p/.env:{line}: ")),
                "{text:?}: {err}"
            );
            assert!(err.contains(needle), "{text:?}: {err}");
            assert!(err.lines().last().is_some_and(|l| l.starts_with("hint: ")));
        }
    }

    #[test]
    fn keys_in_order_without_interpolation() {
        let keys = match keys(
            Path::new("/p/.env.example"),
            "# example\nDATABASE_URL=${NEED:?no}\nexport SECRET='x'\nBARE\nDATABASE_URL=again\n",
        ) {
            Ok(k) => k,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(keys, vec!["DATABASE_URL", "SECRET", "BARE"]);
    }

    #[test]
    fn crlf_line_endings() {
        let vars = parse_ok("A=1\r\nB=\"x\"\r\n", &[]);
        assert_eq!(get(&vars, "A"), Some("1"));
        assert_eq!(get(&vars, "B"), Some("x"));
    }
}
