//! Any set of files as a migrations folder (the bundle admin sends): no panic, and what is
//! accepted is what sqlx would run — one migration per version, in version order, each with the
//! bytes and the SHA-384 of an up file it was given, its description taken from that file's name.
//!
//! Input: NUL-separated `name, contents, name, contents, …` (a trailing name gets no bytes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use migrator::files::{checksum, from_bundle};
use protocol::bundle::{Bundle, BundleFile};

fuzz_target!(|data: &[u8]| {
    let parts: Vec<&[u8]> = data.split(|b| *b == 0).collect();
    let migrations: Vec<BundleFile> = parts
        .chunks(2)
        .take(64)
        .map(|pair| BundleFile {
            name: String::from_utf8_lossy(pair[0]).into_owned(),
            bytes: pair.get(1).map(|b| b.to_vec()).unwrap_or_default(),
        })
        .collect();
    let bundle = Bundle {
        version: 1,
        migrations_dir: "migrations".into(),
        migrations: migrations.clone(),
        schema: None,
    };
    let Ok(found) = from_bundle(&bundle) else {
        return;
    };
    for pair in found.windows(2) {
        assert!(pair[0].version < pair[1].version, "not in version order: {found:?}");
    }
    for m in &found {
        let name = m
            .up_path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = migrations
            .iter()
            .find(|f| f.name.ends_with(&name) && f.bytes == m.up_sql.as_bytes());
        assert!(file.is_some(), "{name}: up text not one of the files given");
        assert_eq!(m.checksum, checksum(&m.up_sql), "{name}: checksum");
        let (version, rest) = name.split_once('_').unwrap_or_default();
        assert_eq!(version.parse::<i64>().ok(), Some(m.version), "{name}: version");
        let stem = rest
            .strip_suffix(".up.sql")
            .unwrap_or_else(|| rest.trim_end_matches(".sql"));
        assert_eq!(m.description, stem.replace('_', " "), "{name}: description");
        assert_eq!(m.reversible, name.ends_with(".up.sql"), "{name}: reversible");
    }
});
