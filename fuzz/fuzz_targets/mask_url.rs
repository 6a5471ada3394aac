//! Any text as a connection string: no panic, and every secret `secrets_of` finds is gone
//! from what `mask_url` shows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::redact::{mask_url, secrets_of};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let masked = mask_url(text);
    for secret in secrets_of(text) {
        // A value that also occurs elsewhere in the string (as a host, a user, a key) or is
        // short enough to occur by chance is not checked.
        // Nor is a value that is part of the mask itself (`password=***`).
        if secret.len() >= 8
            && text.matches(secret.as_str()).count() == 1
            && !"password=***".contains(secret.as_str())
        {
            assert!(!masked.contains(&secret), "{text:?} → {masked:?} shows {secret:?}");
        }
    }
});
