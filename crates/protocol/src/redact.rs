//! Secret masking. Every URL, DSN or environment value that reaches a message goes through
//! here. A connection string may carry its password in several places, and every one is
//! masked:
//!
//! - URL userinfo: `postgres://u:secret@h/db` → `postgres://u:***@h/db`;
//! - URL query parameters whose name contains `password` (`password`, `sslpassword`, …):
//!   `postgres://u@h/db?password=secret` → `postgres://u@h/db?password=***`;
//! - key/value DSNs (libpq conninfo): `host=h password=secret` / `password='a b'` →
//!   `host=h password=***`.
//!
//! [`secrets_of`] lists the same values (as written and decoded) for [`scrub`], which removes
//! them from any other text (server messages, driver errors), raw and percent-encoded.

/// Whether a connection parameter's name says it holds a secret (`password`, `sslpassword`,
/// `PGPASSWORD`, …).
pub fn is_secret_key(key: &str) -> bool {
    key.to_ascii_lowercase().contains("password")
}

/// Masks every credential of a connection string, whatever its form (URL userinfo, URL query
/// parameters named like a password, key/value DSN). Works on strings that are not valid
/// URLs too; over-masking is fine, leaking is not.
pub fn mask_url(url: &str) -> String {
    let masked = match url.find("://") {
        Some(scheme_end) => mask_uri(url, scheme_end),
        None if url.contains('=') => mask_dsn(url),
        None => return url.to_string(),
    };
    // Whatever another reading of a malformed string would take for a password (a `?` inside
    // the userinfo starts a query for the URL parser) is gone too.
    scrub(&masked, &secrets_of(url))
}

/// Every secret value in a connection string (URL userinfo password, password-like query
/// parameters, key/value DSN passwords), both as written and decoded. For [`scrub`].
pub fn secrets_of(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    match url.find("://") {
        Some(scheme_end) => {
            let rest_start = scheme_end + 3;
            let rest = &url[rest_start..];
            if let Some((userinfo, _)) = split_userinfo(rest)
                && let Some((_, password)) = userinfo.split_once(':')
            {
                push(password.to_string());
                push(percent_decode(password));
            }
            // The query as shown (after the userinfo) and as a URL parser may read it (from
            // the first `?`, even inside what looks like a userinfo).
            let after_userinfo = split_userinfo(rest).map_or(0, |(_, at)| at);
            for part in [rest, &rest[after_userinfo..]] {
                if let Some((start, end)) = query_range(part) {
                    for (key, value) in query_pairs(&part[start..end]) {
                        if is_secret_key(&percent_decode(key)) {
                            push(value.to_string());
                            push(percent_decode(value));
                            push(percent_decode(&value.replace('+', " ")));
                        }
                    }
                }
            }
        }
        None => {
            for entry in dsn_entries(url) {
                if is_secret_key(entry.key) {
                    push(url[entry.value.0..entry.value.1].to_string());
                    // libpq does not decode `%`, but the same password may be shown
                    // decoded elsewhere: scrub that spelling too.
                    push(percent_decode(&entry.unescaped));
                    push(entry.unescaped);
                }
            }
        }
    }
    out
}

/// The password of a URL (percent-decoded), if it has one in its userinfo.
pub fn url_password(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let raw = parsed.password()?;
    Some(percent_decode(raw))
}

/// Replaces every occurrence of each secret (raw and percent-encoded) in `text` by `***`.
/// Used on messages that may quote a URL or a value we know is secret (e.g. Postgres errors).
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    // Longest first: a secret that contains another is replaced whole.
    let mut sorted: Vec<&String> = secrets.iter().filter(|s| s.len() >= 3).collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in sorted {
        out = out.replace(secret.as_str(), "***");
        let encoded = percent_encode(secret);
        if encoded != *secret {
            out = out.replace(encoded.as_str(), "***");
        }
    }
    out
}

/// `scheme://[userinfo@]host…[?query][#fragment]` with the userinfo password and the
/// password-like query values masked.
fn mask_uri(url: &str, scheme_end: usize) -> String {
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let mut out = url[..rest_start].to_string();
    let after_userinfo = match split_userinfo(rest) {
        Some((userinfo, at)) => {
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            at
        }
        None => 0,
    };
    let tail = &rest[after_userinfo..];
    match query_range(tail) {
        Some((start, end)) => {
            out.push_str(&tail[..start]);
            out.push_str(&mask_query(&tail[start..end]));
            out.push_str(&tail[end..]);
        }
        None => out.push_str(tail),
    }
    out
}

