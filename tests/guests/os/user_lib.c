/*
 * user_lib.c: the user-side C library — system-call stubs and a printf.
 *
 * A system call is `int $0x80` with the number in EAX and arguments in EBX,
 * ECX, EDX (syscall.h); the kernel answers in EAX.  Everything here runs in
 * ring 3 and is linked at USER_BASE with the other user programs.
 *
 *   u_printf("[%d sieve] %u primes\n", u_getpid(), n);
 */
#include "user.h"

static inline int syscall3(int n, uint32_t a, uint32_t b, uint32_t c)
{
    int r;
    asm volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
    return r;
}

int u_write(int fd, const void *buf, uint32_t len) { return syscall3(SYS_WRITE, fd, (uint32_t)buf, len); }
int u_getpid(void) { return syscall3(SYS_GETPID, 0, 0, 0); }
int u_fork(void) { return syscall3(SYS_FORK, 0, 0, 0); }
int u_wait(int *status) { return syscall3(SYS_WAIT, (uint32_t)status, 0, 0); }
void *u_sbrk(int increment) { return (void *)syscall3(SYS_SBRK, (uint32_t)increment, 0, 0); }
void u_yield(void) { syscall3(SYS_YIELD, 0, 0, 0); }
uint32_t u_ticks(void) { return (uint32_t)syscall3(SYS_TICKS, 0, 0, 0); }
void u_sleep(uint32_t nticks) { syscall3(SYS_SLEEP, nticks, 0, 0); }

void u_exit(int status)
{
    syscall3(SYS_EXIT, (uint32_t)status, 0, 0);
    for (;;)
        ; /* not reached */
}

struct fmt {
    char *buf;     /* destination */
    uint32_t size; /* capacity including the NUL */
    uint32_t len;  /* characters produced (may exceed size) */
};

static void fmt_put(struct fmt *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void fmt_number(struct fmt *o, uint32_t v, unsigned base, int negative, unsigned width, char pad)
{
    char tmp[12];
    unsigned n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (negative)
        tmp[n++] = '-';
    while (width-- > n)
        fmt_put(o, pad);
    while (n)
        fmt_put(o, tmp[--n]);
}

int u_format(char *buf, uint32_t size, const char *fmt, va_list ap)
{
    struct fmt o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            fmt_put(&o, *fmt);
            continue;
        }
        char pad = ' ';
        unsigned width = 0;
        if (*++fmt == '0')
            pad = '0';
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt++ - '0');
        switch (*fmt) {
        case 'd': {
            int v = va_arg(ap, int);
            fmt_number(&o, v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 10, v < 0, width, pad);
            break;
        }
        case 'u': fmt_number(&o, va_arg(ap, uint32_t), 10, 0, width, pad); break;
        case 'x': fmt_number(&o, va_arg(ap, uint32_t), 16, 0, width, pad); break;
        case 'c': fmt_put(&o, (char)va_arg(ap, int)); break;
        case 's':
            for (const char *s = va_arg(ap, const char *); *s; s++)
                fmt_put(&o, *s);
            break;
        case '\0': fmt--; break;
        default: fmt_put(&o, *fmt); break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

void u_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = u_format(buf, sizeof buf, fmt, ap);
    va_end(ap);
    u_write(1, buf, n < (int)sizeof buf ? (uint32_t)n : sizeof buf - 1);
}

/* Shift-and-subtract long division (gcc would call libgcc's __udivdi3). */
uint64_t u_div64(uint64_t n, uint32_t d)
{
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((n >> i) & 1);
        if (r >= d) {
            r -= d;
            q |= 1ull << i;
        }
    }
    return q;
}

void u_sort(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}
