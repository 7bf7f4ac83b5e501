//! The handoff decoder, through the preload's own path
//! (`jail_enter::handoff_from_reader`, which the constructor calls on the
//! pipe): any input either yields a config ready to apply, which must
//! survive a re-encode unchanged, or one error line (the preload would
//! exit 252). The config is never applied: that would jail the fuzzer.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match jail_enter::handoff_from_bytes(data) {
        Ok((stage2, _prepared)) => {
            let again = jail_enter::encode(&stage2).expect("a decoded config re-encodes");
            let (back, _) = jail_enter::handoff_from_bytes(&again).expect("and decodes again");
            assert_eq!(back, stage2);
        }
        Err(line) => {
            assert!(!line.is_empty() && !line.contains('\n'), "{line:?}");
        }
    }
});
