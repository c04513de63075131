/*
 * bench_loop.h: the compute loop of the OS benchmarks, shared word for word
 * by the guest (bench_main.c, ring 3 in the test OS) and the native
 * comparison program (native_loop.c, a 32-bit Linux process), both built
 * with gcc -m32 -O2.  A serial chain of integer multiply/shift/xor: no
 * memory traffic, no system calls, so the time is pure user-mode execution.
 *
 *   uint32_t r = bench_loop(BENCH_LOOP_ITERS);   // BENCH_LOOP_RESULT
 */
#pragma once
#include <stdint.h>

#define BENCH_LOOP_ITERS 20000000u
#define BENCH_RUNS 5 /* every benchmark reports the median of this many runs */

static inline __attribute__((always_inline)) uint32_t bench_loop(uint32_t iters)
{
    uint32_t x = 1, s = 0;
    for (uint32_t i = 0; i < iters; i++) {
        x = x * 1103515245u + 12345u;
        s ^= (x >> 16) + (s << 3);
    }
    return s;
}
