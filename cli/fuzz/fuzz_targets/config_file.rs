//! minijail0's config file parser (`jail_cli::config_file::parse`): any
//! text yields entries or one error; every entry has a non-empty key and
//! no empty value, and its line number is within the file.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(lines) = jail_cli::config_file::parse(text) {
        let count = text.split('\n').count();
        for l in lines {
            assert!(!l.key.is_empty());
            assert!(l.value.as_deref() != Some(""));
            assert!(l.line >= 2 && l.line <= count, "line {} of {count}", l.line);
        }
    }
});
