//! `-- admin:renamed-from <old>` directives in schema.sql. A small scanner of comments, strings
//! and parentheses (no SQL parser): it finds `CREATE TABLE name (` headers and the first word
//! of each element inside them, and attaches a directive to the element on the same line (or,
//! for a directive alone on its line, to the next element).

use std::collections::BTreeMap;

use super::SchemaError;
use super::model::QName;

const DIRECTIVE: &str = "admin:renamed-from";

/// Renames declared in schema.sql.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Renames {
    /// New table → old table.
    pub tables: BTreeMap<QName, QName>,
    /// (new table, new column) → old column.
    pub columns: BTreeMap<(QName, String), String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Punct(char),
    Comment(String),
}

/// Tokens with their 1-based line.
fn tokens(sql: &str) -> Vec<(usize, Tok)> {
    let chars: Vec<char> = sql.chars().collect();
    let (mut i, mut line, mut out) = (0, 1, Vec::new());
    let count_lines = |s: &[char]| s.iter().filter(|c| **c == '\n').count();
    while i < chars.len() {
        let c = chars[i];
        let start_line = line;
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            let end = chars[i..]
                .iter()
                .position(|c| *c == '\n')
                .map_or(chars.len(), |p| i + p);
            out.push((start_line, Tok::Comment(chars[i + 2..end].iter().collect())));
            i = end;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let mut depth = 0usize;
            let mut j = i;
            while j < chars.len() {
                if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            line += count_lines(&chars[i..j.min(chars.len())]);
            i = j;
        } else if c == '\'' || c == '"' {
            let mut j = i + 1;
            let mut text = String::new();
            while j < chars.len() {
                if chars[j] == c {
                    if chars.get(j + 1) == Some(&c) {
                        text.push(c);
                        j += 2;
                        continue;
                    }
                    break;
                }
                text.push(chars[j]);
                j += 1;
            }
            line += count_lines(&chars[i..j.min(chars.len())]);
            if c == '"' {
                out.push((start_line, Tok::Quoted(text)));
            } else {
                out.push((start_line, Tok::Punct('\'')));
            }
            i = j + 1;
        } else if c == '$'
            && let Some(tag_end) = dollar_tag(&chars, i)
        {
            let tag: String = chars[i..=tag_end].iter().collect();
            let body_start = tag_end + 1;
            let rest: String = chars[body_start..].iter().collect();
            let end = rest.find(&tag).map_or(chars.len(), |p| {
                body_start + rest[..p].chars().count() + tag.chars().count()
            });
            line += count_lines(&chars[i..end.min(chars.len())]);
            out.push((start_line, Tok::Punct('$')));
            i = end;
        } else if c.is_alphanumeric() || c == '_' {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == '$')
            {
                j += 1;
            }
            out.push((
                start_line,
                Tok::Word(chars[i..j].iter().collect::<String>().to_lowercase()),
            ));
            i = j;
        } else {
            out.push((start_line, Tok::Punct(c)));
            i += 1;
        }
    }
    out
}

/// The end index of a `$tag$` opening at `i`, if it is one.
fn dollar_tag(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
        j += 1;
    }
    (chars.get(j) == Some(&'$') && !chars.get(i + 1).is_some_and(|c| c.is_ascii_digit()))
        .then_some(j)
}

fn name_of(t: &Tok) -> Option<String> {
    match t {
        Tok::Word(w) => Some(w.clone()),
        Tok::Quoted(q) => Some(q.clone()),
        _ => None,
    }
}

/// Parses `old` or `schema.old` (quotes allowed) from a directive's argument.
fn parse_old(arg: &str) -> Option<(Option<String>, String)> {
    let toks: Vec<Tok> = tokens(arg).into_iter().map(|(_, t)| t).collect();
    match toks.as_slice() {
        [a] => Some((None, name_of(a)?)),
        [a, Tok::Punct('.'), b] => Some((Some(name_of(a)?), name_of(b)?)),
        _ => None,
    }
}

enum Element {
    Table(QName),
    Column(QName, String),
}

