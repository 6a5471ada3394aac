//! Malformed Compose and `.env` input through the whole resolution ([`super::resolve`]):
//! every error speaks Compose (no Rust/serde words), names `file:line:col` (`file:line` for
//! `.env`), never quotes an environment or `.env` value, and nothing panics or runs away.

use std::path::Path;

use super::*;

/// Words of the implementation that must never reach a user.
const JARGON: [&str; 8] = [
    "deserialize",
    "Option<",
    "struct",
    "invalid type: unit",
    "Vec<",
    "serde",
    "visitor",
    "String",
];

const SECRET: &str = "Canary-9f3e%21pw";

/// Resolves `compose` (+ `.env`) in a temp dir; returns the error text, the file's path and
/// whether the error was a Compose error at all.
fn resolve_err(compose: &str, dotenv: &str) -> (String, std::path::PathBuf) {
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => panic!("tempdir: {e}"),
    };
    let dir = tmp.path().to_path_buf();
    for (name, text) in [("compose.yaml", compose), (".env", dotenv)] {
        if let Err(e) = std::fs::write(dir.join(name), text) {
            panic!("write: {e}");
        }
    }
    let env: EnvMap = [("SECRET".to_owned(), SECRET.to_owned())].into();
    match resolve(&ResolveOptions::default(), &dir, &env) {
        Ok(p) => panic!("{compose:?} / {dotenv:?} resolved: {p:?}"),
        Err(e) => (e.to_string(), dir.join("compose.yaml")),
    }
}

/// The error names `file:line:col` with positive numbers (at `want` when given), has no
/// jargon, no secret, and ends with a hint.
fn assert_compose_error(text: &str, file: &Path, want: Option<(u64, u64)>, input: &str) {
    let prefix = format!("{}:", file.display());
    let first = text.lines().next().unwrap_or_default();
    let rest = first
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{input:?}: the error does not start with {prefix}\n{text}"));
    let mut parts = rest.splitn(3, ':');
    let line = parts.next().and_then(|l| l.parse::<u64>().ok());
    let col = parts.next().and_then(|c| c.parse::<u64>().ok());
    match (line, col) {
        (Some(l), Some(c)) if l > 0 && c > 0 => {
            if let Some(w) = want {
                assert_eq!((l, c), w, "{input:?}: {text}");
            }
        }
        _ => panic!("{input:?}: no line:col after the file name\n{text}"),
    }
    for word in JARGON {
        assert!(!text.contains(word), "{input:?}: {word:?} in\n{text}");
    }
    assert!(!text.contains("9f3e"), "{input:?}: the secret in\n{text}");
    assert!(
        text.lines().last().is_some_and(|l| l.starts_with("hint: ")),
        "{input:?}: no hint\n{text}"
    );
}

#[test]
fn null_in_every_field_kind_is_either_compose_meaning_or_a_compose_error() {
    // Null where Compose gives it a meaning: nothing set (image, user, …), an empty mapping or
    // list, or "take it from the host" (environment values).
    let fine = [
        "services:\n  api:\n    image: null\n",
        "services:\n  api:\n    image: ~\n    user:\n    working_dir: null\n",
        "services:\n  api:\n    environment: null\n    volumes: ~\n    env_file: null\n    profiles: null\n",
        "services:\n  api:\n    environment: {A: null, B: ~, C:}\n",
        "services:\n  api:\n    healthcheck: null\n",
        "services:\n  api:\n    healthcheck: {test: null}\n",
        "services:\n  api: null\n",
        "services: null\nname: null\nx-admin: null\n",
        "x-admin: {service: null, migrator: null}\nservices:\n  api: {}\n",
        "services:\n  api:\n    volumes:\n      - type: bind\n        source: null\n        target: /x\n",
    ];
    for text in fine {
        let file = Path::new("/p/compose.yaml");
        let parsed = tree::parse(file, text).and_then(|t| model::FileModel::from_tree(file, &t));
        assert!(parsed.is_ok(), "{text:?}: {parsed:?}");
    }
    let m = super::test_support::model("services:\n  api:\n    environment: {A: null, B: x}\n");
    let env = &super::test_support::svc(&m, "api").environment;
    assert_eq!(env.get("A"), Some(&None), "null = from the host");
    let m = super::test_support::model("services:\n  api:\n    environment: [A]\n");
    assert_eq!(
        super::test_support::svc(&m, "api").environment.get("A"),
        Some(&None)
    );

    // Null where a value is required: a Compose error at the node.
    let errors = [
        ("services:\n  api:\n    environment: [null]\n", (3, 19)),
        ("services:\n  api:\n    volumes: [null]\n", (3, 15)),
        ("services:\n  api:\n    env_file: [null]\n", (3, 16)),
        ("services:\n  api:\n    profiles: [null]\n", (3, 16)),
        (
            "services:\n  api:\n    healthcheck: {disable: null}\n",
            (3, 28),
        ),
        (
            "services:\n  api:\n    volumes:\n      - type: bind\n        target: null\n",
            (4, 9),
        ),
        (
            "services:\n  api:\n    env_file:\n      - path: null\n",
            (4, 15),
        ),
    ];
    for (text, pos) in errors {
        let (e, file) = resolve_err(text, "");
        assert_compose_error(&e, &file, Some(pos), text);
    }
}

