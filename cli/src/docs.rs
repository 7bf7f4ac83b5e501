//! Text generated from the option table: `-h`, `-H`, the minijail0(1) man
//! page and the bash, zsh and fish completions.

use crate::table::{Arg, OptSpec, Section, Value, OPTIONS};

const HELP_INDENT: usize = 15;

/// How an option is spelled at the head of its help entry.
fn head(s: &OptSpec) -> String {
    let mv = s.metavar;
    let short = s.short.map(|c| match s.arg {
        Arg::None => format!("-{c}"),
        Arg::Required => format!("-{c} <{mv}>"),
        Arg::Optional => format!("-{c}[{mv}]"),
    });
    let long = s.long.map(|l| match s.arg {
        Arg::None => format!("--{l}"),
        Arg::Required if short.is_some() => format!("--{l} <...>"),
        Arg::Required => format!("--{l} <{mv}>"),
        Arg::Optional => format!("--{l}[={mv}]"),
    });
    match (short, long) {
        (Some(a), Some(b)) => format!("{a}, {b}"),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => String::new(),
    }
}

/// `minijail0 -h`.
pub fn help() -> String {
    let mut out = String::from("Usage: minijail0 [options] [--] <program> [args...]\n");
    for section in Section::ALL {
        out.push_str(&format!("\n{}:\n", section.title()));
        for s in OPTIONS.iter().filter(|s| s.section == section) {
            let h = format!("  {}", head(s));
            let mut lines = s.help.lines();
            if h.len() < HELP_INDENT - 1 {
                out.push_str(&format!(
                    "{h:<width$}{}\n",
                    lines.next().unwrap_or_default(),
                    width = HELP_INDENT
                ));
            } else {
                out.push_str(&format!("{h}\n"));
            }
            for l in lines {
                out.push_str(&format!("{:width$}{l}\n", "", width = HELP_INDENT));
            }
        }
    }
    out.push_str("\nSee minijail0(1) for details, profiles and the config file format.\n");
    out
}

/// `minijail0 -H`: the syscall names the policy language knows here.
pub fn syscall_help() -> String {
    let mut out = String::from(
        "Usage: minijail0 -S <policy.file> <program> [args...]\n\nSystem call names supported:\n",
    );
    match jail::seccomp::Arch::try_native() {
        Ok(arch) => {
            for (name, nr) in jail::seccomp::tables::syscalls(arch) {
                out.push_str(&format!("  {name} [{nr}]\n"));
            }
        }
        Err(e) => out.push_str(&format!("  ({e})\n")),
    }
    out.push_str("\nSee minijail0(5) for example policies.\n");
    out
}

fn roff_escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    let mut out = escaped
        .lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn man_head(s: &OptSpec) -> String {
    let mv = roff_escape(s.metavar);
    let short = s.short.map(|c| match s.arg {
        Arg::None => format!("\\fB\\-{c}\\fR"),
        Arg::Required => format!("\\fB\\-{c}\\fR \\fI{mv}\\fR"),
        Arg::Optional => format!("\\fB\\-{c}\\fR[\\fI{mv}\\fR]"),
    });
    let long = s.long.map(|l| {
        let l = roff_escape(l);
        match s.arg {
            Arg::None => format!("\\fB\\-\\-{l}\\fR"),
            Arg::Required => format!("\\fB\\-\\-{l}\\fR \\fI{mv}\\fR"),
            Arg::Optional => format!("\\fB\\-\\-{l}\\fR[=\\fI{mv}\\fR]"),
        }
    });
    match (short, long) {
        (Some(a), Some(b)) => format!("{a}, {b}"),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => String::new(),
    }
}

