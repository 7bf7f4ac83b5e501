/*
 * jail-init: the init of a jail's pid namespace (or the relay of a joined
 * one). The launcher's child forks the program and then execs this image
 * from a memfd, so the init that lives as long as the program keeps none
 * of the launcher's address space (which it shares, or would have to
 * copy). No C library: raw syscalls only, a few hundred bytes of code.
 *
 *   argv: jail-init PID NOTE
 *     PID   the program's pid, as this process sees it
 *     NOTE  written to stderr when the program dies of SIGSYS
 *
 * Every signal is blocked (inherited from the launcher, and set again) and
 * taken in turn with rt_sigtimedwait: a blocked signal is queued even for a
 * namespace's init, which the kernel otherwise spares the signals it has no
 * handler for. Every signal but SIGCHLD goes to the program; SIGCHLD reaps
 * every child (orphans of the namespace too). Exits with the program's
 * status as minijail reports it (libjail/src/status.rs): its exit code,
 * 253 for SIGSYS, 128+N for signal N, 254 if it was never reaped.
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

__attribute__((noreturn, used)) void start_c(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	unsigned long all = ~0UL;
	long pid = argc > 1 ? parse_pid(argv[1]) : -1;
	const char *note = argc > 2 ? argv[2] : 0;
	int program_status = 0;
	int reaped_program = 0;

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
			if (sig > 0)
				sys6(NR_kill, pid, sig, 0, 0);
			/* sig < 0: EINTR (a stop and continue). */
		}
	}
done:
	if (!reaped_program)
		exit_with(254);
	if ((program_status & 0x7f) == SIGSYS)
		write_note(note);
	exit_with(minijail_status(program_status));
}
