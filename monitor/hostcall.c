/*
 * hostcall.c: the counted host system calls of a running VM (hostcall.h).
 *
 * Each wrapper is the call plus one relaxed atomic add to its kind and to
 * hc_total.  The add is a single locked instruction, so an increment the
 * SIGALRM handler makes in the middle of the monitor's cannot be lost.
 */
#define _GNU_SOURCE
#include "monitor/hostcall.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/stats.h"

/* One call of kind `name` (a counter of struct stats) on the VM s. */
#define HC_COUNT(s, name)                                                  \
    do {                                                                   \
        if (s) {                                                           \
            __atomic_fetch_add(&(s)->name, 1, __ATOMIC_RELAXED);           \
            __atomic_fetch_add(&(s)->hc_total, 1, __ATOMIC_RELAXED);       \
        }                                                                  \
    } while (0)

ssize_t host_write(struct stats *s, int fd, const void *buf, size_t len)
{
    HC_COUNT(s, hc_writes);
    return write(fd, buf, len);
}

ssize_t host_pwrite(struct stats *s, int fd, const void *buf, size_t len, off_t off)
{
    HC_COUNT(s, hc_writes);
    return pwrite(fd, buf, len, off);
}

ssize_t host_read(struct stats *s, int fd, void *buf, size_t len)
{
    HC_COUNT(s, hc_reads);
    return read(fd, buf, len);
}

ssize_t host_pread(struct stats *s, int fd, void *buf, size_t len, off_t off)
{
    HC_COUNT(s, hc_reads);
    return pread(fd, buf, len, off);
}

int host_poll(struct stats *s, struct pollfd *fds, nfds_t n, int timeout_ms)
{
    HC_COUNT(s, hc_polls);
    return poll(fds, n, timeout_ms);
}

int host_ppoll(struct stats *s, struct pollfd *fds, nfds_t n, const struct timespec *timeout)
{
    HC_COUNT(s, hc_polls);
    return ppoll(fds, n, timeout, NULL);
}

int host_ftruncate(struct stats *s, int fd, off_t len)
{
    HC_COUNT(s, hc_other);
    return ftruncate(fd, len);
}

int host_fdatasync(struct stats *s, int fd)
{
    HC_COUNT(s, hc_other);
    return fdatasync(fd);
}

int host_close(struct stats *s, int fd)
{
    HC_COUNT(s, hc_other);
    return close(fd);
}

int host_tcsetattr(struct stats *s, int fd, int when, const struct termios *t)
{
    HC_COUNT(s, hc_other); /* one ioctl (TCSETS) */
    return tcsetattr(fd, when, t);
}

void host_message(struct stats *s, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    ssize_t r = host_write(s, STDERR_FILENO, buf, len);
    (void)r; /* nowhere left to report a failed message */
}

/* The cookie of a counted stream: its descriptor and the VM's counters. */
struct hc_stream {
    struct stats *stats;
    int fd;
};

static ssize_t hc_stream_write(void *cookie, const char *buf, size_t len)
{
    struct hc_stream *c = cookie;
    size_t done = 0;
    while (done < len) {
        ssize_t n = host_write(c->stats, c->fd, buf + done, len - done);
        if (n <= 0)
            return done ? (ssize_t)done : -1;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

static int hc_stream_close(void *cookie)
{
    struct hc_stream *c = cookie;
    int r = host_close(c->stats, c->fd);
    free(c);
    return r;
}

FILE *host_fdopen_counted(struct stats *s, int fd)
{
    struct hc_stream *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    *c = (struct hc_stream){ .stats = s, .fd = fd };
    FILE *f = fopencookie(c, "w", (cookie_io_functions_t){ .write = hc_stream_write, .close = hc_stream_close });
    if (!f)
        free(c);
    return f;
}

int host_timer_settime(struct stats *s, timer_t t, int flags, const struct itimerspec *its)
{
    HC_COUNT(s, hc_timers);
    return timer_settime(t, flags, its, NULL);
}

int host_timer_delete(struct stats *s, timer_t t)
{
    HC_COUNT(s, hc_timers);
    return timer_delete(t);
}

void *host_mmap(struct stats *s, void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    HC_COUNT(s, hc_maps);
    return mmap(addr, len, prot, flags, fd, off);
}

int host_munmap(struct stats *s, void *addr, size_t len)
{
    HC_COUNT(s, hc_maps);
    return munmap(addr, len);
}

int host_mprotect(struct stats *s, void *addr, size_t len, int prot)
{
    HC_COUNT(s, hc_maps);
    return mprotect(addr, len, prot);
}

long host_arch_prctl(struct stats *s, int code, unsigned long addr)
{
    HC_COUNT(s, hc_other);
    return syscall(SYS_arch_prctl, code, addr);
}

long host_modify_ldt(struct stats *s, int func, const void *ptr, unsigned long len)
{
    HC_COUNT(s, hc_other);
    return syscall(SYS_modify_ldt, func, ptr, len);
}

void host_signal_taken(struct stats *s)
{
    HC_COUNT(s, hc_sigreturns);
}

uint64_t host_clock_ns(struct stats *s, clockid_t clock)
{
    struct timespec ts;
    if (s)
        __atomic_fetch_add(&s->hc_clock_reads, 1, __ATOMIC_RELAXED); /* not in hc_total: the vDSO */
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the allocator ---- */

void host_allocator_setup(void)
{
    /* Every chunk from the brk heap (no mmap'd chunk, whose free would be a
     * munmap), never given back (no trimming brk), and the heap grown 16 MiB
     * at a time: brk is then the allocator's only system call, and a rare
     * one.  32 MiB is the largest mmap threshold glibc accepts on 64-bit. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, -1);
    mallopt(M_TOP_PAD, 16 << 20);
}

const void *host_break(void)
{
    return sbrk(0); /* glibc's cached break: no system call */
}

/* The break moved: one brk call (glibc grows a contiguous main heap with
 * one sbrk, by at least M_TOP_PAD, so two growths within one allocation
 * cannot happen). */
void host_allocator_since(struct stats *s, const void *before)
{
    if (sbrk(0) != before)
        HC_COUNT(s, hc_allocator);
}

void *host_malloc(struct stats *s, size_t len)
{
    const void *before = host_break();
    void *p = malloc(len);
    host_allocator_since(s, before);
    return p;
}

void *host_calloc(struct stats *s, size_t n, size_t len)
{
    const void *before = host_break();
    void *p = calloc(n, len);
    host_allocator_since(s, before);
    return p;
}

void *host_realloc(struct stats *s, void *old, size_t len)
{
    const void *before = host_break();
    void *p = realloc(old, len);
    host_allocator_since(s, before);
    return p;
}

void *host_aligned_alloc(struct stats *s, size_t align, size_t len)
{
    const void *before = host_break();
    void *p = aligned_alloc(align, len);
    host_allocator_since(s, before);
    return p;
}
