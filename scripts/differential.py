#!/usr/bin/env python3
"""Run the same minijail0 command lines under upstream minijail and ours and
print what differs as seen from inside the jail.

Each case runs `minijail0 ARGS -- probe view PATHS...` (the tests' probe:
ids, Cap* lines, NoNewPrivs, Seccomp, mountinfo, ns links, limits, env, fds,
/dev, and whether each PATH may be read, written or created in) under both,
normalises what changes from run to run (namespace inodes become host/new,
preload paths become <preload>, host pids become N), and prints a diff
(`-` upstream, `+` ours), or `same`.

Not part of CI: it needs a built upstream tree.

    scripts/differential.py                       # the built-in cases
    scripts/differential.py -- -v -b /tmp,/tmp     # one command line
    scripts/differential.py --as-nobody -- -U -p   # as uid 65534
    scripts/differential.py --list                 # the built-in cases

A case where both launchers fail before the program runs counts as
"refused by both": upstream mostly aborts there (status 134) where ours
exits with minijail's status (see README's "Differences from upstream").

Options: --upstream DIR (default /work/upstream/minijail, or $UPSTREAM),
--ours PATH (default target/debug/minijail0), --probe PATH (default
target/debug/probe), --paths P1,P2 (paths to check), --case SUBSTR (run the
built-in cases whose name contains SUBSTR).
"""

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PATHS = [
    "/", "/etc/passwd", "/etc", "/tmp", "/dev", "/dev/null", "/proc/self/status",
    "/usr/bin", "/var/tmp", "/root",
]

# Made afresh before each run (a symlink "link" in it points to /): cases
# that create mount destinations create them here.
SCRATCH = "/tmp/jail-differential"

