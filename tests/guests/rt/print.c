/*
 * print.c: console output of the guest runtime — a polled 16550 UART at
 * 0x3f8 and a small printf.
 *
 * rt_putc waits for LSR.THRE (bit 5, "transmitter holding register empty",
 * PC16550D data sheet, Line Status Register) before writing THR, so it works
 * on any 16550 model, emulated or real.  "\n" is sent as is.
 *
 *   rt_printf("eax=%08x count=%u name=%s\n", eax, n, name);
 */
#include "rt.h"

#define COM1 0x3f8
#define UART_LSR 5
#define LSR_THRE 0x20

void rt_uart_init(void)
{
    outb(COM1 + 1, 0x00); /* IER: no interrupts */
    outb(COM1 + 3, 0x80); /* LCR: DLAB=1 */
    outb(COM1 + 0, 0x01); /* DLL: 115200 baud */
    outb(COM1 + 1, 0x00); /* DLM */
    outb(COM1 + 3, 0x03); /* LCR: 8N1, DLAB=0 */
    outb(COM1 + 2, 0x07); /* FCR: enable and clear FIFOs */
    outb(COM1 + 4, 0x03); /* MCR: DTR, RTS */
}

void rt_putc(char c)
{
    unsigned spins = 0;
    while (!(inb(COM1 + UART_LSR) & LSR_THRE) && ++spins < 1000000)
        ;
    outb(COM1, (uint8_t)c);
}

void rt_puts(const char *s)
{
    while (*s)
        rt_putc(*s++);
}

static unsigned fmt_number(char *out, uint32_t v, unsigned base, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[12];
    unsigned n = 0, i;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

struct fmt_out {
    char *buf;      /* destination */
    unsigned size;  /* capacity including the terminating NUL */
    unsigned len;   /* characters produced so far (may exceed size) */
};

static void fmt_put(struct fmt_out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void fmt_field(struct fmt_out *o, const char *s, unsigned n, unsigned width, char pad)
{
    while (width > n) {
        fmt_put(o, pad);
        width--;
    }
    while (n--)
        fmt_put(o, *s++);
}

static void fmt_conv(struct fmt_out *o, char conv, unsigned width, char pad, va_list *ap)
{
    char num[12];
    unsigned n;
    if (conv == 's') {
        const char *s = va_arg(*ap, const char *);
        fmt_field(o, s ? s : "(null)", strlen(s ? s : "(null)"), width, ' ');
    } else if (conv == 'c') {
        num[0] = (char)va_arg(*ap, int);
        fmt_field(o, num, 1, width, ' ');
    } else if (conv == 'd') {
        int32_t v = va_arg(*ap, int32_t);
        if (v < 0) {
            num[0] = '-';
            n = 1 + fmt_number(num + 1, -(uint32_t)v, 10, 0);
        } else {
            n = fmt_number(num, (uint32_t)v, 10, 0);
        }
        fmt_field(o, num, n, width, pad);
    } else if (conv == 'u' || conv == 'x' || conv == 'X') {
        n = fmt_number(num, va_arg(*ap, uint32_t), conv == 'u' ? 10 : 16, conv == 'X');
        fmt_field(o, num, n, width, pad);
    } else {
        fmt_put(o, '%');
        fmt_put(o, conv);
    }
}

int rt_vformat(char *buf, unsigned size, const char *fmt, va_list ap)
{
    struct fmt_out o = {buf, size, 0};
    va_list args;
    va_copy(args, ap);
    for (; *fmt; fmt++) {
        unsigned width = 0;
        char pad = ' ';
        if (*fmt != '%') {
            fmt_put(&o, *fmt);
            continue;
        }
        fmt++;
        if (*fmt == '%') {
            fmt_put(&o, '%');
            continue;
        }
        if (*fmt == '0')
            pad = '0';
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (unsigned)(*fmt++ - '0');
        if (!*fmt)
            break;
        fmt_conv(&o, *fmt, width, pad, &args);
    }
    va_end(args);
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

void rt_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    rt_vformat(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rt_puts(buf);
}

int rt_format(char *buf, unsigned size, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = rt_vformat(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
