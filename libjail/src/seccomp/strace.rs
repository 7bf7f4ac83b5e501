//! Policies from `strace -f` logs, as upstream's
//! `tools/generate_seccomp_policy.py` makes them: every line that starts
//! with a syscall (after an optional `[pid N]` or pid) counts once; the
//! arguments upstream inspects (socket's family, ioctl's request, prctl's
//! option, mmap/mmap2/mprotect's protection) are collected, and the lines
//! are written by [`super::generate`] with numbers named from the constant
//! table. The basic set (restart_syscall, exit, exit_group, rt_sigreturn)
//! is added; with a frequency file the lines are sorted by name, else by
//! frequency, as upstream does.

use std::collections::BTreeMap;

use super::generate::{self, Observed};
use super::tables::{self, Arch};

/// The arguments upstream's generator inspects: (syscall, index).
pub const INSPECTED: [(&str, usize); 6] = [
    ("socket", 0),
    ("ioctl", 1),
    ("prctl", 0),
    ("mmap", 2),
    ("mmap2", 2),
    ("mprotect", 2),
];

/// Socket calls that go through `socketcall` on i386.
const SOCKETCALLS: [&str; 17] = [
    "accept",
    "bind",
    "connect",
    "getpeername",
    "getsockname",
    "getsockopt",
    "listen",
    "recv",
    "recvfrom",
    "recvmsg",
    "send",
    "sendmsg",
    "sendto",
    "setsockopt",
    "shutdown",
    "socket",
    "socketpair",
];

/// Private ARM syscalls, which strace names without their `ARM_` prefix.
const ARM_PRIVATE: [&str; 5] = ["breakpoint", "cacheflush", "usr26", "usr32", "set_tls"];

/// The syscall and its argument text at the start of an strace line.
fn parse_line(line: &str) -> Option<(&str, &str)> {
    let mut rest = line.trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        rest = after.split_once(']')?.1.trim_start();
    } else {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        rest = rest[digits..].trim_start();
    }
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (name, after) = rest.split_at(name_len);
    let args = after.strip_prefix('(')?;
    let end = args.find([')', '<']).unwrap_or(args.len());
    (!name.is_empty()).then_some((name, &args[..end]))
}

/// Count the syscalls of one strace log into `calls`. `file_name` decides,
/// as upstream, whether socket calls are `socketcall` (an i386 trace).
pub fn add_trace(arch: Arch, file_name: &str, text: &str, calls: &mut BTreeMap<String, Observed>) {
    let socketcall =
        file_name.contains("i386") || (file_name.contains("x86") && !file_name.contains("64"));
    for (name, args) in text.lines().filter_map(parse_line) {
        let name = if socketcall && SOCKETCALLS.contains(&name) {
            "socketcall".to_owned()
        } else if ARM_PRIVATE.contains(&name) {
            format!("ARM_{name}")
        } else {
            name.to_owned()
        };
        let o = calls.entry(name.clone()).or_default();
        o.count += 1;
        let Some((_, index)) = INSPECTED.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let arg = args.split(',').nth(*index).map(str::trim);
        match arg.and_then(|a| tables::parse_arg(arch, a)) {
            Some(v) => {
                o.values.entry(*index).or_default().insert(v);
            }
            None => {
                o.unfiltered.insert(*index);
            }
        }
    }
}

/// Add upstream's basic set to `calls`, once each where missing.
pub fn add_basic_set(calls: &mut BTreeMap<String, Observed>) {
    for name in crate::record::BASIC_SET {
        calls.entry(name.to_owned()).or_insert_with(|| Observed {
            count: 1,
            ..Observed::default()
        });
    }
}

/// The policy lines for `calls`: by name when a frequency file is written
/// beside them, else most frequent first.
pub fn policy_lines(arch: Arch, calls: &BTreeMap<String, Observed>, by_name: bool) -> String {
    let mut order = generate::by_frequency(calls);
    if by_name {
        order.sort_by(|a, b| a.0.cmp(b.0));
    }
    order
        .into_iter()
        .map(|(name, o)| format!("{name}: {}\n", generate::rule_expr(arch, name, o)))
        .collect()
}

/// The frequency file for `calls`, in the same order as [`policy_lines`].
pub fn frequency_lines(calls: &BTreeMap<String, Observed>, by_name: bool) -> String {
    let mut order = generate::by_frequency(calls);
    if by_name {
        order.sort_by(|a, b| a.0.cmp(b.0));
    }
    order
        .into_iter()
        .map(|(name, o)| format!("{name}: {}\n", o.count))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strace_lines_become_upstream_style_rules() {
        let log = "\
1234  openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3
[pid  1235] mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f
1234  ioctl(1, TCGETS, {B38400 opost isig icanon echo ...}) = 0
1234  ioctl(1, 0x541b, [0]) = 0
1234  socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK, 0) = 3
1234  write(1, \"hi\\n\", 3 <unfinished ...>
1234  <... write resumed>) = 3
1234  +++ exited with 0 +++
";
        let mut calls = BTreeMap::new();
        add_trace(Arch::X86_64, "trace.txt", log, &mut calls);
        add_basic_set(&mut calls);
        let text = policy_lines(Arch::X86_64, &calls, true);
        assert!(
            text.contains("ioctl: arg1 == TCGETS || arg1 == FIONREAD\n"),
            "{text}"
        );
        assert!(text.contains("mmap: arg2 in ~PROT_EXEC\n"), "{text}");
        assert!(text.contains("socket: arg0 == AF_UNIX\n"), "{text}");
        assert!(
            text.contains("openat: 1\nrestart_syscall: 1\nrt_sigreturn: 1\n"),
            "{text}"
        );
        assert_eq!(calls["ioctl"].count, 2);
        assert_eq!(calls["write"].count, 1);
        assert!(!calls.contains_key("exited"));
        let freq = frequency_lines(&calls, false);
        assert!(freq.starts_with("ioctl: 2\n"), "{freq}");
        // An i386 trace: socket calls go through socketcall.
        let mut i386 = BTreeMap::new();
        add_trace(
            Arch::I386,
            "trace-i386.txt",
            "socket(AF_INET, SOCK_DGRAM, 0) = 3\n",
            &mut i386,
        );
        assert!(i386.contains_key("socketcall"));
    }
}
