/*
 * lxbench.c: the Linux guest benchmark, one static i386 program that runs
 * unchanged as a native 32-bit host process, inside the Debian guest on
 * btvisor and inside the same guest on QEMU's TCG, so that the three numbers
 * of each measure come from the same instructions.
 *
 * Nine measures, each timed with clock_gettime(CLOCK_MONOTONIC) around a
 * loop of N operations and repeated RUNS times (default 5); the program
 * prints one line per measure with the median of the runs:
 *
 *   lxbench <name> <median> <unit>
 *
 *   compute_loop    a pseudo-random walk over a 64 KiB table, a load and
 *                   a store per round (s per loop): user code only, no
 *                   system calls
 *   alu_chain       a serial multiply/shift/xor chain in registers (s per
 *                   loop), the test OS's bench_loop.h with more rounds
 *   getppid         syscall(SYS_getppid) round trip (ns per call)
 *   fork_exit_wait  fork, the child _exit(0)s, the parent waitpid()s (us)
 *   page_fault      first write to each page of a fresh anonymous mmap
 *                   (ns per page): a demand-zero fault each
 *   pipe_pingpong   one byte there and back between two processes over two
 *                   pipes (us per round trip): 2 context switches, 4 calls
 *   fork_exec       fork, the child execve()s this program in its "exit"
 *                   mode, the parent waitpid()s (us)
 *   memcpy          memcpy between two 8 MiB buffers (MB/s, 1 MB = 10^6 B)
 *   tlb_stress      one load from each page of 64 MiB in turn, every page
 *                   written beforehand (ns per load): a TLB miss per load
 *                   on any machine (16384 pages, more than a TLB holds)
 *
 * Every measure checks that its work was done (child exit statuses, bytes
 * read back, the copy compared; the two loops print their results as
 * "lxbench compute_result X" and "lxbench chain_result X" so that runs on
 * different machines can be compared), and a failed check prints
 * "lxbench <name> FAIL <why>" and makes the exit status 1: a broken run is
 * never reported as a time.  The program also
 * prints "lxbench begin" first and "lxbench elapsed <s> s" last (its own
 * clock from start to end), so a harness that timestamps the lines on the
 * host can compare the guest's clock with wall time.  Nothing here asserts
 * anything about time.
 *
 *   gcc -m32 -static -O2 -o lxbench bench/linux/lxbench.c
 *   ./lxbench                  # all measures, 5 runs each
 *   ./lxbench -n 9 getppid     # one measure, 9 runs
 */
#define _GNU_SOURCE /* syscall, MADV_NOHUGEPAGE */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define COMPUTE_ITERS 180000000u /* about 0.33 s natively on a 2.6 GHz Xeon */
#define COMPUTE_TABLE 16384u /* entries of the compute loop's table, a power of 2 */
#define CHAIN_ITERS 250000000u /* about 0.33 s natively too */
#define GETPPID_CALLS 20000
#define FORK_OPS 200
#define FAULT_PAGES 8192 /* 32 MiB */
#define PINGPONG_TRIPS 5000
#define FORKEXEC_OPS 100
#define MEMCPY_BYTES (8u << 20)
#define MEMCPY_PASSES 8 /* each pass copies there and back: 16 copies */
#define TLB_BYTES (64u << 20)
#define TLB_PASSES 8 /* 8 x 16384 loads */
#define PAGE 4096u
#define MAX_RUNS 99

/* What every measure gets: where to find this program for exec. */
struct lxb {
    const char *self; /* path of this program (/proc/self/exe's target or argv[0]) */
    uint32_t compute_result; /* the compute loop's result, printed once */
    uint32_t chain_result; /* the ALU chain's result, printed once */
    char why[96]; /* reason of the last failed check */
};

/* One measure: a name, a unit and a function that times one run of it and
 * returns the value in that unit, or a negative number after filling
 * lx->why when a check failed. */
