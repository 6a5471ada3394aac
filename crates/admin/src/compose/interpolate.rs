//! `${VAR}` interpolation with Compose v2 rules (compose-go `template`):
//! `$VAR`, `${VAR}`, `${VAR:-d}`, `${VAR-d}`, `${VAR:?e}`, `${VAR?e}`, `${VAR:+a}`, `${VAR+a}`,
//! nesting inside the default/alternative/error word, `$$` for a literal `$`. A `$` not
//! followed by a name, `{` or `$` stays literal (as in v2); a malformed `${…}` is an error.

use std::collections::BTreeSet;

use super::tree::{Node, Value};

/// What went wrong while interpolating one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// A malformed `${…}` (bad name, unknown operator, missing `}`). `near` is only the
    /// start of the reference, `${NAME` (or `${` when no name follows): never the rest of the
    /// text, which may hold a secret (a default URL with its password, a `.env` value).
    Invalid { near: String, reason: String },
    /// `${VAR:?msg}` / `${VAR?msg}` with the variable unset (or empty, for `:?`). `message`
    /// is the text after `?` as written (not interpolated: it could pull in a value).
    Required { variable: String, message: String },
}

/// The operator of a braced substitution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    /// `$VAR`, `${VAR}`
    Plain,
    /// `:-` (empty counts as unset) / `-`
    Default { colon: bool },
    /// `:?` / `?`
    Required { colon: bool },
    /// `:+` / `+`
    Alternative { colon: bool },
}

/// A piece of a template: literal text or a substitution whose word is still raw.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece<'a> {
    Lit(String),
    Var {
        name: &'a str,
        op: Op,
        word: &'a str,
    },
}

fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

/// `template` starts with `${`: the error names only `${` and the variable name after it.
fn invalid(template: &str, reason: &str) -> TemplateError {
    let name_len = match template.as_bytes().get(2) {
        Some(&c) if is_name_start(c) => template.get(2..).map_or(0, |rest| {
            rest.bytes().take_while(|&c| is_name_char(c)).count()
        }),
        _ => 0,
    };
    TemplateError::Invalid {
        near: template.get(..2 + name_len).unwrap_or("${").to_owned(),
        reason: reason.to_owned(),
    }
}

/// Splits a template into pieces. Only `${…}` syntax errors are reported here.
fn tokenize(s: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let b = s.as_bytes();
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    let mut lit_start = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        let next = b.get(i + 1).copied();
        match next {
            Some(b'$') => {
                lit.push_str(&s[lit_start..i]);
                lit.push('$');
                i += 2;
                lit_start = i;
            }
            Some(c) if is_name_start(c) => {
                lit.push_str(&s[lit_start..i]);
                let start = i + 1;
                let mut end = start;
                while end < b.len() && is_name_char(b[end]) {
                    end += 1;
                }
                flush(&mut pieces, &mut lit);
                pieces.push(Piece::Var {
                    name: &s[start..end],
                    op: Op::Plain,
                    word: "",
                });
                i = end;
                lit_start = i;
            }
            Some(b'{') => {
                lit.push_str(&s[lit_start..i]);
                let (piece, end) = braced(s, i)?;
                flush(&mut pieces, &mut lit);
                pieces.push(piece);
                i = end;
                lit_start = i;
            }
            // `$` at the end or before anything else is kept as is (compose-go v2).
            _ => i += 1,
        }
    }
    lit.push_str(&s[lit_start..]);
    flush(&mut pieces, &mut lit);
    Ok(pieces)
}

fn flush(pieces: &mut Vec<Piece<'_>>, lit: &mut String) {
    if !lit.is_empty() {
        pieces.push(Piece::Lit(std::mem::take(lit)));
    }
}