# (name, minijail0 arguments). Each names the setting it exercises.
CASES = [
    ("plain", []),
    ("ids -u -g", ["-u", "65534", "-g", "65534"]),
    ("ids -u name", ["-u", "nobody"]),
    ("ids -G", ["-u", "nobody", "-g", "nogroup", "-G"]),
    ("caps -c 0", ["-c", "0"]),
    ("caps -c mask as nobody", ["-u", "65534", "-g", "65534", "-c", "0x3000"]),
    ("caps ambient", ["-u", "65534", "-g", "65534", "-c", "0x3000", "--ambient"]),
    ("nnp -n", ["-n"]),
    ("securebits -B", ["-c", "0", "-B", "0x20"]),
    ("ns -p", ["-p"]),
    ("ns -v", ["-v"]),
    ("ns -l -e --uts", ["-l", "-e", "--uts=jailed"]),
    ("ns -N", ["-N"]),
    ("ns -U as root", ["-U"]),
    ("ns -U -m -M", ["-U", "-m", "-M"]),
    ("ns -I", ["-p", "-I"]),
    ("mounts -v -r", ["-v", "-r"]),
    ("mounts -b /sys", ["-v", "-b", "/sys,/sys"]),
    ("mounts -b writable", ["-v", "-b", "/tmp,/tmp,1"]),
    ("mounts -b missing dest", ["-v", "-b", "/etc," + SCRATCH + "/made/etc"]),
    ("mounts -b dest through a symlink", ["-v", "-b", "/etc," + SCRATCH + "/link/etc"]),
    ("mounts -k tmpfs", ["-v", "-k", "tmpfs,/tmp,tmpfs"]),
    ("mounts -k tmpfs data", ["-v", "-k", "tmpfs,/tmp,tmpfs,MS_NOSUID,size=1M"]),
    ("mounts -k bind file", ["-v", "-k", "/etc/hostname,/etc/hosts,none,MS_BIND"]),
    ("mounts -t", ["-v", "-t"]),
    ("mounts -t size", ["-v", "-t64M"]),
    ("mounts -K", ["-v", "-K"]),
    ("mounts -Kslave", ["-v", "-Kslave"]),
    ("dev -d", ["-v", "-d"]),
    ("profile minimalistic-mountns", ["--profile", "minimalistic-mountns"]),
    ("profile minimalistic-mountns-nodev", ["--profile", "minimalistic-mountns-nodev"]),
    ("landlock --fs-default-paths", ["--fs-default-paths"]),
    ("landlock --fs-path-rw /tmp", ["--fs-default-paths", "--fs-path-rw", "/tmp"]),
    ("landlock --fs-path-ro /etc", ["--fs-default-paths", "--fs-path-ro", "/etc"]),
    ("landlock --fs-path-advanced-rw /tmp", ["--fs-default-paths", "--fs-path-advanced-rw", "/tmp"]),
    ("rlimits -R", ["-R", "RLIMIT_NOFILE,64,128", "-R", "RLIMIT_CORE,0,0"]),
    ("rlimits unlimited", ["-R", "RLIMIT_AS,unlimited,unlimited"]),
    ("env --env-reset", ["--env-reset", "--env-add", "A=1"]),
    ("env --env-add", ["--env-add", "A=1"]),
    ("logging stderr", ["--logging=stderr"]),
    ("seccomp -L", ["-L", "-S", os.path.join(ROOT, "scripts/differential/log.policy")]),
    ("fds --preserve-fd", ["--preserve-fd", "2"]),
    ("session --no-new-sessions", ["--no-new-sessions"]),
    ("session --no-new-sessions -p", ["--no-new-sessions", "-p"]),
    ("chroot -C /", ["-C", "/"]),
    ("chroot -C / with a bind", ["-C", "/", "-b", "/etc,/etc"]),
    ("ns net new and entered", ["-e", "-e/proc/self/ns/net"]),
    ("seccomp -S", ["-S", os.path.join(ROOT, "scripts/differential/log.policy"), "-L"]),
    ("profile -nodev with a bind", ["--profile", "minimalistic-mountns-nodev", "-b", "/etc,/mnt"]),
    ("profile with a writable bind", ["--profile", "minimalistic-mountns-nodev", "-b", "/tmp,/mnt,1"]),
    ("landlock --landlock-abi 3", ["--landlock-abi", "3", "--fs-default-paths", "--fs-path-rw", "/tmp"]),
    ("landlock --fs-path-rx /usr", ["--fs-path-rx", "/usr", "--fs-path-ro", "/proc"]),
    ("mounts -k remount ro", ["-v", "-b", "/tmp,/tmp,1", "-k", "none,/tmp,none,MS_REMOUNT|MS_BIND|MS_RDONLY"]),
    ("ns -p -v -r", ["-p", "-v", "-r"]),
    ("caps --ambient -c 0x400 as root", ["-c", "0x400", "--ambient"]),
    ("pivot -P /", ["-P", "/", "-v"]),
    ("config several mounts", ["--config", os.path.join(ROOT, "scripts/differential/mounts.conf")]),
    ("config continued lines", ["--config", os.path.join(ROOT, "scripts/differential/continued.conf")]),
    ("mounts -Kshared -b", ["-v", "-Kshared", "-b", "/etc,/mnt"]),
    ("mounts -Kunbindable", ["-v", "-Kunbindable"]),
    ("dev -d -b a file into /dev", ["-v", "-d", "-b", "/dev/null,/dev/mynull,1"]),
    ("dev -d -b a directory into /dev", ["-v", "-d", "-b", "/etc,/dev/etc"]),
    ("dev -d -t", ["-v", "-d", "-t"]),
    ("mounts -t1G", ["-v", "-t1G"]),
    ("mounts -t512K", ["-v", "-t512K"]),
    ("mounts -t in bytes", ["-v", "-t1048576"]),
    ("rlimits -R number", ["-R", "7,64,128"]),
    ("rlimits -R hex", ["-R", "RLIMIT_AS,0x10000000,unlimited"]),
    ("rlimits -R several", ["-R", "RLIMIT_NPROC,100,200", "-R", "RLIMIT_STACK,8388608,unlimited",
                            "-R", "RLIMIT_MEMLOCK,0,0"]),
    ("env --env-add twice", ["--env-reset", "--env-add", "A=1", "--env-add", "A=2"]),
    ("env --env-add empty and =", ["--env-reset", "--env-add", "A=", "--env-add", "B==x"]),
    ("env --env-add after --env-reset", ["--env-add", "A=1", "--env-reset", "--env-add", "B=2"]),
    ("signals ignored and blocked by the caller", [], "signals"),
    # What an ordinary user can ask for (--as-nobody): inside a user namespace.
    ("userns -U -m -M -v -t", ["-U", "-m", "-M", "-v", "-t"]),
    ("userns -U -m -M -p -v -r", ["-U", "-m", "-M", "-p", "-v", "-r"]),
    ("userns --profile -nodev", ["-U", "-m", "-M", "--profile", "minimalistic-mountns-nodev"]),
    ("userns -d", ["-U", "-m", "-M", "-v", "-d"]),
    ("userns -b -k", ["-U", "-m", "-M", "-v", "-b", "/etc,/mnt", "-k", "tmpfs,/var/tmp,tmpfs"]),
    ("userns -e -l --uts", ["-U", "-m", "-M", "-e", "-l", "--uts=u"]),
]

# What a case's caller does to itself before exec'ing minijail0.
def caller_signals():
    """Ignore SIGHUP and block SIGUSR2, as `nohup` and some supervisors do."""
    import signal
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])


CALLER_SETUP = {"signals": caller_signals}


def host_ns():
    out = {}
    for ns in os.listdir("/proc/self/ns"):
        try:
            out[os.readlink("/proc/self/ns/" + ns)] = ns
        except OSError:
            pass
    return out


