/*
 * native_loop.c: the OS benchmarks' compute loop (bench_loop.h) as an
 * ordinary 32-bit Linux program, for comparing a guest run with the bare
 * machine.  Built by CMake as os_native_loop (gcc -m32 -O2).  Prints the
 * median of BENCH_RUNS runs in the format of the guest's benchmark lines:
 *
 *   $ build/tests/guests/os_native_loop
 *   bench native_compute_loop 61234567 cycles
 */
#include <stdio.h>
#include <stdlib.h>
#include "bench_loop.h"

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    uint64_t cycles[BENCH_RUNS];
    volatile uint32_t sink = 0;
    for (int r = 0; r < BENCH_RUNS; r++) {
        uint64_t t0 = rdtsc();
        sink = bench_loop(BENCH_LOOP_ITERS);
        cycles[r] = rdtsc() - t0;
    }
    qsort(cycles, BENCH_RUNS, sizeof cycles[0], cmp_u64);
    printf("bench native_compute_loop %llu cycles\n", (unsigned long long)cycles[BENCH_RUNS / 2]);
    printf("bench native_compute_result 0x%x\n", (unsigned)sink);
    return 0;
}