/// Parses `${…}` starting at `dollar` (the index of `$`); returns the piece and the index
/// just past the closing `}`.
fn braced(s: &str, dollar: usize) -> Result<(Piece<'_>, usize), TemplateError> {
    let b = s.as_bytes();
    let start = dollar + 2;
    let mut i = start;
    while i < b.len() && is_name_char(b[i]) {
        i += 1;
    }
    let name = &s[start..i];
    let close = find_close(s, i).ok_or_else(|| invalid(&s[dollar..], "missing closing `}`"))?;
    let whole = &s[dollar..=close];
    if name.is_empty() || !is_name_start(b[start]) {
        return Err(invalid(
            whole,
            "a variable name must start with a letter or `_`",
        ));
    }
    let colon = b.get(i) == Some(&b':');
    let op_at = if colon { i + 1 } else { i };
    let (op, word_start) = match b.get(op_at) {
        Some(b'}') if !colon => (Op::Plain, op_at),
        Some(b'-') => (Op::Default { colon }, op_at + 1),
        Some(b'?') => (Op::Required { colon }, op_at + 1),
        Some(b'+') => (Op::Alternative { colon }, op_at + 1),
        _ => {
            return Err(invalid(
                whole,
                "expected `}`, `:-`, `-`, `:?`, `?`, `:+` or `+` after the variable name",
            ));
        }
    };
    let word = if word_start <= close {
        &s[word_start..close]
    } else {
        ""
    };
    Ok((Piece::Var { name, op, word }, close + 1))
}