#[test]
fn null_keys_and_non_text_keys() {
    for text in [
        "services:\n  api:\n    null: x\n",
        "services:\n  api:\n    ~: x\n",
        "services:\n  api:\n    environment:\n      null: x\n",
        "? \n: x\nservices: {}\n",
        "services:\n  api:\n    environment:\n      [a]: x\n",
        "services:\n  api:\n    environment:\n      {a: b}: x\n",
    ] {
        let (e, file) = resolve_err(text, "");
        assert_compose_error(&e, &file, None, text);
    }
    // Scalar keys are text, as in Compose.
    let m = super::test_support::model("services:\n  api:\n    environment: {1: a, true: b}\n");
    let env = &super::test_support::svc(&m, "api").environment;
    assert_eq!(env.get("1"), Some(&Some("a".to_owned())));
    assert_eq!(env.get("true"), Some(&Some("b".to_owned())));
}

#[test]
fn wrong_types_everywhere_name_the_position() {
    let cases = [
        "services: 5\n",
        "services:\n  api: [a]\n",
        "services:\n  api:\n    image: [a]\n",
        "services:\n  api:\n    image: {a: b}\n",
        "services:\n  api:\n    environment: true\n",
        "services:\n  api:\n    environment: [[a]]\n",
        "services:\n  api:\n    environment: {A: [1]}\n",
        "services:\n  api:\n    environment: {A: {b: c}}\n",
        "services:\n  api:\n    volumes: x\n",
        "services:\n  api:\n    volumes: [1]\n",
        "services:\n  api:\n    volumes: [\"a:b:c:d\"]\n",
        "services:\n  api:\n    volumes: [\":/x\"]\n",
        "services:\n  api:\n    volumes: [{source: x}]\n",
        "services:\n  api:\n    volumes: [{target: /x, read_only: maybe}]\n",
        "services:\n  api:\n    healthcheck: [a]\n",
        "services:\n  api:\n    healthcheck: {test: {a: b}}\n",
        "services:\n  api:\n    env_file: [{required: true}]\n",
        "services:\n  api:\n    user: {a: b}\n",
        "services:\n  api:\n    profiles: {a: b}\n",
        "name: [a]\nservices: {}\n",
        "x-admin: [a]\nservices: {}\n",
        "x-admin: {service: [a]}\nservices: {}\n",
        "x-admin: {nope: 1}\nservices: {}\n",
        "x-admin: {databases: [a]}\nservices: {}\n",
        "x-admin: {databases: {a: {nope: 1}}}\nservices: {}\n",
        "x-admin: {databases: {a: {url: [X]}}}\nservices: {}\n",
        "x-admin: {databases: {a: {url: \"postgres://u:p@h/d\"}}}\nservices: {}\n",
        "x-admin: {databases: {\"a b\": {}}}\nservices: {}\n",
        "- a\n- b\n",
        "just text\n",
        "services:\n  api:\n    image: 1e999\n",
        "services:\n  api:\n    image: !!int x\n",
        "a: 1\n---\nb: 2\n",
        "services:\n  api: &a\n    image: *a\n",
        "x: &a [*a]\nservices: {}\n",
        "services:\n  api:\n    <<: 5\n",
        "services:\n  api:\n    <<: [1, 2]\n",
        "services:\n  api:\n    image: ${BAD NAME}\n",
        "services:\n  api:\n    image: ${X:-postgres://app:Canary-9f3e%21pw@db/app\n",
        "services:\n  api:\n    image: ${NEED:?$SECRET}\n",
        "services:\n  api:\n    volumes: [\"${SECRET}:/a:b:c\"]\n",
        "services:\n  api:\n    healthcheck: {disable: \"${SECRET}\"}\n",
        "services:\n  api: {image: \"unterminated}\n",
        "services:\n\tapi: {}\n",
        "services:\n  api: {}\n  api: {}\n",
        "\u{feff}services:\n  api:\n    image: [a]\n",
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|text| {
            std::panic::catch_unwind(|| {
                let (e, file) = resolve_err(text, "");
                assert_compose_error(&e, &file, None, text);
            })
            .err()
            .map(|_| (*text).to_owned())
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn alias_bombs_and_huge_documents_are_bounded() {
    // Billion laughs: 9 levels of 9 aliases each (~387 million nodes if expanded).
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        let items = [prev.as_str(); 9].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{items}]\n"));
    }
    bomb.push_str("services:\n  api:\n    image: x\n    profiles: *a9\n");
    // Merge-key bombs: each level merges the previous one many times.
    let mut merge = String::from("m0: &m0 {k0: v, k1: v, k2: v, k3: v}\n");
    for i in 1..12 {
        let prev = format!("*m{}", i - 1);
        let items = [prev.as_str(); 8].join(", ");
        merge.push_str(&format!("m{i}: &m{i} {{<<: [{items}], l{i}: [{items}]}}\n"));
    }
    merge.push_str("services:\n  api:\n    <<: *m11\n");
    // Deep nesting.
    let deep = format!(
        "services:\n  api:\n    image: {}x{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    for (text, bounded) in [(bomb, true), (merge, true), (deep, false)] {
        let start = std::time::Instant::now();
        let (e, file) = resolve_err(&text, "");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "took {:?}",
            start.elapsed()
        );
        assert_compose_error(&e, &file, None, &text[..60.min(text.len())]);
        if bounded {
            assert!(e.contains("expands to too much data"), "{e}");
        }
    }
}

