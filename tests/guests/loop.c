/*
 * loop.c: the loop guest — a few million guest instructions in nested
 * loops, direct calls, indirect calls through a table and recursion, with a
 * checksum compared against a value computed independently on a host (see
 * the Python below).  ctest guest.loop_stats runs it with --stats=json and
 * requires a translation-cache hit rate above 0.99: a block executed
 * hundreds of thousands of times must be translated once.
 *
 * Chained blocks and inline indirect-branch lookups never reach the
 * dispatcher, whose lookups are what the hit rate counts; so each inner
 * iteration also writes the POST port 0x80 (as Linux does for an I/O
 * delay), an exit to the monitor after which the dispatcher must find the
 * rest of the loop body in the cache.
 *
 *   M = 0xffffffff
 *   def mix(x, i): x = (x * 1664525 + 1013904223) & M; x ^= x >> 13; return (x + i) & M
 *   fns = [lambda x, j: (x + j) & M, lambda x, j: x ^ (j * 0x9e3779b9 & M),
 *          lambda x, j: ((x << 5) | (x >> 27)) & M, lambda x, j: (x - j) & M]
 *   x = 12345
 *   for i in range(1000):
 *       for j in range(300):
 *           x = mix(x, j)
 *           x = fns[x & 3](x, j)
 *   print(hex(x))
 */
#include "rt.h"

RT_GUEST("loop");

#define OUTER 1000
#define INNER 300
#define LOOP_EXPECTED 0x62db92c0u /* from the Python above */

static volatile uint32_t seed = 12345;

static __attribute__((noinline)) uint32_t mix(uint32_t x, uint32_t i)
{
    x = x * 1664525u + 1013904223u;
    x ^= x >> 13;
    return x + i;
}

static __attribute__((noinline)) uint32_t f_add(uint32_t x, uint32_t j) { return x + j; }
static __attribute__((noinline)) uint32_t f_xor(uint32_t x, uint32_t j) { return x ^ (j * 0x9e3779b9u); }
static __attribute__((noinline)) uint32_t f_rot(uint32_t x, uint32_t j) { (void)j; return (x << 5) | (x >> 27); }
static __attribute__((noinline)) uint32_t f_sub(uint32_t x, uint32_t j) { return x - j; }

static uint32_t (*const volatile fns[4])(uint32_t, uint32_t) = {f_add, f_xor, f_rot, f_sub};

static __attribute__((noinline)) uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

void test_main(const struct rt_boot *boot)
{
    uint32_t x = seed, i, j;

    (void)boot;
    for (i = 0; i < OUTER; i++)
        for (j = 0; j < INNER; j++) {
            x = mix(x, j);
            x = fns[x & 3](x, j);
            outb(0x80, (uint8_t)x);
        }
    rt_eq(x, LOOP_EXPECTED, "checksum over %u nested iterations", OUTER * INNER);
    rt_eq(fib(seed - 12345 + 22), 17711, "recursive fib(22)");
}
