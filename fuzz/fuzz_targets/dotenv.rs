//! Any text as a `.env` file: no panic; an error names `file:line` and never quotes the value
//! of the one variable set from the environment.
#![no_main]

use libfuzzer_sys::fuzz_target;

const SECRET: &str = "Canary-9f3e%21pw";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = [("SECRET".to_owned(), SECRET.to_owned())].into();
    if let Err(e) = admin::compose::parse_env_text(std::path::Path::new("/f/.env"), text, &env) {
        let msg = e.to_string();
        assert!(msg.starts_with("/f/.env:"), "{msg}");
        assert!(!msg.contains(SECRET), "{msg}");
    }
});
