/*
 * user_work.c: the worker programs init starts (each in its own process,
 * ring 3, own address space).  Each returns its exit status; init compares
 * it with the value it expects (user_init.c).
 *
 *   work_sieve     primes below 100000 in a heap array (sbrk, demand-zero)
 *   work_checksum  Adler-32 of 32 KiB of pseudo-random bytes on the stack
 *                  (the stack grows by demand-zero page faults)
 *   work_sbrk      heap growth and shrinking, data kept, fresh pages zero
 *   work_cow       fork + writes on both sides: copy-on-write isolation
 *   work_ticker    sees the timer advance while it spins (preemption)
 */
#include "user.h"

int work_sieve(void)
{
    enum { N = 100000 };
    uint8_t *composite = u_sbrk(N); /* fresh heap pages read as zero */
    if (composite == (void *)-1)
        return -1;
    int count = 0;
    for (uint32_t i = 2; i < N; i++) {
        if (composite[i])
            continue;
        count++;
        for (uint32_t j = i * i; j < N && i < 65536; j += i)
            composite[j] = 1;
    }
    u_printf("[pid %d sieve] %d primes below %d\n", u_getpid(), count, N);
    return count;
}

int work_checksum(void)
{
    enum { LEN = 32768 };
    uint8_t buf[LEN]; /* 8 pages of stack, each mapped on first touch */
    uint32_t x = 12345, a = 1, b = 0;
    for (int i = 0; i < LEN; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    for (int i = 0; i < LEN; i++) {
        a = (a + buf[i]) % 65521;
        b = (b + a) % 65521;
    }
    uint32_t adler = (b << 16) | a;
    u_printf("[pid %d checksum] adler32 0x%x\n", u_getpid(), adler);
    return (int)(adler & 0x7fffffff);
}

static int sbrk_fill_check(uint32_t *p, uint32_t words, uint32_t salt, int fill)
{
    int bad = 0;
    for (uint32_t i = 0; i < words; i++) {
        uint32_t want = (i + salt) * 2654435761u;
        if (fill)
            p[i] = want;
        else if (p[i] != want)
            bad++;
    }
    return bad;
}

static int sbrk_expect(int cond, const char *what)
{
    if (!cond)
        u_printf("[pid %d sbrk] FAIL - %s\n", u_getpid(), what);
    return !cond;
}

int work_sbrk(void)
{
    int bad = 0;
    uint8_t *base = u_sbrk(0);
    uint32_t *a = u_sbrk(256 * 1024);
    bad += sbrk_expect((uint8_t *)a == base, "sbrk(256K) returns the old break");
    bad += sbrk_expect(u_sbrk(0) == base + 256 * 1024, "break moved by 256K");
    bad += sbrk_expect(a[0] == 0 && a[65535] == 0, "new heap pages read as zero");
    sbrk_fill_check(a, 65536, 7, 1);
    uint32_t *b = u_sbrk(64 * 1024);
    sbrk_fill_check(b, 16384, 99, 1);
    bad += sbrk_expect(sbrk_fill_check(a, 65536, 7, 0) == 0, "first 256K intact after growing");
    bad += sbrk_expect(u_sbrk(-64 * 1024) == (void *)(base + 320 * 1024), "shrink returns the old break");
    uint32_t *c = u_sbrk(4096);
    bad += sbrk_expect(c == b && c[0] == 0 && c[1023] == 0, "a page given back and taken again is zero");
    bad += sbrk_expect(u_sbrk(0x7fffffff) == (void *)-1, "an absurd sbrk fails");
    bad += sbrk_expect(u_sbrk(-0x10000000) == (void *)-1, "shrinking below the heap start fails");
    bad += sbrk_expect(sbrk_fill_check(a, 65536, 7, 0) == 0, "data intact at the end");
    u_printf("[pid %d sbrk] heap at 0x%x grew to 0x%x, %d problems\n", u_getpid(),
             (uint32_t)base, (uint32_t)u_sbrk(0), bad);
    return bad;
}

/* Copy-on-write: after fork, parent and child share every page read-only;
 * each write must land in the writer's own copy only. */
static int cow_data = 111; /* user .data: private per process */

int work_cow(void)
{
    int on_stack = 111;
    volatile int *heap = u_sbrk(4096);
    *heap = 111;
    volatile int *data = &cow_data;
    volatile int *stack = &on_stack;
    int pid = u_fork();
    if (pid == 0) {
        u_yield(); /* let the parent write first */
        int seen = *data + *stack + *heap; /* 333 unless the parent's writes leaked */
        *data = 222;
        *stack = 222;
        *heap = 222;
        int ok = seen == 333 && *data + *stack + *heap == 666;
        u_printf("[pid %d cow-child] saw %d before writing, %s\n", u_getpid(), seen, ok ? "isolated" : "LEAK");
        u_exit(ok ? 42 : 1);
    }
    *data = 999;
    *stack = 999;
    *heap = 999;
    /* a page nobody touched yet: the kernel's store maps it (demand-zero
     * fault taken in ring 0) */
    int *fresh = u_sbrk(4096);
    int got = u_wait(fresh);
    int status = *fresh;
    int sum = *data + *stack + *heap;
    int ok = got == pid && status == 42 && sum == 3 * 999;
    u_printf("[pid %d cow] child %d status %d, mine still %d: %s\n", u_getpid(), got, status, sum,
             ok ? "isolated" : "FAIL");
    return ok ? 0 : 1;
}

int work_ticker(void)
{
    uint32_t t0 = u_ticks(), spins = 0;
    uint64_t c0 = u_rdtsc();
    while (u_ticks() < t0 + 10) { /* 100 ms: the PIT keeps interrupting us */
        spins++;
        if (u_rdtsc() - c0 > U_STALL_CYCLES) {
            u_printf("[pid %d ticker] FAIL - no timer tick for 10^10 cycles\n", u_getpid());
            return 1;
        }
    }
    for (int i = 0; i < 3; i++)
        u_yield();
    u_printf("[pid %d ticker] 10 ticks passed (%u polls)\n", u_getpid(), spins);
    return 0;
}
