//! Secret masking. Every URL or environment value that reaches a message goes through here.

/// Masks the password of a connection URL: `postgres://u:secret@h/db` → `postgres://u:***@h/db`.
/// Works on strings that are not valid URLs too (it only looks at `scheme://userinfo@`).
pub fn mask_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    // The userinfo ends at the last '@' before the query/fragment: an unencoded '@' or '/'
    // inside a password then still ends up masked (over-masking is fine, leaking is not).
    let query_start = rest.find(['?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..query_start].rfind('@') else {
        return url.to_string();
    };
    let userinfo = &rest[..at];
    let masked_userinfo = match userinfo.find(':') {
        Some(colon) => format!("{}:***", &userinfo[..colon]),
        None => userinfo.to_string(),
    };
    format!("{}{}{}", &url[..rest_start], masked_userinfo, &rest[at..])
}

/// Replaces every occurrence of each secret (raw and percent-encoded) in `text` by `***`.
/// Used on messages that may quote a URL or a value we know is secret (e.g. Postgres errors).
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 3) {
        out = out.replace(secret.as_str(), "***");
        let encoded = percent_encode(secret);
        if encoded != *secret {
            out = out.replace(encoded.as_str(), "***");
        }
    }
    out
}

/// The password of a URL (percent-decoded), if it has one.
pub fn url_password(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let raw = parsed.password()?;
    Some(percent_decode(raw))
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
mod tests {
    use super::*;

    #[test]
    fn masks_password() {
        assert_eq!(
            mask_url("postgres://app:s3cr%40t@db:5432/app?sslmode=disable"),
            "postgres://app:***@db:5432/app?sslmode=disable"
        );
        assert_eq!(mask_url("postgres://app@db/app"), "postgres://app@db/app");
        assert_eq!(mask_url("postgres://db/app"), "postgres://db/app");
        assert_eq!(mask_url("not a url"), "not a url");
    }

    #[test]
    fn masks_password_with_at_and_slash() {
        // An unencoded '@' or '/' in the password must not leak any part of it.
        let masked = mask_url("postgres://u:pa@ss/wo@rd@host/db");
        assert!(
            !masked.contains("pa@ss") && !masked.contains("wo@rd"),
            "{masked}"
        );
        assert!(masked.ends_with("@host/db"), "{masked}");
    }

    #[test]
    fn scrubs_raw_and_encoded() {
        let secrets = vec!["p@ss:w/rd".to_string()];
        let text = "failed for p@ss:w/rd and p%40ss%3Aw%2Frd";
        assert_eq!(scrub(text, &secrets), "failed for *** and ***");
    }

    #[test]
    fn decodes_password() {
        assert_eq!(
            url_password("postgres://u:p%40ss@h/db").as_deref(),
            Some("p@ss")
        );
        assert_eq!(url_password("postgres://u@h/db"), None);
    }
}
