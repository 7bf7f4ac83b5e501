/*
 * jail-init: the init of a jail's pid namespace (or the relay of a joined
 * one). The launcher's child forks the program and then execs this image
 * from a memfd, so the init that lives as long as the program keeps none
 * of the launcher's address space (which it shares, or would have to
 * copy). No C library: raw syscalls only, a few hundred bytes of code.
 *
 *   argv: jail-init PID NOTE [PREFIX NAMES CORE FORWARDED STRICT]
 *         jail-init hold
 *     PID   the program's pid, as this process sees it
 *     NOTE  written to stderr when the program dies of SIGSYS (empty when
 *           the launcher's seccomp supervisor explains the kill itself)
 *     the rest: the pieces of the line written when the program dies of
 *           another signal N (libjail/src/death.rs, InitDeathText):
 *           PREFIX, line N of NAMES, CORE if it dumped core, then
 *           FORWARDED if this init passed the signal on, else STRICT
 *           for SIGKILL; no text here is this file's own.
 *
 * Every signal is blocked (inherited from the launcher, and set again) and
 * taken in turn with rt_sigtimedwait: a blocked signal is queued even for a
 * namespace's init, which the kernel otherwise spares the signals it has no
 * handler for. Every signal but SIGCHLD goes to the program; SIGCHLD reaps
 * every child (orphans of the namespace too). Exits with the program's
 * status as minijail reports it (libjail/src/status.rs): its exit code,
 * 253 for SIGSYS, 128+N for signal N, 254 if it was never reaped.
 *
 * `hold` is the other use: the process the launcher started in a new user
 * namespace, so that an unprivileged launcher can write the namespace's
 * maps into /proc files of a process with memory of its own (a child
 * sharing the launcher's memory has root-owned ones). It holds nothing
 * and waits, dumpable (it says when on fd 1), until the launcher kills it (SIGKILL), or until
 * the launcher dies (its parent-death signal, set before execve).
 */

#if defined(__x86_64__)
#define NR_write 1
#define NR_kill 62
#define NR_wait4 61
#define NR_rt_sigprocmask 14
#define NR_rt_sigtimedwait 128
#define NR_prctl 157
#define NR_exit_group 231
#define NR_close_range 436

static long sys6(long n, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call start_c\n"
	"	hlt\n");
#elif defined(__aarch64__)
#define NR_write 64
#define NR_kill 129
#define NR_wait4 260
#define NR_rt_sigprocmask 135
#define NR_rt_sigtimedwait 137
#define NR_prctl 167
#define NR_exit_group 94
#define NR_close_range 436

static long sys6(long n, long a, long b, long c, long d)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3)
			 : "memory");
	return x0;
}

__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov x29, #0\n"
	"	mov x0, sp\n"
	"	bl start_c\n"
	"	brk #0\n");
#else
#error "jail-init: add this architecture's syscall numbers and entry"
#endif

#define SIGKILL 9
#define SIGCHLD 17
#define SIGSYS 31
#define SIG_SETMASK 2
#define WNOHANG 1
#define EINTR 4
#define PR_SET_NAME 15
#define PR_SET_DUMPABLE 4

__attribute__((noreturn)) static void exit_with(long code)
{
	for (;;)
		sys6(NR_exit_group, code, 0, 0, 0);
}

static long parse_pid(const char *s)
{
	long pid = 0;
	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || pid > 100000000)
			return -1;
		pid = pid * 10 + (*s - '0');
	}
	return pid;
}

static void write_note(const char *note)
{
	long len = 0;
	while (note && note[len])
		len++;
	while (len > 0) {
		long n = sys6(NR_write, 2, (long)note, len, 0);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			return;
		note += n;
		len -= n;
	}
}

/* Append the NUL-terminated `s` at buf[*len], keeping room for "\n" and NUL. */
static void append(char *buf, long cap, long *len, const char *s)
{
	while (s && *s && *len < cap - 2)
		buf[(*len)++] = *s++;
}

/* Line `n` (0-based) of the newline-separated `lines`, copied in. */
static void append_line(char *buf, long cap, long *len, const char *lines,
			long n)
{
	if (!lines)
		return;
	for (; n > 0 && *lines; lines++)
		if (*lines == '\n')
			n--;
	while (*lines && *lines != '\n' && *len < cap - 2)
		buf[(*len)++] = *lines++;
}

