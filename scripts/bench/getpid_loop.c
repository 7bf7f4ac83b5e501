/* N getpid calls (argv[1], default 1000000): a syscall-heavy program for
 * scripts/bench-record.sh. */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    for (long i = 0; i < n; i++)
        syscall(SYS_getpid);
    return 0;
}
