//! Any bytes as a Compose file: no panic, no runaway (alias bombs are bounded), and an error
//! always names the file with a position.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = std::path::Path::new("/f/compose.yaml");
    if let Err(e) = admin::compose::parse_file_text(file, text) {
        let msg = e.to_string();
        assert!(msg.starts_with("/f/compose.yaml:"), "{msg}");
        assert!(!msg.contains("deserializ") && !msg.contains("Option<"), "{msg}");
    }
});
