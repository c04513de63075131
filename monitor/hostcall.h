/*
 * hostcall.h: the host system calls of a running VM, each counted.
 *
 * Once the machine is set up and confined (monitor/confine.c), every host
 * system call the monitor makes goes through one of these wrappers, which
 * makes the call and counts it in the VM's statistics (--stats, group
 * "host": hc_total and one counter per kind).  The issue they make
 * visible: in steady state a guest system call, page fault, context switch
 * or interrupt should enter no host kernel at all, so hc_total should grow
 * with the guest's output, input, timer ticks and halts, not with its work.
 *
 * Calls the wrappers cannot see are counted where they happen:
 *   - rt_sigreturn, one per host signal handler that returns
 *     (host_signal_taken() at the top of the handler, monitor/signals.c);
 *   - the allocator's brk: host_malloc() and friends compare the program
 *     break before and after (glibc's sbrk(0) is no system call);
 *     host_allocator_setup() makes brk the allocator's only way to the
 *     kernel (no mmap'd chunks, no trimming), so nothing else is missed.
 * Clock reads (host_clock_ns) are counted apart, in hc_clock_reads and not
 * in hc_total: glibc reads the clock through the vDSO, which enters the
 * kernel only where the host's clock source has no user-space path (tsc
 * and kvm-clock have one).
 *
 * The counters are bumped with one atomic add each, because the SIGALRM
 * handler makes calls too (irq_retry_soon): a plain ++ in the monitor could
 * lose the handler's increment.  A NULL stats pointer (unit tests that use
 * a device back end without a VM) makes the call uncounted.
 *
 * Set-up (the host probe, loading files, creating the guest window and the
 * translation cache, installing handlers and filters) and the report itself
 * are not counted: the window is from confine_apply() to vm_print_stats().
 * tests/guests/check_host_calls.sh compares each kind with strace's count
 * of the same window.
 *
 *   n = host_write(&vm->stats, fd, buf, len);      // hc_writes, hc_total
 *   host_message(&vm->stats, "btvisor: %s\n", s); // one write to stderr
 */
#pragma once
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <termios.h>
#include <time.h>

struct stats;

/* I/O on descriptors opened at set-up. */
ssize_t host_write(struct stats *s, int fd, const void *buf, size_t len);
ssize_t host_pwrite(struct stats *s, int fd, const void *buf, size_t len, off_t off);
ssize_t host_read(struct stats *s, int fd, void *buf, size_t len);
ssize_t host_pread(struct stats *s, int fd, void *buf, size_t len, off_t off);
int host_poll(struct stats *s, struct pollfd *fds, nfds_t n, int timeout_ms);
int host_ppoll(struct stats *s, struct pollfd *fds, nfds_t n, const struct timespec *timeout);
int host_ftruncate(struct stats *s, int fd, off_t len);
int host_fdatasync(struct stats *s, int fd);
int host_close(struct stats *s, int fd);
int host_tcsetattr(struct stats *s, int fd, int when, const struct termios *t);
/* Format and write to stderr with one write (stderr's stdio stream may
 * split a message into several). */
void host_message(struct stats *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A write-only stdio stream on fd whose writes are host_write()s: buffered
 * output (the translation dump) counted like the rest.  NULL on failure. */
FILE *host_fdopen_counted(struct stats *s, int fd);

/* The device timer (monitor/irq.c). */
int host_timer_settime(struct stats *s, timer_t t, int flags, const struct itimerspec *its);
int host_timer_delete(struct stats *s, timer_t t);

/* Host mappings: the host-mapped guest window, the soft MMU's stitch pages. */
void *host_mmap(struct stats *s, void *addr, size_t len, int prot, int flags, int fd, off_t off);
int host_munmap(struct stats *s, void *addr, size_t len);
int host_mprotect(struct stats *s, void *addr, size_t len, int prot);

/* Segments: the GS base of the guest window, LDT entries of direct execution. */
long host_arch_prctl(struct stats *s, int code, unsigned long addr);
long host_modify_ldt(struct stats *s, int func, const void *ptr, unsigned long len);

/* The rt_sigreturn that ends a host signal handler; async-signal-safe. */
void host_signal_taken(struct stats *s);

/* CLOCK_MONOTONIC or CLOCK_REALTIME in nanoseconds (hc_clock_reads). */
uint64_t host_clock_ns(struct stats *s, clockid_t clock);

/* The allocator, with its brk calls counted (hc_allocator). */
void host_allocator_setup(void);
/* For code that allocates through a library (Capstone in the translation
 * dump): the break now, and one count if it moved since. */
const void *host_break(void);
void host_allocator_since(struct stats *s, const void *before);
void *host_malloc(struct stats *s, size_t len);
void *host_calloc(struct stats *s, size_t n, size_t len);
void *host_realloc(struct stats *s, void *p, size_t len);
void *host_aligned_alloc(struct stats *s, size_t align, size_t len);