/// Reads the directives of `sql` (from `path`, for messages).
pub fn parse(path: &str, sql: &str) -> Result<Renames, SchemaError> {
    // Every directive is a comment starting with the marker: without it, nothing to scan for.
    if !sql.contains(DIRECTIVE) {
        return Ok(Renames::default());
    }
    let toks = tokens(sql);
    let mut elements: Vec<(usize, Element)> = Vec::new();
    let mut directives: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    let mut stmt_start = true;
    while i < toks.len() {
        let (line, t) = &toks[i];
        match t {
            Tok::Comment(c) => {
                if let Some(arg) = c.trim().strip_prefix(DIRECTIVE) {
                    directives.push((*line, arg.trim().to_string()));
                }
                i += 1;
                continue;
            }
            Tok::Punct(';') => {
                stmt_start = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        if !stmt_start {
            i += 1;
            continue;
        }
        stmt_start = false;
        // CREATE [UNLOGGED] TABLE [IF NOT EXISTS] name (
        let words: Vec<(usize, &Tok)> = toks[i..]
            .iter()
            .filter(|(_, t)| !matches!(t, Tok::Comment(_)))
            .take(10)
            .map(|(l, t)| (*l, t))
            .collect();
        let w = |k: usize| {
            words.get(k).and_then(|(_, t)| {
                if let Tok::Word(w) = t {
                    Some(w.as_str())
                } else {
                    None
                }
            })
        };
        if w(0) != Some("create") {
            i += 1;
            continue;
        }
        let mut k = 1;
        if w(k) == Some("unlogged") {
            k += 1;
        }
        if w(k) != Some("table") {
            i += 1;
            continue;
        }
        k += 1;
        if w(k) == Some("if") && w(k + 1) == Some("not") && w(k + 2) == Some("exists") {
            k += 3;
        }
        let Some(first) = words.get(k).and_then(|(_, t)| name_of(t)) else {
            i += 1;
            continue;
        };
        let header_line = words[k].0;
        let table = if matches!(words.get(k + 1), Some((_, Tok::Punct('.')))) {
            match words.get(k + 2).and_then(|(_, t)| name_of(t)) {
                Some(n) => QName::new(&first, &n),
                None => QName::new("public", &first),
            }
        } else {
            QName::new("public", &first)
        };
        elements.push((header_line, Element::Table(table.clone())));
        // Walk to the opening parenthesis, then the elements at depth 1.
        while i < toks.len() && toks[i].1 != Tok::Punct('(') {
            if let Tok::Comment(c) = &toks[i].1
                && let Some(arg) = c.trim().strip_prefix(DIRECTIVE)
            {
                directives.push((toks[i].0, arg.trim().to_string()));
            }
            i += 1;
        }
        let mut depth = 0usize;
        let mut expect_element = true;
        while i < toks.len() {
            let (line, t) = &toks[i];
            match t {
                Tok::Punct('(') => {
                    depth += 1;
                }
                Tok::Punct(')') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                Tok::Punct(',') if depth == 1 => expect_element = true,
                Tok::Comment(c) => {
                    if let Some(arg) = c.trim().strip_prefix(DIRECTIVE) {
                        directives.push((*line, arg.trim().to_string()));
                    }
                }
                _ if depth == 1 && expect_element => {
                    expect_element = false;
                    let keyword = matches!(t, Tok::Word(w) if ["constraint", "primary", "unique", "check", "foreign", "exclude", "like"].contains(&w.as_str()));
                    if !keyword && let Some(col) = name_of(t) {
                        elements.push((*line, Element::Column(table.clone(), col)));
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    let mut renames = Renames::default();
    for (line, arg) in directives {
        let Some((schema, old)) = parse_old(&arg) else {
            return Err(SchemaError::Rename {
                file: crate::error::schema_ref(path).at(line, 1),
                message: format!("cannot read the old name in `-- {DIRECTIVE} {arg}`"),
            });
        };
        let target = elements
            .iter()
            .rev()
            .find(|(l, _)| *l == line)
            .or_else(|| elements.iter().find(|(l, _)| *l > line));
        match target {
            Some((_, Element::Table(t))) => {
                let old = QName::new(schema.as_deref().unwrap_or(&t.schema), &old);
                renames.tables.insert(t.clone(), old);
            }
            Some((_, Element::Column(t, c))) => {
                renames.columns.insert((t.clone(), c.clone()), old);
            }
            None => {
                return Err(SchemaError::Rename {
                    file: crate::error::schema_ref(path).at(line, 1),
                    message: format!(
                        "`-- {DIRECTIVE} {arg}` is not on a CREATE TABLE line or a column line"
                    ),
                });
            }
        }
    }
    Ok(renames)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_column_directives() {
        let sql = "-- accounts\nCREATE TABLE app.people ( -- admin:renamed-from users\n  id int PRIMARY KEY,\n  \"Full Name\" text, -- admin:renamed-from name\n  -- admin:renamed-from mail\n  email text,\n  CONSTRAINT c CHECK (id > 0)\n);\nCREATE TABLE t (x int -- admin:renamed-from \"Y\"\n);\n";
        let r = parse("schema.sql", sql).map_err(|e| e.to_string());
        let r = r.as_ref().map(|r| (r.tables.clone(), r.columns.clone()));
        let mut tables = BTreeMap::new();
        tables.insert(QName::new("app", "people"), QName::new("app", "users"));
        let mut cols = BTreeMap::new();
        cols.insert(
            (QName::new("app", "people"), "Full Name".to_string()),
            "name".to_string(),
        );
        cols.insert(
            (QName::new("app", "people"), "email".to_string()),
            "mail".to_string(),
        );
        cols.insert(
            (QName::new("public", "t"), "x".to_string()),
            "Y".to_string(),
        );
        assert_eq!(r, Ok((tables, cols)));
    }

    #[test]
    fn strings_and_bodies_do_not_confuse_the_scanner() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; -- admin:renamed-from nope\n $$ LANGUAGE sql;\nCREATE TABLE a (s text DEFAULT 'x, y -- admin:renamed-from no', n int);\n";
        let r = parse("s.sql", sql).map_err(|e| e.to_string());
        assert_eq!(r.map(|r| r.columns.len() + r.tables.len()), Ok(0));
    }

    #[test]
    fn stray_directive_is_an_error_naming_the_line() {
        let e = parse("s.sql", "SELECT 1;\n-- admin:renamed-from x\n")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("s.sql:2:"), "{e}");
        let e = parse("s.sql", "CREATE TABLE a (b int -- admin:renamed-from\n);")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("cannot read the old name"), "{e}");
    }
}