struct measure {
    const char *name; /* first word after "lxbench" */
    const char *unit; /* unit of the value printed */
    double (*run)(struct lxb *lx);
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double fail(struct lxb *lx, const char *why)
{
    snprintf(lx->why, sizeof lx->why, "%s", why);
    return -1.0;
}

/* The compute loop: a pseudo-random walk over a 64 KiB table (in the L2
 * cache), a load, a store and a data-dependent choice (gcc -O2 makes it a
 * cmov) per round: integer work with memory traffic, the kind an
 * interpreter or a compressor does. */
static uint32_t compute_table(uint32_t iters)
{
    static uint32_t table[COMPUTE_TABLE]; /* zeroed at every call */
    uint32_t x = 1, s = 0;
    memset(table, 0, sizeof table);
    for (uint32_t i = 0; i < iters; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t j = (x >> 12) & (COMPUTE_TABLE - 1);
        uint32_t v = table[j] + (x >> 16);
        table[j] = v;
        if (v & 1)
            s += v >> 3;
        else
            s ^= j;
    }
    return s;
}

static double run_compute(struct lxb *lx)
{
    /* volatile: the compiler must not fold the loop for a constant count */
    volatile uint32_t iters = COMPUTE_ITERS;
    double t0 = now_s();
    uint32_t r = compute_table(iters);
    double t = now_s() - t0;
    if (lx->compute_result != 0 && r != lx->compute_result)
        return fail(lx, "loop result changed between runs");
    lx->compute_result = r;
    return t;
}

/* The register-only chain of the test OS's bench_loop.h, more rounds. */
static uint32_t compute_chain(uint32_t iters)
{
    uint32_t x = 1, s = 0;
    for (uint32_t i = 0; i < iters; i++) {
        x = x * 1103515245u + 12345u;
        s ^= (x >> 16) + (s << 3);
    }
    return s;
}

static double run_alu_chain(struct lxb *lx)
{
    volatile uint32_t iters = CHAIN_ITERS;
    double t0 = now_s();
    uint32_t r = compute_chain(iters);
    double t = now_s() - t0;
    if (lx->chain_result != 0 && r != lx->chain_result)
        return fail(lx, "chain result changed between runs");
    lx->chain_result = r;
    return t;
}

static double run_getppid(struct lxb *lx)
{
    long want = syscall(SYS_getppid), bad = 0;
    double t0 = now_s();
    for (int i = 0; i < GETPPID_CALLS; i++)
        bad |= syscall(SYS_getppid) ^ want;
    double t = now_s() - t0;
    if (bad)
        return fail(lx, "getppid answered differently");
    return t / GETPPID_CALLS * 1e9;
}

/* waitpid for pid; 0 when it exited with status 0. */
static int reap(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static double run_fork(struct lxb *lx)
{
    double t0 = now_s();
    for (int i = 0; i < FORK_OPS; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        if (pid < 0 || reap(pid) != 0)
            return fail(lx, "fork or child status");
    }
    return (now_s() - t0) / FORK_OPS * 1e6;
}

static double run_page_fault(struct lxb *lx)
{
    size_t len = (size_t)FAULT_PAGES * PAGE;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return fail(lx, "mmap");
    /* 4 KiB faults everywhere: no transparent huge pages on the host */
    madvise(p, len, MADV_NOHUGEPAGE);
    double t0 = now_s();
    for (size_t i = 0; i < FAULT_PAGES; i++)
        p[i * PAGE] = (unsigned char)(i | 1);
    double t = now_s() - t0;
    size_t bad = 0;
    for (size_t i = 0; i < FAULT_PAGES; i++)
        bad += p[i * PAGE] != (unsigned char)(i | 1) || p[i * PAGE + 1] != 0;
    munmap(p, len);
    if (bad)
        return fail(lx, "page contents wrong");
    return t / FAULT_PAGES * 1e9;
}

/* The echoing end of the ping-pong: answer each byte with byte + 1. */
static void pingpong_child(int in, int out)
{
    unsigned char c = 0;
    if (write(out, &c, 1) != 1) /* ready */
        _exit(1);
    while (read(in, &c, 1) == 1) {
        c++;
        if (write(out, &c, 1) != 1)
            _exit(1);
    }
    _exit(0);
}

static double pingpong_loop(struct lxb *lx, int to, int from)
{
    unsigned char c;
    if (read(from, &c, 1) != 1)
        return fail(lx, "child never got ready");
    double t0 = now_s();
    for (int i = 0; i < PINGPONG_TRIPS; i++) {
        unsigned char b = (unsigned char)i, r;
        if (write(to, &b, 1) != 1 || read(from, &r, 1) != 1 || r != (unsigned char)(b + 1))
            return fail(lx, "wrong byte back");
    }
    return (now_s() - t0) / PINGPONG_TRIPS * 1e6;
}

static double run_pingpong(struct lxb *lx)
{
    int down[2], up[2];
    if (pipe(down) != 0 || pipe(up) != 0)
        return fail(lx, "pipe");
    pid_t pid = fork();
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        pingpong_child(down[0], up[1]);
    }
    close(down[0]);
    close(up[1]);
    double v = pid < 0 ? fail(lx, "fork") : pingpong_loop(lx, down[1], up[0]);
    close(down[1]); /* the child sees end-of-file and exits */
    close(up[0]);
    if (pid > 0 && reap(pid) != 0 && v >= 0)
        v = fail(lx, "child status");
    return v;
}

static double run_fork_exec(struct lxb *lx)
{
    double t0 = now_s();
    for (int i = 0; i < FORKEXEC_OPS; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            execl(lx->self, lx->self, "exit", (char *)NULL);
            _exit(127);
        }
        if (pid < 0 || reap(pid) != 0)
            return fail(lx, "fork, exec or child status");
    }
    return (now_s() - t0) / FORKEXEC_OPS * 1e6;
}