/// The userinfo of the part after `scheme://` and the index of its `@`. The userinfo ends
/// at the last `@` before the query or fragment that follows the first `@`: a raw `@`, `/`,
/// `?` or `#` inside a password then still ends up masked.
fn split_userinfo(rest: &str) -> Option<(&str, usize)> {
    let first_at = rest.find('@')?;
    let query_start = rest[first_at..]
        .find(['?', '#'])
        .map_or(rest.len(), |i| first_at + i);
    let at = rest[..query_start].rfind('@')?;
    Some((&rest[..at], at))
}

/// The query's byte range in `tail` (after `?`, before `#`), if there is one.
fn query_range(tail: &str) -> Option<(usize, usize)> {
    let q = tail.find('?')?;
    if tail.find('#').is_some_and(|h| h < q) {
        return None;
    }
    let start = q + 1;
    let end = tail[start..].find('#').map_or(tail.len(), |h| start + h);
    Some((start, end))
}

/// `key=value` pairs of a query string, as written.
fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
}

fn mask_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if is_secret_key(&percent_decode(key)) => format!("{key}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// One `key=value` of a libpq key/value connection string.
struct DsnEntry<'a> {
    key: &'a str,
    /// Byte range of the value as written (quotes included).
    value: (usize, usize),
    /// The value with quotes and backslash escapes removed.
    unescaped: String,
}

/// The entries of a key/value DSN (`host=h password='a b' dbname=x`). Stops at the first
/// thing that is not `key = value`; an unterminated quoted value runs to the end.
fn dsn_entries(dsn: &str) -> Vec<DsnEntry<'_>> {
    let b = dsn.as_bytes();
    let mut entries = Vec::new();
    let mut i = 0;
    let skip_ws = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    loop {
        i = skip_ws(i);
        if i >= b.len() {
            break;
        }
        let key_start = i;
        while i < b.len() && b[i] != b'=' && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &dsn[key_start..i];
        i = skip_ws(i);
        if i >= b.len() || b[i] != b'=' {
            break;
        }
        i = skip_ws(i + 1);
        let value_start = i;
        let mut unescaped = Vec::new();
        if i < b.len() && b[i] == b'\'' {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                unescaped.push(b[i]);
                i += 1;
            }
            i = (i + 1).min(b.len());
        } else {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                if b[i] == b'\\' && i + 1 < b.len() {
                    i += 1;
                }
                unescaped.push(b[i]);
                i += 1;
            }
        }
        entries.push(DsnEntry {
            key,
            value: (value_start, i),
            unescaped: String::from_utf8_lossy(&unescaped).into_owned(),
        });
    }
    entries
}

/// A key/value DSN with every password-like value replaced by `***`. Text after the part
/// that parses is kept only when no secret key was seen (else it is masked too).
fn mask_dsn(dsn: &str) -> String {
    let mut out = String::with_capacity(dsn.len());
    let mut last = 0;
    for entry in dsn_entries(dsn) {
        if is_secret_key(entry.key) {
            out.push_str(&dsn[last..entry.value.0]);
            out.push_str("***");
            last = entry.value.1;
        }
    }
    out.push_str(&dsn[last..]);
    // Whatever did not parse as `key=value` after a password key might still hold one:
    // `password = a b` (unquoted space) leaves `b` as junk. Mask such a tail.
    let lower = dsn.to_ascii_lowercase();
    if lower.contains("password")
        && !dsn_fully_parsed(dsn)
        && let Some(i) = out.to_ascii_lowercase().find("password")
    {
        out.truncate(i);
        out.push_str("password=***");
    }
    out
}

/// Whether the whole string is a sequence of `key=value` entries.
fn dsn_fully_parsed(dsn: &str) -> bool {
    let entries = dsn_entries(dsn);
    let end = entries.last().map_or(0, |e| e.value.1);
    dsn[end..].trim().is_empty()
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(v) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
#[path = "redact_tests.rs"]
mod tests;
