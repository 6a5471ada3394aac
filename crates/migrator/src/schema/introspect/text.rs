//! Catalog values in PostgreSQL's text output format (what the simple query protocol returns),
//! decoded exactly: one-dimensional arrays with quoted elements, backslash escapes and
//! unquoted `NULL` (a quoted `"NULL"` is the string).

/// A Rust value read from one column of a catalog row; `None` is SQL NULL.
pub(super) trait Field: Sized {
    fn from_text(text: Option<&str>) -> Result<Self, String>;
}

fn required(text: Option<&str>) -> Result<&str, String> {
    text.ok_or_else(|| "unexpected NULL".to_string())
}

impl Field for String {
    fn from_text(text: Option<&str>) -> Result<Self, String> {
        required(text).map(str::to_string)
    }
}

impl Field for bool {
    fn from_text(text: Option<&str>) -> Result<Self, String> {
        match required(text)? {
            "t" => Ok(true),
            "f" => Ok(false),
            other => Err(format!("expected a boolean, got {other:?}")),
        }
    }
}

impl Field for i64 {
    fn from_text(text: Option<&str>) -> Result<Self, String> {
        let t = required(text)?;
        t.parse()
            .map_err(|_| format!("expected an integer, got {t:?}"))
    }
}

impl Field for i32 {
    fn from_text(text: Option<&str>) -> Result<Self, String> {
        let t = required(text)?;
        t.parse()
            .map_err(|_| format!("expected an integer, got {t:?}"))
    }
}

impl<T: Field> Field for Option<T> {
    fn from_text(text: Option<&str>) -> Result<Self, String> {
        text.map(|t| T::from_text(Some(t))).transpose()
    }
}

impl Field for Vec<String> {
    fn from_text(text: Option<&str>) -> Result<Self, String> {
        array(required(text)?)?
            .into_iter()
            .map(|e| e.ok_or_else(|| "unexpected NULL element in an array".to_string()))
            .collect()
    }
}

impl Field for Vec<i32> {
    fn from_text(text: Option<&str>) -> Result<Self, String> {
        array(required(text)?)?
            .into_iter()
            .map(|e| i32::from_text(e.as_deref()))
            .collect()
    }
}

/// A one-dimensional array literal as PostgreSQL's `array_out` writes it: `{a,"b c",NULL}`.
fn array(text: &str) -> Result<Vec<Option<String>>, String> {
    let bad = |why: &str| format!("{why} in array {text:?}");
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| bad("expected braces"))?;
    let mut out = Vec::new();
    if inner.is_empty() {
        return Ok(out);
    }
    let mut chars = inner.chars().peekable();
    loop {
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('\\') => value.push(chars.next().ok_or_else(|| bad("dangling escape"))?),
                    Some('"') => break,
                    Some(c) => value.push(c),
                    None => return Err(bad("unterminated quote")),
                }
            }
            out.push(Some(value));
        } else {
            while let Some(&c) = chars.peek() {
                match c {
                    ',' => break,
                    '{' | '}' | '"' | '\\' => return Err(bad("unexpected character")),
                    _ => value.push(c),
                }
                chars.next();
            }
            out.push((!value.eq_ignore_ascii_case("NULL")).then_some(value));
        }
        match chars.next() {
            None => return Ok(out),
            Some(',') => {}
            Some(_) => return Err(bad("expected a comma")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(t: &str) -> Result<Vec<String>, String> {
        Vec::<String>::from_text(Some(t))
    }

    #[test]
    fn arrays_decode_like_array_out_writes_them() -> Result<(), String> {
        assert_eq!(strings("{}")?, Vec::<String>::new());
        assert_eq!(strings("{a,b}")?, ["a", "b"]);
        assert_eq!(
            strings(r#"{"a b","c,d","","NULL","x\"y","back\\slash","{}"}"#)?,
            ["a b", "c,d", "", "NULL", "x\"y", "back\\slash", "{}"]
        );
        assert_eq!(
            strings("{fillfactor=70,autovacuum_enabled=false}")?,
            ["fillfactor=70", "autovacuum_enabled=false"]
        );
        assert_eq!(strings("{é,日本}")?, ["é", "日本"]);
        assert_eq!(array("{NULL,a,null}")?, [None, Some("a".to_string()), None]);
        Ok(())
    }

    #[test]
    fn malformed_arrays_and_nulls_are_errors() -> Result<(), String> {
        for bad in [
            "",
            "a",
            "{a",
            r#"{"a}"#,
            "{a\"b}",
            "{{a}}",
            r#"{"a"b}"#,
            "[0:1]={a,b}",
        ] {
            assert!(strings(bad).is_err(), "{bad}");
        }
        assert!(
            strings("{a,NULL}")
                .err()
                .unwrap_or_default()
                .contains("NULL")
        );
        assert!(
            String::from_text(None)
                .err()
                .unwrap_or_default()
                .contains("NULL")
        );
        Ok(())
    }

    #[test]
    fn scalars_decode() -> Result<(), String> {
        assert_eq!(Option::<i64>::from_text(None)?, None);
        assert_eq!(i64::from_text(Some("-9223372036854775808"))?, i64::MIN);
        assert_eq!(i32::from_text(Some("42"))?, 42);
        assert_eq!(Vec::<i32>::from_text(Some("{3,1,-2}"))?, [3, 1, -2]);
        assert!(Vec::<i32>::from_text(Some("{1,NULL}")).is_err());
        assert!(i32::from_text(Some("4x")).is_err());
        assert!(bool::from_text(Some("t"))?);
        assert!(!bool::from_text(Some("f"))?);
        assert!(bool::from_text(Some("true")).is_err());
        assert_eq!(
            Option::<String>::from_text(Some("x"))?,
            Some("x".to_string())
        );
        Ok(())
    }
}