/// The minijail0(1) man page, in roff.
pub fn man_page() -> String {
    let mut out = String::new();
    out.push_str(".TH MINIJAIL0 1 \"\" \"jail\" \"User Commands\"\n");
    out.push_str(".SH NAME\nminijail0 \\- sandbox a process\n");
    out.push_str(".SH SYNOPSIS\n.B minijail0\n[\\fIOPTION\\fR]... [\\fB\\-\\-\\fR] \\fIPROGRAM\\fR [\\fIARGS\\fR]...\n");
    out.push_str(".SH DESCRIPTION\n");
    out.push_str(&roff_escape(
        "Runs PROGRAM in a sandbox: new namespaces, mounts, a new root, resource limits, \
a changed uid, gid and groups, cut capabilities, no_new_privs, Landlock rules and a \
seccomp filter compiled from minijail's policy language. It accepts upstream minijail0's \
options with the same spellings. Option parsing stops at the first word that is not an \
option (or after --): that word is the program, the rest are its arguments.\n",
    ));
    out.push_str("\n.PP\n");
    out.push_str(&roff_escape(
        "Optional arguments bind only when glued to their option: -K leaves mount propagation \
alone while -Kslave sets it, -t alone mounts a 64M /tmp while -t16M sets the size, \
-e alone makes a new network namespace while -e/run/netns/x joins one; long options take \
them after '=' (--uts=name). Required arguments may be glued (-uuser) or follow as the next word.\n",
    ));
    for section in Section::ALL {
        out.push_str(&format!(".SS \"{}\"\n", section.title()));
        for s in OPTIONS.iter().filter(|s| s.section == section) {
            out.push_str(".TP\n");
            out.push_str(&man_head(s));
            out.push('\n');
            let mut text = s.help.replace('\n', " ");
            if !s.more.is_empty() {
                text.push(' ');
                text.push_str(s.more);
            }
            out.push_str(&roff_escape(&text));
            out.push('\n');
        }
    }
    out.push_str(".SH PROFILES\n.TP\n\\fBminimalistic\\-mountns\\fR\n");
    out.push_str(&roff_escape(&format!(
        "A minimal mount namespace: -v -P {root} -b / -b /proc -b /dev/log -t -r --mount-dev. \
/dev/log is bound only where it exists. Unless --no-fs-restrictions is given and as long as \
every mount is a bind mount, Landlock then allows reading and running beneath the bind mounts \
and the usual program paths, writing beneath writable binds, /dev and /tmp, and reading /proc.\n",
        root = crate::options::DEFAULT_PIVOT_ROOT
    )));
    out.push_str(".TP\n\\fBminimalistic\\-mountns\\-nodev\\fR\n");
    out.push_str(&roff_escape(&format!(
        "The same without a new /dev: -v -P {root} -b / -b /proc -t -r.\n",
        root = crate::options::DEFAULT_PIVOT_ROOT
    )));
    out.push_str(".SH DEFAULT RUNTIME ENVIRONMENT\n");
    out.push_str(&roff_escape(&format!(
        "Unless -S or --seccomp-bpf-binary is given, no_new_privs is set and, when {policy} exists, \
it is installed as a precompiled seccomp program. --no-default-runtime-environment turns both off.\n",
        policy = crate::options::DEFAULT_POLICY
    )));
    out.push_str(".SH CONFIGURATION FILES\n");
    out.push_str(&roff_escape(
        "--config FILE reads options from FILE at that point of the command line. The first line \
must be exactly '% minijail-config-file v0'. Each further line is 'key' or 'key = value', where \
key is a long option name (bind-mount) or a single letter (u); a line ending in \\ continues on \
the next; blank lines and lines starting with # are ignored. A config file cannot load another. \
--gen-config FILE writes the other options of the command line in this format.\n",
    ));
    out.push_str(".PP\n.nf\n");
    out.push_str(&roff_escape(
        "% minijail-config-file v0\n# Run as nobody with a filter.\nu = nobody\ng = nogroup\nn\nS = /usr/share/policy/service.policy\nprofile = minimalistic-mountns\n",
    ));
    out.push_str("\n.fi\n");
    out.push_str(".SH EXIT STATUS\n");
    out.push_str(&roff_escape(
        "The program's exit status; 128+N when it was killed by signal N; 253 when seccomp killed \
it (SIGSYS) or the jail could not be applied; 252 when the preload library failed; 251 when a \
mount failed; 126 when the program cannot be executed, 127 when it does not exist; 1 for a usage \
error, in which case nothing was started. With -i, 0 once the program has started.\n",
    ));
    out.push_str(".SH SEE ALSO\n\\fBminijail0\\fR(5), \\fBseccomp\\fR(2), \\fBcapabilities\\fR(7), \\fBnamespaces\\fR(7), \\fBlandlock\\fR(7)\n");
    out
}

fn first_line(s: &OptSpec) -> String {
    s.help.lines().next().unwrap_or_default().to_owned()
}

