//! The man page and shell completions checked into cli/doc and
//! cli/completions are what the option table generates today. After
//! changing the table, regenerate with `cargo run -p jail-cli --bin minijail0-gen`.

#[test]
fn checked_in_files_match_the_option_table() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (rel, text) in jail_cli::docs::generated_files() {
        let on_disk = std::fs::read_to_string(dir.join(rel)).unwrap_or_default();
        assert!(
            on_disk == text,
            "cli/{rel} is stale: run `cargo run -p jail-cli --bin minijail0-gen`"
        );
    }
}

#[test]
fn every_option_is_documented_everywhere() {
    let files = jail_cli::docs::generated_files();
    let help = jail_cli::docs::help();
    for s in jail_cli::table::OPTIONS {
        if let Some(c) = s.short {
            assert!(help.contains(&format!("  -{c}")), "-{c} not in -h");
            assert!(
                files[0].1.contains(&format!("\\fB\\-{c}\\fR")),
                "-{c} not in the man page"
            );
            assert!(files[1].1.contains(&format!("-{c}")), "-{c} not in bash");
            assert!(files[2].1.contains(&format!("'-{c}")), "-{c} not in zsh");
            assert!(files[3].1.contains(&format!(" -s {c}")), "-{c} not in fish");
        }
        if let Some(l) = s.long {
            assert!(help.contains(&format!("--{l}")), "--{l} not in -h");
            assert!(
                files[0]
                    .1
                    .contains(&format!("\\fB\\-\\-{}\\fR", l.replace('-', "\\-"))),
                "--{l} not in the man page"
            );
            assert!(files[1].1.contains(&format!("--{l}")), "--{l} not in bash");
            assert!(files[2].1.contains(&format!("'--{l}")), "--{l} not in zsh");
            assert!(
                files[3].1.contains(&format!(" -l {l}")),
                "--{l} not in fish"
            );
        }
    }
}