/*
 * The program's death by signal `sig`, in one write: argv[3..7] as the
 * header says. Nothing is written without the texts.
 */
static void write_signal_death(char **argv, long argc, int ws,
			       unsigned long forwarded)
{
	char line[512];
	long len = 0;
	int sig = ws & 0x7f;
	if (argc < 8)
		return;
	append(line, sizeof(line), &len, argv[3]);
	append_line(line, sizeof(line), &len, argv[4], sig);
	if (ws & 0x80)
		append(line, sizeof(line), &len, argv[5]);
	if (sig < 65 && (forwarded >> (sig - 1)) & 1)
		append(line, sizeof(line), &len, argv[6]);
	else if (sig == SIGKILL)
		append(line, sizeof(line), &len, argv[7]);
	line[len++] = '\n';
	line[len] = 0;
	write_note(line);
}

/* minijail's status for a wait status (libjail/src/status.rs). */
static long minijail_status(int ws)
{
	int sig = ws & 0x7f;
	if (sig == 0)
		return (ws >> 8) & 0xff;
	if (sig != 0x7f)
		return sig == SIGSYS ? 253 : 128 + sig;
	return 253;
}

/* Whether `s` is "hold". */
static int is_hold(const char *s)
{
	return s && s[0] == 'h' && s[1] == 'o' && s[2] == 'l' && s[3] == 'd' &&
	       s[4] == 0;
}

/*
 * Say so on fd 1 (the launcher's pipe: the exec is complete, so this
 * image is dumpable now), then wait to be killed, consuming any other
 * signal (all are blocked).
 */
__attribute__((noreturn)) static void hold(void)
{
	unsigned long all = ~0UL;
	while (sys6(NR_write, 1, (long)"h", 1, 0) == -EINTR)
		;
	sys6(NR_close_range, 0, ~0U, 0, 0);
	sys6(NR_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, sizeof(all));
	for (;;)
		sys6(NR_rt_sigtimedwait, (long)&all, 0, 0, sizeof(all));
}

__attribute__((noreturn, used)) void start_c(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	unsigned long all = ~0UL;
	long pid = argc > 1 ? parse_pid(argv[1]) : -1;
	const char *note = argc > 2 ? argv[2] : 0;
	int program_status = 0;
	int reaped_program = 0;
	/* Bit N-1: this init passed signal N on to the program. */
	unsigned long forwarded = 0;

	if (argc == 2 && is_hold(argv[1]))
		hold();
	if (pid <= 0)
		exit_with(254);
	/*
	 * execve made this image dumpable again: a program of the same uid
	 * and capabilities could otherwise ptrace its init, which runs
	 * outside the jail's stage 2 (no filter, no no_new_privs).
	 */
	sys6(NR_prctl, PR_SET_DUMPABLE, 0, 0, 0);
	sys6(NR_prctl, PR_SET_NAME, (long)"jail-init", 0, 0);
	/* Nothing of the launch stays open here: the program holds its pipes. */
	sys6(NR_close_range, 3, ~0U, 0, 0);
	sys6(NR_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, sizeof(all));
	for (;;) {
		/* Reap first: the program may have exited before this image ran. */
		for (;;) {
			int ws = 0;
			long got = sys6(NR_wait4, -1, (long)&ws, WNOHANG, 0);
			if (got == 0)
				break; /* Children remain, none exited yet. */
			if (got == -EINTR)
				continue;
			if (got < 0)
				goto done; /* ECHILD: nothing left. */
			if (got == pid) {
				program_status = ws;
				reaped_program = 1;
			}
		}
		for (;;) {
			long sig = sys6(NR_rt_sigtimedwait, (long)&all, 0, 0,
					sizeof(all));
			if (sig == SIGCHLD)
				break;
			if (sig > 0) {
				sys6(NR_kill, pid, sig, 0, 0);
				if (sig < 65)
					forwarded |= 1UL << (sig - 1);
			}
			/* sig < 0: EINTR (a stop and continue). */
		}
	}
done:
	if (!reaped_program)
		exit_with(254);
	if ((program_status & 0x7f) == SIGSYS)
		write_note(note);
	else if ((program_status & 0x7f) != 0 &&
		 (program_status & 0x7f) != 0x7f)
		write_signal_death(argv, argc, program_status, forwarded);
	exit_with(minijail_status(program_status));
}
