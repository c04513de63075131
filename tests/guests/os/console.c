/*
 * console.c: kernel output — the polled 16550 UART at 0x3f8 (shared with
 * the guest test runtime, rt/print.c), kprintf, panic, and the way out of
 * the machine: the isa-debug-exit port 0xf4, where writing V makes QEMU and
 * btvisor exit with status (V << 1) | 1.
 *
 * The kernel never sleeps on the UART: rt_putc polls LSR.THRE, and because
 * the kernel runs with interrupts off a write() from one process is never
 * interleaved with another's.
 *
 *   kprintf("pid %d killed: page fault at 0x%x (error 0x%x)\n", pid, cr2, err);
 */
#include "os.h"

/* From the test runtime (rt/print.c): the UART driver and a printf subset
 * (%c %s %d %u %x with width and 0 flag). */
void rt_uart_init(void);
void rt_putc(char c);
int rt_vformat(char *buf, unsigned size, const char *fmt, va_list ap);

#define DEBUG_EXIT_PORT 0xf4

void console_init(void)
{
    rt_uart_init();
}

void console_write(const char *s, uint32_t len)
{
    while (len--)
        rt_putc(*s++);
}

void kprintf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = rt_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, n < (int)sizeof buf ? (uint32_t)n : sizeof buf - 1);
}

/* Leave through the debug-exit device; if the machine has none, stop. */
void machine_exit(int code)
{
    outb(DEBUG_EXIT_PORT, (uint8_t)code);
    for (;;)
        asm volatile("cli; hlt");
}

void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    rt_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kprintf("FAIL - kernel panic: %s\n", buf);
    machine_exit(3);
}