#[test]
fn dotenv_errors_name_file_and_line_and_never_the_value() {
    let api = "services:\n  api:\n    image: x\n";
    for (dotenv, line) in [
        (format!("A=1\nB='{SECRET}' {SECRET}\n"), 2),
        (format!("A=1\n\nB=${{X:-{SECRET}\n"), 3),
        (format!("B=\"{SECRET}\n"), 1),
        (format!("B {SECRET}\n"), 1),
        (format!("B=${{NEED:?{SECRET}}}\n"), 1),
        ("=x\n".to_owned(), 1),
        // A password pasted on a line of its own is not quoted as a "variable name".
        (format!("A=1\n{SECRET}\n"), 2),
        ("\u{feff}A=1\n B\u{feff}=2\n".to_owned(), 2),
    ] {
        let tmp = match tempfile::tempdir() {
            Ok(t) => t,
            Err(e) => panic!("tempdir: {e}"),
        };
        let dir = tmp.path();
        let write = |name: &str, text: &str| {
            if let Err(e) = std::fs::write(dir.join(name), text) {
                panic!("write: {e}");
            }
        };
        write("compose.yaml", api);
        write(".env", &dotenv);
        let text = match resolve(&ResolveOptions::default(), dir, &EnvMap::new()) {
            Ok(p) => panic!("{dotenv:?} resolved: {p:?}"),
            Err(e) => e.to_string(),
        };
        let want = format!("{}:{line}: ", dir.join(".env").display());
        assert!(text.starts_with(&want), "{dotenv:?}: want {want}\n{text}");
        assert!(!text.contains("9f3e"), "{dotenv:?}: the value in\n{text}");
        for word in JARGON {
            assert!(!text.contains(word), "{dotenv:?}: {word:?} in\n{text}");
        }
    }
}

#[test]
fn a_byte_order_mark_is_accepted_in_env_and_compose_files() {
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => panic!("tempdir: {e}"),
    };
    let dir = tmp.path();
    let write = |name: &str, text: &str| {
        if let Err(e) = std::fs::write(dir.join(name), text) {
            panic!("write: {e}");
        }
    };
    write(
        "compose.yaml",
        "\u{feff}name: bom\nservices:\n  api:\n    image: ${IMAGE}\n",
    );
    write(
        ".env",
        "\u{feff}IMAGE=app:1\nCOMPOSE_PROJECT_NAME=fromenv\n",
    );
    write(".env.example", "\u{feff}IMAGE=\n");
    let p = match resolve(&ResolveOptions::default(), dir, &EnvMap::new()) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(p.service_config.image.as_deref(), Some("app:1"));
    assert_eq!(p.name, "fromenv");
    let keys = match env_file_keys(&dir.join(".env.example")) {
        Ok(k) => k,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(keys, vec!["IMAGE".to_owned()]);
    // Positions after the mark are those an editor shows.
    write(
        "compose.yaml",
        "\u{feff}services:\n  api:\n    image: [a]\n",
    );
    let e = match resolve(&ResolveOptions::default(), dir, &EnvMap::new()) {
        Ok(p) => panic!("resolved: {p:?}"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.starts_with(&format!("{}:3:12: ", dir.join("compose.yaml").display())),
        "{e}"
    );
}

#[test]
fn bytes_that_are_not_utf8_are_named_by_position() {
    for (name, other, bytes, want) in [
        (
            "compose.yaml",
            ".env",
            &b"services:\n  api:\n    image: a\xff\n"[..],
            ":3:13: ",
        ),
        (".env", "compose.yaml", &b"A=1\nB=\xc3(\n"[..], ":2:3: "),
    ] {
        let tmp = match tempfile::tempdir() {
            Ok(t) => t,
            Err(e) => panic!("tempdir: {e}"),
        };
        let dir = tmp.path();
        let other_text: &[u8] = if other == ".env" {
            b""
        } else {
            b"services:\n  api: {image: x}\n"
        };
        for (n, b) in [(name, bytes), (other, other_text)] {
            if let Err(e) = std::fs::write(dir.join(n), b) {
                panic!("write: {e}");
            }
        }
        let text = match resolve(&ResolveOptions::default(), dir, &EnvMap::new()) {
            Ok(p) => panic!("{name} resolved: {p:?}"),
            Err(e) => e.to_string(),
        };
        let prefix = format!("{}{want}", dir.join(name).display());
        assert!(text.starts_with(&prefix), "want {prefix}\n{text}");
        assert!(text.contains("not UTF-8"), "{text}");
    }
}
