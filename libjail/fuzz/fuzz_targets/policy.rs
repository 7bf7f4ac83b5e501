//! Parser + compiler: arbitrary bytes as a policy; compiled programs must
//! decide like the parsed policy (see jail::seccomp::selfcheck).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    jail::seccomp::selfcheck::policy_bytes(data);
});
