//! Any text as a `${…}` template: no panic; an invalid one is named by `${NAME` only.
#![no_main]

use std::collections::BTreeSet;

use admin::compose::{TemplateError, interpolate, required_variables};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lookup = |k: &str| (k.len() % 2 == 0).then(|| format!("<{k}>"));
    let mut unset = BTreeSet::new();
    if let Err(TemplateError::Invalid { near, .. }) = interpolate(text, &lookup, &mut unset) {
        assert!(near.starts_with("${"), "{near}");
        assert!(near[2..].bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric()), "{near}");
    }
    let _ = required_variables(text);
});