/// The bash completion script.
pub fn bash() -> String {
    let mut words = Vec::new();
    let mut cases: Vec<(Vec<String>, String)> = Vec::new();
    for s in OPTIONS {
        let mut names = Vec::new();
        if let Some(c) = s.short {
            words.push(format!("-{c}"));
            if s.arg == Arg::Required {
                names.push(format!("-{c}"));
            }
        }
        if let Some(l) = s.long {
            words.push(format!("--{l}"));
            if s.arg == Arg::Required {
                names.push(format!("--{l}"));
            }
        }
        if names.is_empty() {
            continue;
        }
        let action = match s.value {
            Value::User => "COMPREPLY=($(compgen -u -- \"$cur\"))".to_owned(),
            Value::Group => "COMPREPLY=($(compgen -g -- \"$cur\"))".to_owned(),
            Value::Dir => "COMPREPLY=($(compgen -d -- \"$cur\"))".to_owned(),
            Value::File => "COMPREPLY=($(compgen -f -- \"$cur\"))".to_owned(),
            Value::Choice(list) => {
                format!(
                    "COMPREPLY=($(compgen -W \"{}\" -- \"$cur\"))",
                    list.join(" ")
                )
            }
            Value::Text | Value::None => "COMPREPLY=()".to_owned(),
        };
        cases.push((names, action));
    }
    let mut out = String::from(
        "# bash completion for minijail0 (generated from its option table)\n\n_minijail0() {\n    local cur prev i\n    cur=\"${COMP_WORDS[COMP_CWORD]}\"\n    prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n\n    # After the program, complete its own arguments.\n    for ((i = 1; i < COMP_CWORD; i++)); do\n        case \"${COMP_WORDS[i]}\" in\n            --) _command_offset $((i + 1)); return ;;\n",
    );
    let takes_next: Vec<String> = cases.iter().flat_map(|(n, _)| n.clone()).collect();
    out.push_str(&format!(
        "            {}) ((i++)) ;;\n            -*) ;;\n            *) _command_offset $i; return ;;\n        esac\n    done\n\n    case \"$prev\" in\n",
        takes_next.join("|")
    ));
    for (names, action) in &cases {
        out.push_str(&format!(
            "        {})\n            {action}\n            return ;;\n",
            names.join("|")
        ));
    }
    out.push_str(&format!(
        "    esac\n\n    if [[ \"$cur\" == -* ]]; then\n        COMPREPLY=($(compgen -W \"{}\" -- \"$cur\"))\n    else\n        COMPREPLY=($(compgen -c -- \"$cur\"))\n    fi\n}}\n\ncomplete -F _minijail0 minijail0\n",
        words.join(" ")
    ));
    out
}

fn zsh_desc(s: &OptSpec) -> String {
    first_line(s)
        .replace('\\', "\\\\")
        .replace('\'', "'\\''")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace(':', "\\:")
}

/// The zsh completion script.
pub fn zsh() -> String {
    let mut out = String::from(
        "#compdef minijail0\n# zsh completion for minijail0 (generated from its option table)\n\n_arguments -s -S \\\n",
    );
    for s in OPTIONS {
        let action = match s.value {
            Value::User => "_users".to_owned(),
            Value::Group => "_groups".to_owned(),
            Value::Dir => "_directories".to_owned(),
            Value::File => "_files".to_owned(),
            Value::Choice(list) => format!("({})", list.join(" ")),
            Value::Text | Value::None => " ".to_owned(),
        };
        let mv = s.metavar.replace(':', "\\:").replace('\'', "");
        let desc = zsh_desc(s);
        if let Some(c) = s.short {
            let spec = match s.arg {
                Arg::None => format!("'-{c}[{desc}]'"),
                Arg::Required => format!("'-{c}+[{desc}]:{mv}:{action}'"),
                Arg::Optional => format!("'-{c}-[{desc}]::{mv}:{action}'"),
            };
            out.push_str(&format!("    {spec} \\\n"));
        }
        if let Some(l) = s.long {
            let spec = match s.arg {
                Arg::None => format!("'--{l}[{desc}]'"),
                Arg::Required => format!("'--{l}=[{desc}]:{mv}:{action}'"),
                Arg::Optional => format!("'--{l}=-[{desc}]::{mv}:{action}'"),
            };
            out.push_str(&format!("    {spec} \\\n"));
        }
    }
    out.push_str("    '(-)1:program:_command_names -e' \\\n    '*::program arguments:_normal'\n");
    out
}

/// The fish completion script.
pub fn fish() -> String {
    let mut out = String::from(
        "# fish completion for minijail0 (generated from its option table)\n\ncomplete -c minijail0 -f\n",
    );
    for s in OPTIONS {
        let mut line = String::from("complete -c minijail0");
        if let Some(c) = s.short {
            line.push_str(&format!(" -s {c}"));
        }
        if let Some(l) = s.long {
            line.push_str(&format!(" -l {l}"));
        }
        if s.arg == Arg::Required {
            line.push_str(match s.value {
                Value::File | Value::Dir => " -r -F",
                _ => " -x",
            });
            match s.value {
                Value::User => line.push_str(" -a '(__fish_complete_users)'"),
                Value::Group => line.push_str(" -a '(__fish_complete_groups)'"),
                Value::Dir => line.push_str(" -a '(__fish_complete_directories)'"),
                Value::Choice(list) => line.push_str(&format!(" -a '{}'", list.join(" "))),
                _ => {}
            }
        }
        line.push_str(&format!(" -d '{}'", first_line(s).replace('\'', "\\'")));
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str("complete -c minijail0 -x -a '(__fish_complete_subcommand)'\n");
    out
}

/// Every generated file: (path under cli/, contents).
pub fn generated_files() -> Vec<(&'static str, String)> {
    vec![
        ("doc/minijail0.1", man_page()),
        ("completions/minijail0.bash", bash()),
        ("completions/_minijail0", zsh()),
        ("completions/minijail0.fish", fish()),
    ]
}