static double run_memcpy(struct lxb *lx)
{
    unsigned char *a = malloc(MEMCPY_BYTES), *b = malloc(MEMCPY_BYTES);
    double v;
    if (!a || !b) {
        v = fail(lx, "malloc");
    } else {
        /* Write both buffers first so that no page fault is timed.  b
         * through a volatile pointer: gcc drops a memset of b as dead (the
         * copy overwrites it) or turns malloc + memset(0) into calloc, and
         * either leaves the fresh mmap untouched. */
        for (size_t i = 0; i < MEMCPY_BYTES; i++)
            a[i] = (unsigned char)(i * 7 + i / 4096);
        for (size_t i = 0; i < MEMCPY_BYTES; i += PAGE)
            ((volatile unsigned char *)b)[i] = 0xa5;
        double t0 = now_s();
        for (int i = 0; i < MEMCPY_PASSES; i++) {
            memcpy(b, a, MEMCPY_BYTES);
            memcpy(a, b, MEMCPY_BYTES);
        }
        double t = now_s() - t0;
        int same = memcmp(a, b, MEMCPY_BYTES) == 0 && a[MEMCPY_BYTES - 1] ==
            (unsigned char)((MEMCPY_BYTES - 1) * 7 + (MEMCPY_BYTES - 1) / 4096);
        v = same ? 2.0 * MEMCPY_PASSES * MEMCPY_BYTES / t / 1e6 : fail(lx, "copy differs");
    }
    free(a);
    free(b);
    return v;
}

/* One load per page, in page order, each at a different cache line of its
 * page (so that the loads do not all fall into the same cache sets): every
 * load needs a translation the last 16383 loads did not use. */
static uint32_t tlb_walk(const volatile unsigned char *p)
{
    uint32_t sum = 0;
    for (int pass = 0; pass < TLB_PASSES; pass++)
        for (size_t i = 0; i < TLB_BYTES / PAGE; i++)
            sum += p[i * PAGE + (i % 64) * 64];
    return sum;
}