/// Index of the `}` closing a substitution whose body starts at `from`, skipping nested
/// `${…}` and `$$`.
fn find_close(s: &str, from: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'$') => i += 2,
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => {
                depth -= 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// Interpolates `input`. `lookup` returns a variable's value (`None` = unset). Variables
/// that are unset and have no default become `""` and are added to `unset` (the caller warns).
pub fn interpolate(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut BTreeSet<String>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(input.len());
    for piece in tokenize(input)? {
        match piece {
            Piece::Lit(text) => out.push_str(&text),
            Piece::Var { name, op, word } => {
                let value = lookup(name);
                let set = value.is_some();
                let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
                match op {
                    Op::Plain => match value {
                        Some(v) => out.push_str(&v),
                        None => {
                            unset.insert(name.to_owned());
                        }
                    },
                    Op::Default { colon } => {
                        let use_value = if colon { non_empty } else { set };
                        match value {
                            Some(v) if use_value => out.push_str(&v),
                            _ => out.push_str(&interpolate(word, lookup, unset)?),
                        }
                    }
                    Op::Required { colon } => {
                        let ok = if colon { non_empty } else { set };
                        match value {
                            Some(v) if ok => out.push_str(&v),
                            _ => {
                                return Err(TemplateError::Required {
                                    variable: name.to_owned(),
                                    message: word.to_owned(),
                                });
                            }
                        }
                    }
                    Op::Alternative { colon } => {
                        let use_alt = if colon { non_empty } else { set };
                        if use_alt {
                            out.push_str(&interpolate(word, lookup, unset)?);
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The variables `input` needs without a default: `$VAR`, `${VAR}`, `${VAR:?…}`, `${VAR?…}`.
/// Variables with a default or alternative (`:-`, `-`, `:+`, `+`), and those only inside such
/// words, are not required.
pub fn required_variables(input: &str) -> Result<BTreeSet<String>, TemplateError> {
    let mut names = BTreeSet::new();
    for piece in tokenize(input)? {
        if let Piece::Var {
            name,
            op: Op::Plain | Op::Required { .. },
            ..
        } = piece
        {
            names.insert(name.to_owned());
        }
    }
    Ok(names)
}

/// Where a template error happened in a YAML tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeError {
    /// Dotted path, e.g. `services.api.environment.DATABASE_URL`.
    pub path: String,
    pub line: u64,
    pub col: u64,
    pub error: TemplateError,
}

/// Interpolates every string value of a YAML tree in place (keys are left alone, like Compose).
pub fn interpolate_tree(
    node: &mut Node,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut BTreeSet<String>,
) -> Result<(), TreeError> {
    walk(node, &mut String::new(), &mut |path, node| {
        if let Value::Str(s) = &mut node.value {
            *s = interpolate(s, lookup, unset).map_err(|error| TreeError {
                path: path.to_owned(),
                line: node.pos.line,
                col: node.pos.col,
                error,
            })?;
        }
        Ok(())
    })
}

/// The variables used without a default anywhere in the string values of a tree.
pub fn tree_required_variables(node: &Node) -> Result<BTreeSet<String>, TreeError> {
    let mut names = BTreeSet::new();
    let mut copy = node.clone();
    walk(&mut copy, &mut String::new(), &mut |path, node| {
        if let Value::Str(s) = &node.value {
            let found = required_variables(s).map_err(|error| TreeError {
                path: path.to_owned(),
                line: node.pos.line,
                col: node.pos.col,
                error,
            })?;
            names.extend(found);
        }
        Ok(())
    })?;
    Ok(names)
}

/// Calls `f` on every node, depth first, with its dotted path.
fn walk(
    node: &mut Node,
    path: &mut String,
    f: &mut dyn FnMut(&str, &mut Node) -> Result<(), TreeError>,
) -> Result<(), TreeError> {
    f(path, node)?;
    let len = path.len();
    match &mut node.value {
        Value::Seq(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push_str(&format!("[{i}]"));
                walk(item, path, f)?;
                path.truncate(len);
            }
        }
        Value::Map(entries) => {
            for (key, value) in entries.iter_mut() {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                walk(value, path, f)?;
                path.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// Interpolates with `vars`, returning the result and the unset names.
    fn run(input: &str, vars: &[(&str, &str)]) -> (Result<String, TemplateError>, Vec<String>) {
        let map = env(vars);
        let lookup = |k: &str| map.get(k).cloned();
        let mut unset = BTreeSet::new();
        let out = interpolate(input, &lookup, &mut unset);
        (out, unset.into_iter().collect())
    }

    fn ok(input: &str, vars: &[(&str, &str)]) -> String {
        match run(input, vars).0 {
            Ok(s) => s,
            Err(e) => panic!("{input:?} failed: {e:?}"),
        }
    }

    #[test]
    fn plain_forms_and_unset_warnings() {
        assert_eq!(ok("$A-${B}x", &[("A", "1"), ("B", "2")]), "1-2x");
        assert_eq!(ok("pre${A}post", &[("A", "mid")]), "premidpost");
        let (out, unset) = run("x${NOPE}y$ALSO_NOPE", &[]);
        assert_eq!(out, Ok("xy".to_owned()));
        assert_eq!(unset, vec!["ALSO_NOPE".to_owned(), "NOPE".to_owned()]);
    }

    #[test]
    fn default_forms_distinguish_empty_and_unset() {
        let vars = [("EMPTY", ""), ("SET", "v")];
        assert_eq!(ok("${EMPTY:-d}", &vars), "d");
        assert_eq!(ok("${EMPTY-d}", &vars), "");
        assert_eq!(ok("${UNSET-d}", &vars), "d");
        assert_eq!(ok("${UNSET:-d}", &vars), "d");
        assert_eq!(ok("${SET:-d}", &vars), "v");
        assert_eq!(ok("${UNSET:-}", &vars), "");
        // A default never triggers an unset warning.
        assert!(run("${UNSET:-d}", &vars).1.is_empty());
    }

    #[test]
    fn alternative_forms() {
        let vars = [("EMPTY", ""), ("SET", "v")];
        assert_eq!(ok("${SET:+alt}", &vars), "alt");
        assert_eq!(ok("${EMPTY:+alt}", &vars), "");
        assert_eq!(ok("${EMPTY+alt}", &vars), "alt");
        assert_eq!(ok("${UNSET+alt}", &vars), "");
    }

    #[test]
    fn required_forms_error_with_variable_and_message() {
        let vars = [("EMPTY", "")];
        assert_eq!(
            run("${UNSET:?set UNSET first}", &vars).0,
            Err(TemplateError::Required {
                variable: "UNSET".to_owned(),
                message: "set UNSET first".to_owned()
            })
        );
        assert!(matches!(
            run("${EMPTY:?e}", &vars).0,
            Err(TemplateError::Required { ref variable, .. }) if variable == "EMPTY"
        ));
        assert_eq!(ok("${EMPTY?e}", &vars), "");
        assert_eq!(ok("${X:?e}", &[("X", "ok")]), "ok");
    }

    #[test]
    fn nesting_in_defaults() {
        assert_eq!(ok("${A:-${B:-${C}}}", &[("C", "deep")]), "deep");
        assert_eq!(ok("${A:-x-${B}-y}", &[("B", "b")]), "x-b-y");
        assert_eq!(ok("${A:-${B}}", &[("A", "a")]), "a");
        assert_eq!(ok("${A:+[${B}]}", &[("A", "1"), ("B", "b")]), "[b]");
        assert_eq!(ok("${A:-{literal}", &[]), "{literal");
    }

    #[test]
    fn dollar_escapes_and_lone_dollars() {
        assert_eq!(ok("$$HOME", &[("HOME", "/h")]), "$HOME");
        assert_eq!(ok("a$$$$b", &[]), "a$$b");
        assert_eq!(ok("$${A}", &[("A", "x")]), "${A}");
        assert_eq!(ok("cost: 5$ $1 $", &[]), "cost: 5$ $1 $");
        assert_eq!(ok("${A:-$$}", &[]), "$");
    }

    #[test]
    fn malformed_braces_are_errors() {
        for bad in ["${", "${A", "${A:-x", "${1A}", "${}", "${A:x}", "${A B}"] {
            assert!(
                matches!(run(bad, &[]).0, Err(TemplateError::Invalid { .. })),
                "{bad:?} should be invalid"
            );
        }
    }

    #[test]
    fn errors_never_quote_the_text_around_the_variable() {
        let secret = "Canary-9f3e%21pw";
        for (bad, near) in [
            (format!("${{X:-postgres://app:{secret}@db/app"), "${X"),
            (format!("{secret}${{"), "${"),
            (format!("${{X {secret}}}"), "${X"),
            (format!("${{1{secret}}}"), "${"),
        ] {
            match run(&bad, &[("X", secret)]).0 {
                Err(TemplateError::Invalid { near: got, reason }) => {
                    assert_eq!(got, near, "{bad}");
                    assert!(!reason.contains("Canary"), "{bad}: {reason}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        // The `:?` message is shown as written: a variable in it is not expanded.
        assert_eq!(
            run("${NEED:?see $SECRET}", &[("SECRET", secret)]).0,
            Err(TemplateError::Required {
                variable: "NEED".to_owned(),
                message: "see $SECRET".to_owned()
            })
        );
    }

    #[test]
    fn required_variables_skip_defaults() {
        let names = match required_variables(
            "$A ${B} ${C:?e} ${D?e} ${E:-x} ${F-x} ${G:+x} ${H+x} ${I:-${J}} $$K",
        ) {
            Ok(n) => n,
            Err(e) => panic!("{e:?}"),
        };
        let got: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(got, vec!["A", "B", "C", "D"]);
    }

    #[test]
    fn tree_interpolation_reports_path_and_position() {
        let mut node = match super::super::tree::parse(
            std::path::Path::new("c.yml"),
            "services:\n  api:\n    image: ${IMG}\n    environment:\n      - X=${BAD\n",
        ) {
            Ok(n) => n,
            Err(e) => panic!("{e}"),
        };
        let map = env(&[("IMG", "app:1")]);
        let lookup = |k: &str| map.get(k).cloned();
        let mut unset = BTreeSet::new();
        let err = match interpolate_tree(&mut node, &lookup, &mut unset) {
            Ok(()) => panic!("should fail"),
            Err(e) => e,
        };
        assert_eq!(err.path, "services.api.environment[0]");
        assert_eq!((err.line, err.col), (5, 9));
        let image = node
            .get("services")
            .and_then(|s| s.get("api"))
            .and_then(|a| a.get("image"));
        assert_eq!(
            image.map(|n| &n.value),
            Some(&Value::Str("app:1".to_owned()))
        );
    }
}
