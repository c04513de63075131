/*
 * bench_main.c: micro-benchmarks of the test OS, run by init (ring 3)
 * instead of the process mix when the command line holds "bench"
 * (qemu-system-i386 -kernel os.elf -append bench ...).  Each prints
 *
 *   bench <name> <value> <unit>
 *
 * with the median of BENCH_RUNS runs, timed with rdtsc in ring 3:
 *   compute_loop     the loop of bench_loop.h (compare: os_native_loop)
 *   syscall_getpid   int 0x80 round trip, cycles per call
 *   page_fault       demand-zero fault on a fresh heap page, cycles per fault
 *   context_switch   two processes yielding to each other, cycles per switch
 * These are measurements, not tests: nothing is asserted about the times.
 * The SUMMARY line only counts the benchmarks that ran to completion.
 */
#include "bench_loop.h"
#include "user.h"

enum { SYSCALLS = 10000, FAULT_PAGES = 256, SWITCHES = 2000 };

static void print_u64(const char *name, uint64_t v, const char *unit)
{
    char digits[24];
    int n = 0;
    do {
        uint64_t q = u_div64(v, 10);
        digits[n++] = (char)('0' + (v - q * 10));
        v = q;
    } while (v);
    char text[24];
    for (int i = 0; i < n; i++)
        text[i] = digits[n - 1 - i];
    text[n] = '\0';
    u_printf("bench %s %s %s\n", name, text, unit);
}

static uint64_t median(uint64_t *v)
{
    u_sort(v, BENCH_RUNS);
    return v[BENCH_RUNS / 2];
}

static int bench_compute(void)
{
    uint64_t cycles[BENCH_RUNS];
    uint32_t result = 0, first = 0;
    int same = 1;
    for (int r = 0; r < BENCH_RUNS; r++) {
        uint64_t t0 = u_rdtsc();
        result = bench_loop(BENCH_LOOP_ITERS);
        cycles[r] = u_rdtsc() - t0;
        if (r == 0)
            first = result;
        same &= result == first;
    }
    print_u64("compute_loop", median(cycles), "cycles");
    u_printf("bench compute_result 0x%x count\n", result);
    return same;
}

static int bench_syscall(void)
{
    uint64_t cycles[BENCH_RUNS];
    int pid = u_getpid();
    int same = 1;
    for (int r = 0; r < BENCH_RUNS; r++) {
        uint64_t t0 = u_rdtsc();
        for (int i = 0; i < SYSCALLS; i++)
            same &= u_getpid() == pid;
        cycles[r] = u_div64(u_rdtsc() - t0, SYSCALLS);
    }
    print_u64("syscall_getpid", median(cycles), "cycles/call");
    return same;
}

static int bench_page_fault(void)
{
    uint64_t cycles[BENCH_RUNS];
    int ok = 1;
    for (int r = 0; r < BENCH_RUNS; r++) {
        volatile uint8_t *heap = u_sbrk(FAULT_PAGES * 4096);
        if (heap == (void *)-1)
            return 0;
        uint64_t t0 = u_rdtsc();
        for (int i = 0; i < FAULT_PAGES; i++)
            heap[i * 4096] = 1; /* each write maps one zero page */
        cycles[r] = u_div64(u_rdtsc() - t0, FAULT_PAGES);
        ok &= u_sbrk(-FAULT_PAGES * 4096) != (void *)-1;
    }
    print_u64("page_fault", median(cycles), "cycles/fault");
    return ok;
}

static int bench_switch(void)
{
    uint64_t cycles[BENCH_RUNS];
    int ok = 1;
    for (int r = 0; r < BENCH_RUNS; r++) {
        int pid = u_fork();
        if (pid == 0) {
            for (int i = 0; i < SWITCHES; i++)
                u_yield();
            u_exit(0);
        }
        /* each of our yields runs the child once: two switches */
        uint64_t t0 = u_rdtsc();
        for (int i = 0; i < SWITCHES; i++)
            u_yield();
        cycles[r] = u_div64(u_rdtsc() - t0, 2 * SWITCHES);
        int status = -1;
        ok &= pid > 0 && u_wait(&status) == pid && status == 0;
    }
    print_u64("context_switch", median(cycles), "cycles/switch");
    return ok;
}

void bench_main(void)
{
    int passed = 0, runs = 0;
    u_printf("[pid %d bench] %u runs each, medians\n", u_getpid(), BENCH_RUNS);
    passed += bench_compute(), runs++;
    passed += bench_syscall(), runs++;
    passed += bench_page_fault(), runs++;
    passed += bench_switch(), runs++;
    u_printf("SUMMARY: os_bench: %d passed, %d failed\n", passed, runs - passed);
    u_exit(runs - passed);
}
