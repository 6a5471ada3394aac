use super::*;

const CANARY: &str = "Canary-9f3e%21pw";

/// No form of the canary (as written, decoded, percent-encoded) is in `text`.
fn clean(text: &str) -> bool {
    ![
        "Canary-9f3e%21pw",
        "Canary-9f3e%2521pw",
        "Canary-9f3e!pw",
        "9f3e",
    ]
    .iter()
    .any(|c| text.contains(c))
}

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
    // A raw `?` or `#` in the password, and an `@` in a query value after a real host.
    let masked = mask_url("postgres://u:a?b#c@host/db");
    assert_eq!(masked, "postgres://u:***@host/db");
    let masked = mask_url("postgres://u:p@host/db?application_name=a@b");
    assert_eq!(masked, "postgres://u:***@host/db?application_name=a@b");
}

#[test]
fn masks_query_passwords() {
    let cases = [
        (
            "postgres://u@h/db?password=Canary-9f3e%21pw",
            "postgres://u@h/db?password=***",
        ),
        (
            "postgres://u@h/db?sslmode=require&sslpassword=Canary-9f3e%21pw&x=1",
            "postgres://u@h/db?sslmode=require&sslpassword=***&x=1",
        ),
        (
            "postgresql://h/db?user=u&PassWord=Canary-9f3e%21pw#frag",
            "postgresql://h/db?user=u&PassWord=***#frag",
        ),
        (
            "postgres://u:Canary-9f3e%21pw@h/db?my_password_file=Canary-9f3e%21pw",
            "postgres://u:***@h/db?my_password_file=***",
        ),
        // The key percent-encoded.
        (
            "postgres://u@h/db?pass%77ord=Canary-9f3e%21pw",
            "postgres://u@h/db?pass%77ord=***",
        ),
    ];
    for (url, want) in cases {
        assert_eq!(mask_url(url), want, "{url}");
        let secrets = secrets_of(url);
        assert!(secrets.iter().any(|s| s == CANARY), "{url}: {secrets:?}");
        assert!(
            secrets.iter().any(|s| s == "Canary-9f3e!pw"),
            "{url}: {secrets:?}"
        );
    }
}

#[test]
fn a_query_inside_what_looks_like_userinfo_is_masked_too() {
    // A URL parser reads `?password=…@h/db` as the query: the password is `secret@h/db`.
    let url = "postgres://u?password=Canary-9f3e%21pw@h/db";
    let masked = mask_url(url);
    assert!(clean(&masked), "{masked}");
    // Found by `just fuzz` (mask_url): the same string read both ways.
    let url = ":////://:4?wodd@'password='{pas-s~word'=or";
    let masked = mask_url(url);
    assert!(!masked.contains("{pas-s~word"), "{masked}");
}

#[test]
fn masks_key_value_dsns() {
    let cases = [
        (
            "host=db user=app password=Canary-9f3e%21pw dbname=app",
            "host=db user=app password=*** dbname=app",
        ),
        (
            "host=db password='Canary-9f3e%21pw with space' dbname=app",
            "host=db password=*** dbname=app",
        ),
        (
            "host=db password = 'it\\'s Canary-9f3e%21pw' sslpassword=Canary-9f3e%21pw",
            "host=db password = *** sslpassword=***",
        ),
        // Unterminated quote: everything after the key is masked.
        (
            "host=db password='Canary-9f3e%21pw dbname=app",
            "host=db password=***",
        ),
        // An unquoted space (libpq would refuse it): the rest is masked, not half shown.
        (
            "host=db password=Canary-9f3e%21pw Canary-9f3e%21pw",
            "host=db password=***",
        ),
    ];
    for (dsn, want) in cases {
        assert_eq!(mask_url(dsn), want, "{dsn}");
        assert!(clean(&mask_url(dsn)), "{dsn}");
        let secrets = secrets_of(dsn);
        let text = format!("server said: {dsn}");
        assert!(clean(&scrub(&text, &secrets)), "{dsn}: {secrets:?}");
    }
    // Quoted values are unescaped for scrubbing.
    assert!(
        secrets_of("password='a\\'b c'")
            .iter()
            .any(|s| s == "a'b c")
    );
    assert_eq!(mask_url("host=db dbname=app"), "host=db dbname=app");
}

#[test]
fn every_form_scrubs_every_encoding() {
    let forms = [
        format!("postgres://app:{CANARY}@db/app"),
        format!("postgres://app@db/app?password={CANARY}"),
        format!("postgres://app@db/app?sslpassword={CANARY}"),
        format!("host=db user=app password={CANARY}"),
        format!("host=db user=app password='{CANARY}'"),
    ];
    for form in &forms {
        let secrets = secrets_of(form);
        let text = format!(
            "{} failed: {CANARY} Canary-9f3e%2521pw Canary-9f3e!pw",
            mask_url(form)
        );
        let out = scrub(&text, &secrets);
        assert!(clean(&out), "{form}: {out}");
    }
}

#[test]
fn secret_keys() {
    for k in ["password", "PGPASSWORD", "sslpassword", "db_password_x"] {
        assert!(is_secret_key(k), "{k}");
    }
    for k in ["user", "host", "passfile", "sslmode"] {
        assert!(!is_secret_key(k), "{k}");
    }
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
