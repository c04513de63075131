/*
 * user_fpu.c: floating point while being preempted.
 *
 * Each worker repeats a long loop of double additions whose result is known
 * exactly: with a = 0, b = s and N steps of { a += b; b += 0.5; }
 *     a = N*s + 0.5 * N*(N-1)/2 = N*s + N*(N-1)/4,
 * and every intermediate value is a multiple of 0.5 far below 2^53, so the
 * sums are exact in double (and in the x87's 64-bit mantissa).  The
 * accumulators stay in registers for the whole loop (x87 st(0)/st(1) in the
 * x87 variant, xmm registers in the SSE2 variant), so if the kernel failed
 * to save and restore the FPU/SSE state of a preempted process, a second
 * copy of the worker running with another seed would corrupt the result.
 * Rounds repeat for 20 timer ticks, so the PIT preempts them many times.
 *
 *   int bad_rounds = work_fpu_x87_a();   // 0 when every round was exact
 */
#include "user.h"

enum { STEPS = 200000, TICKS = 20 };

static double fpu_loop_x87(double seed)
{
    double a = 0.0, b = seed;
    for (int i = 0; i < STEPS; i++) {
        a += b;
        b += 0.5;
    }
    return a;
}

/* Returns through memory: a double return value would travel in st(0)
 * under the i386 calling convention, which gcc refuses to mix with SSE. */
__attribute__((target("sse2,fpmath=sse"), noinline)) static void fpu_loop_sse(int seed, double *out)
{
    double a = 0.0, b = seed;
    for (int i = 0; i < STEPS; i++) {
        a += b;
        b += 0.5;
    }
    *out = a;
}

/* 4a = 4*N*s + N*(N-1), in integers; s is a whole number. */
static int fpu_exact(double a, uint32_t seed)
{
    int64_t want4 = 4ll * STEPS * seed + (int64_t)STEPS * (STEPS - 1);
    return (int64_t)(a * 4.0) == want4; /* signed: no libgcc helper */
}

static int fpu_worker(const char *name, int sse, uint32_t seed)
{
    uint32_t t0 = u_ticks(), rounds = 0;
    uint64_t c0 = u_rdtsc();
    int bad = 0;
    while (rounds < 3 || u_ticks() < t0 + TICKS) {
        if (u_rdtsc() - c0 > U_STALL_CYCLES) {
            u_printf("[pid %d %s] FAIL - the clock is stuck at %u ticks\n", u_getpid(), name, u_ticks());
            return bad + 1000;
        }
        double a;
        if (sse)
            fpu_loop_sse((int)seed, &a);
        else
            a = fpu_loop_x87((double)seed);
        if (!fpu_exact(a, seed))
            bad++;
        rounds++;
    }
    u_printf("[pid %d %s] %u rounds in %u ticks, %d inexact\n", u_getpid(), name, rounds,
             u_ticks() - t0, bad);
    return bad;
}

int work_fpu_x87_a(void) { return fpu_worker("fpu-x87-a", 0, 3); }
int work_fpu_x87_b(void) { return fpu_worker("fpu-x87-b", 0, 1000001); }
int work_fpu_sse_a(void) { return fpu_worker("fpu-sse-a", 1, 7); }
int work_fpu_sse_b(void) { return fpu_worker("fpu-sse-b", 1, 2000003); }
