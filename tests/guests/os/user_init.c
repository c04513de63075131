/*
 * user_init.c: init, the first process (pid 1, ring 3).
 *
 * It forks one child per job below; each child runs its program and exits
 * with the program's result.  Then init waits for every child, compares the
 * pid and exit status wait() reports with what the job must produce, checks
 * that no child is left, prints one line per check and the verdict
 *   SUMMARY: os: <n> passed, <m> failed
 * and exits with the number of failures: the kernel turns init's exit into
 * the debug-exit port write, so the machine's exit status says it all.
 * Lines from the workers come in any order; init's verdict is what counts.
 */
#include "user.h"

struct job {
    const char *name;   /* shown in the report */
    int (*run)(void);   /* the program, run in the child */
    int expect;         /* its exit status */
};

/* Expected values: 9592 primes below 10^5; Adler-32 of the worker's bytes
 * 0xee8eec45 (host: zlib.adler32 of the same LCG stream) & 0x7fffffff. */
static const struct job jobs[] = {
    { "sieve", work_sieve, 9592 },
    { "checksum", work_checksum, 0x6e8eec45 },
    { "sbrk", work_sbrk, 0 },
    { "cow", work_cow, 0 },
    { "ticker", work_ticker, 0 },
    { "fpu-x87-a", work_fpu_x87_a, 0 },
    { "fpu-x87-b", work_fpu_x87_b, 0 },
    { "fpu-sse-a", work_fpu_sse_a, 0 },
    { "fpu-sse-b", work_fpu_sse_b, 0 },
    { "bad-null-read", bad_null_read, KILLED_BY(VEC_PF) },
    { "bad-kernel-write", bad_kernel_write, KILLED_BY(VEC_PF) },
    { "bad-text-write", bad_text_write, KILLED_BY(VEC_PF) },
    { "bad-wild-read", bad_wild_read, KILLED_BY(VEC_PF) },
    { "bad-invalid-opcode", bad_invalid_opcode, KILLED_BY(VEC_UD) },
    { "bad-divide", bad_divide, KILLED_BY(VEC_DE) },
    { "bad-privileged", bad_privileged, KILLED_BY(VEC_GP) },
};
enum { NJOBS = sizeof jobs / sizeof jobs[0] };

struct tally {
    int passed; /* checks that held */
    int failed; /* checks that did not */
};

/* One "ok - ..." or "FAIL - ..." line per check, counted in t. */
static void check(struct tally *t, int ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void check(struct tally *t, int ok, const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    u_format(line, sizeof line, fmt, ap);
    va_end(ap);
    u_printf("%s - %s\n", ok ? "ok" : "FAIL", line);
    if (ok)
        t->passed++;
    else
        t->failed++;
}

static int job_of_pid(const int *pids, int pid)
{
    for (int i = 0; i < NJOBS; i++)
        if (pids[i] == pid)
            return i;
    return -1;
}

static void start_jobs(struct tally *t, int *pids)
{
    for (int i = 0; i < NJOBS; i++) {
        pids[i] = u_fork();
        if (pids[i] == 0)
            u_exit(jobs[i].run());
        check(t, pids[i] > 1, "fork for %s returned pid %d", jobs[i].name, pids[i]);
    }
}

/* wait() stores the status here, in init's .data page, which every child
 * shares copy-on-write: the kernel's first store breaks the sharing from
 * ring 0 (a supervisor write fault on a read-only user page, CR0.WP = 1). */
static int wait_status = -12345;

static void reap_jobs(struct tally *t, int *pids)
{
    for (int n = 0; n < NJOBS; n++) {
        int pid = u_wait(&wait_status);
        int status = wait_status;
        int i = job_of_pid(pids, pid);
        if (i < 0) {
            check(t, 0, "wait returned pid %d (status 0x%x), not one of mine", pid, (uint32_t)status);
            continue;
        }
        check(t, status == jobs[i].expect, "%s (pid %d) exit status 0x%x, expected 0x%x",
              jobs[i].name, pid, (uint32_t)status, (uint32_t)jobs[i].expect);
        pids[i] = -1; /* each child is reported once */
    }
}

void user_init_main(void)
{
    struct tally t = { 0, 0 };
    int pids[NJOBS];
    u_printf("[pid %d init] starting %d jobs\n", u_getpid(), NJOBS);
    check(&t, u_getpid() == 1, "init is pid %d", u_getpid());
    uint32_t t0 = u_ticks();
    start_jobs(&t, pids);
    check(&t, u_write(1, (const void *)0xc0100000, 4) == -1, "write from a kernel address fails");
    check(&t, u_wait((int *)0xc0100000) == -1, "wait into a kernel address fails");
    reap_jobs(&t, pids);
    int status = 7;
    check(&t, u_wait(&status) == -1 && status == 7, "wait with no children left returns -1");
    uint32_t t1 = u_ticks();
    check(&t, t1 > t0, "the clock advanced: %u ticks", t1 - t0);
    u_printf("SUMMARY: os: %d passed, %d failed\n", t.passed, t.failed);
    u_exit(t.failed);
}