def normalise(text, preloads):
    ns_links = host_ns()
    lines = []
    for line in text.splitlines():
        for p in preloads:
            line = line.replace(p, "<preload>")
        m = re.match(r"ns (\S+) (\S+:\[\d+\])$", line)
        if m:
            line = "ns %s %s" % (m.group(1), "host" if m.group(2) in ns_links else "new")
        m = re.match(r"misc (pid|ppid) (\d+)$", line)
        if m and int(m.group(2)) > 20:
            line = "misc %s N" % m.group(1)
        lines.append(line)
    return lines


def fresh_scratch():
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(SCRATCH)
    os.chmod(SCRATCH, 0o777)
    os.symlink("/", os.path.join(SCRATCH, "link"))


def run(cmd, as_nobody, setup=None):
    fresh_scratch()
    if as_nobody:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
    # The same signal state for every case unless the case sets its own:
    # nothing ignored or blocked, whatever this script was started with.
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=30, cwd="/", preexec_fn=setup or default_signals)
    return p.returncode, p.stdout, p.stderr


def default_signals():
    import signal
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def both_refused(urc, uout, orc, oout):
    """Both launchers failed before the program ran (no view printed)."""
    return urc != 0 and orc != 0 and not uout.strip() and not oout.strip()


def compare(name, args, opts, out, setup=None):
    """Print the case's differences; returns "same", "refused" (both failed
    before the program ran, with the statuses README explains) or "differ"."""
    probe = ["--", opts.probe, "view"] + opts.paths
    up_lib = os.path.join(opts.upstream, "libminijailpreload.so")
    up = [os.path.join(opts.upstream, "minijail0"), "--preload-library=" + up_lib] + args + probe
    ours = [opts.ours] + args + probe
    preloads = [up_lib, os.path.join(os.path.dirname(opts.ours), "libjailpreload.so")]
    urc, uout, uerr = run(up, opts.as_nobody, setup)
    orc, oout, oerr = run(ours, opts.as_nobody, setup)
    shutil.rmtree(SCRATCH, ignore_errors=True)
    ulines = normalise(uout, preloads)
    olines = normalise(oout, preloads)
    header = "== %s: minijail0 %s" % (name, " ".join(args))
    if urc == orc and ulines == olines:
        out.write(header + "\nsame\n")
        return "same"
    if both_refused(urc, uout, orc, oout):
        out.write(header + "\nboth refused: upstream %d, ours %d\n" % (urc, orc))
        for label, err in (("upstream", uerr), ("ours", oerr)):
            for l in err.strip().splitlines()[-1:]:
                out.write("  %s stderr: %s\n" % (label, l))
        return "refused"
    out.write(header + "\n")
    if urc != orc:
        out.write("exit status: upstream %d, ours %d\n" % (urc, orc))
        for label, err in (("upstream", uerr), ("ours", oerr)):
            for l in err.strip().splitlines()[-3:]:
                out.write("  %s stderr: %s\n" % (label, l))
    for l in difflib.unified_diff(ulines, olines, "upstream", "ours", n=0, lineterm=""):
        if not l.startswith(("---", "+++", "@@")):
            out.write(l + "\n")
    return "differ"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--upstream", default=os.environ.get("UPSTREAM", "/work/upstream/minijail"))
    ap.add_argument("--ours", default=os.path.join(ROOT, "target/debug/minijail0"))
    ap.add_argument("--probe", default=os.path.join(ROOT, "target/debug/probe"))
    ap.add_argument("--paths", default=",".join(DEFAULT_PATHS))
    ap.add_argument("--as-nobody", action="store_true")
    ap.add_argument("--case", default=None)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("args", nargs="*")
    opts = ap.parse_args()
    opts.paths = [p for p in opts.paths.split(",") if p]
    if opts.list:
        for name, args, *_ in CASES:
            print("%-40s minijail0 %s" % (name, " ".join(args)))
        return 0
    for binary in (os.path.join(opts.upstream, "minijail0"), opts.ours, opts.probe):
        if not os.access(binary, os.X_OK):
            sys.exit("differential: '%s' is not an executable; build it first" % binary)
    cases = [("command line", opts.args)] if opts.args else CASES
    if opts.case:
        cases = [c for c in cases if opts.case in c[0]]
    counts = {"same": 0, "refused": 0, "differ": 0}
    for name, args, *setup in cases:
        setup = CALLER_SETUP[setup[0]] if setup else None
        counts[compare(name, args, opts, sys.stdout, setup)] += 1
    print("\n%d cases: %d same, %d refused by both (exit statuses differ as README says), %d differ"
          % (len(cases), counts["same"], counts["refused"], counts["differ"]))
    return 1 if counts["differ"] else 0


if __name__ == "__main__":
    sys.exit(main())
