fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut jail = jail::Jail::new();
    jail.change_uid(65534).change_gid(65534).use_caps(1 << 10);
    let mut cmd = jail::Command::new(&args[0]);
    cmd.args(&args[1..]);
    match jail.spawn(&cmd) {
        Ok(mut p) => std::process::exit(p.wait().unwrap().minijail_status()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.exit_status())
        }
    }
}