static double run_tlb_stress(struct lxb *lx)
{
    size_t pages = TLB_BYTES / PAGE;
    unsigned char *p = mmap(NULL, TLB_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return fail(lx, "mmap");
    madvise(p, TLB_BYTES, MADV_NOHUGEPAGE); /* 4 KiB pages: a huge page would need one entry per 2 MiB */
    uint32_t want = 0;
    for (size_t i = 0; i < pages; i++) { /* no page fault is timed */
        p[i * PAGE + (i % 64) * 64] = (unsigned char)(i * 3 + 1);
        want += (unsigned char)(i * 3 + 1);
    }
    double t0 = now_s();
    uint32_t sum = tlb_walk(p);
    double t = now_s() - t0;
    munmap(p, TLB_BYTES);
    if (sum != want * TLB_PASSES)
        return fail(lx, "loaded values wrong");
    return t / ((double)pages * TLB_PASSES) * 1e9;
}

static const struct measure measures[] = {
    { "compute_loop", "s", run_compute },
    { "alu_chain", "s", run_alu_chain },
    { "getppid", "ns", run_getppid },
    { "fork_exit_wait", "us", run_fork },
    { "page_fault", "ns", run_page_fault },
    { "pipe_pingpong", "us", run_pingpong },
    { "fork_exec", "us", run_fork_exec },
    { "memcpy", "MB/s", run_memcpy },
    { "tlb_stress", "ns", run_tlb_stress },
};
#define N_MEASURES (sizeof measures / sizeof measures[0])

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Run m `runs` times and print its median line; 0 on success. */
static int measure_run(struct lxb *lx, const struct measure *m, int runs)
{
    double v[MAX_RUNS];
    for (int i = 0; i < runs; i++) {
        v[i] = m->run(lx);
        if (v[i] < 0) {
            printf("lxbench %s FAIL %s\n", m->name, lx->why);
            return 1;
        }
    }
    qsort(v, (size_t)runs, sizeof v[0], cmp_double);
    double med = runs % 2 ? v[runs / 2] : (v[runs / 2 - 1] + v[runs / 2]) / 2;
    printf("lxbench %s %.*f %s\n", m->name, med < 10 ? 3 : 1, med, m->unit);
    if (m->run == run_compute)
        printf("lxbench compute_result %u\n", (unsigned)lx->compute_result);
    if (m->run == run_alu_chain)
        printf("lxbench chain_result %u\n", (unsigned)lx->chain_result);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: lxbench [-n RUNS] [all|exit");
    for (size_t i = 0; i < N_MEASURES; i++)
        fprintf(stderr, "|%s", measures[i].name);
    fprintf(stderr, "]\n");
    exit(2);
}

/* The path execve needs to start this program again. */
static const char *self_path(const char *argv0)
{
    static char buf[4096]; /* written once, before any measure runs */
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return argv0;
    buf[n] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    int runs = 5, arg = 1, status = 0, found = 0;
    if (arg + 1 < argc && strcmp(argv[arg], "-n") == 0) {
        runs = atoi(argv[arg + 1]);
        arg += 2;
    }
    const char *mode = arg < argc ? argv[arg] : "all";
    if (strcmp(mode, "exit") == 0) /* the child of fork_exec */
        return 0;
    for (size_t i = 0; i < N_MEASURES; i++)
        found |= strcmp(mode, measures[i].name) == 0;
    if (runs < 1 || runs > MAX_RUNS || arg + 1 < argc || !(found || strcmp(mode, "all") == 0))
        usage();
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct lxb lx = { .self = self_path(argv[0]) };
    double t0 = now_s();
    printf("lxbench begin runs=%d\n", runs);
    for (size_t i = 0; i < N_MEASURES; i++) {
        if (strcmp(mode, "all") != 0 && strcmp(mode, measures[i].name) != 0)
            continue;
        status |= measure_run(&lx, &measures[i], runs);
    }
    printf("lxbench elapsed %.3f s\n", now_s() - t0);
    return status;
}
