/*
 * user.h: the C library of the test OS's user programs (user_lib.c) and the
 * entry points of those programs.
 *
 * User programs run in ring 3 at USER_BASE and may only call code of the
 * user image (files user_*.c and bench_*.c): the kernel's functions live on
 * supervisor-only pages.  Hence the u_ prefix (everything is linked into one
 * ELF file) and no memcpy/memset: user code must not make gcc emit them
 * (no structure copies, no array initialisers on the stack).
 *
 *   int pid = u_fork();
 *   if (pid == 0) u_exit(work());
 *   u_printf("[init] child %d\n", pid);
 */
#pragma once
#include <stdarg.h>
#include <stdint.h>
#include "syscall.h"

int u_write(int fd, const void *buf, uint32_t len);
int u_getpid(void);
int u_fork(void);
void u_exit(int status) __attribute__((noreturn));
int u_wait(int *status);
void *u_sbrk(int increment);
void u_yield(void);
uint32_t u_ticks(void);
void u_sleep(uint32_t nticks);

/* printf subset: %d %u %x %s %c, optional 0 flag and width; one write()
 * per call, so lines from different processes never mix. */
void u_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int u_format(char *buf, uint32_t size, const char *fmt, va_list ap);

static inline uint64_t u_rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
/* Programs that wait for timer ticks give up after this many TSC cycles
 * (a few seconds) and report that the clock is stuck instead of hanging. */
#define U_STALL_CYCLES 10000000000ull
uint64_t u_div64(uint64_t n, uint32_t d); /* no libgcc: 64/32 division by hand */
void u_sort(uint64_t *v, int n);

/* ---- the programs (each returns its exit status) ---- */
int work_sieve(void);
int work_checksum(void);
int work_sbrk(void);
int work_cow(void);
int work_ticker(void);
int work_fpu_x87_a(void);
int work_fpu_x87_b(void);
int work_fpu_sse_a(void);
int work_fpu_sse_b(void);
int bad_null_read(void);
int bad_kernel_write(void);
int bad_text_write(void);
int bad_wild_read(void);
int bad_invalid_opcode(void);
int bad_divide(void);
int bad_privileged(void);
