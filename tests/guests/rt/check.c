/*
 * check.c: the guest tests' reporting — one line per check, a summary, and
 * the exit through the debug-exit port.
 *
 * Output format (the ctest runner greps it):
 *   ok - <description>
 *   FAIL - <description>: got 0x<got> expected 0x<expected>
 *   SUMMARY: <guest>: <passed> passed, <failed> failed
 *
 *   rt_eq(eax, 0x12345678, "bswap %s", "eax");
 *   rt_finish();
 */
#include "rt.h"

static uint32_t passed, failed, skipped;

static void check_line(int good, const char *detail, const char *fmt, va_list ap)
{
    char desc[160];
    rt_vformat(desc, sizeof desc, fmt, ap);
    if (good) {
        passed++;
        rt_printf("ok - %s\n", desc);
    } else {
        failed++;
        rt_printf("FAIL - %s%s\n", desc, detail);
    }
}

void rt_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    check_line(cond, "", fmt, ap);
    va_end(ap);
}

static void detail_values(char *buf, unsigned size, uint32_t got, uint32_t expected, uint32_t mask)
{
    if (mask == 0xffffffffu)
        rt_format(buf, size, ": got 0x%08x expected 0x%08x", got, expected);
    else
        rt_format(buf, size, ": got 0x%08x expected 0x%08x (mask 0x%08x)", got, expected,
                         mask);
}

void rt_eq(uint32_t got, uint32_t expected, const char *fmt, ...)
{
    char detail[80];
    va_list ap;
    detail_values(detail, sizeof detail, got, expected, 0xffffffffu);
    va_start(ap, fmt);
    check_line(got == expected, detail, fmt, ap);
    va_end(ap);
}

void rt_eq_mask(uint32_t got, uint32_t expected, uint32_t mask, const char *fmt, ...)
{
    char detail[80];
    va_list ap;
    detail_values(detail, sizeof detail, got, expected, mask);
    va_start(ap, fmt);
    check_line((got & mask) == (expected & mask), detail, fmt, ap);
    va_end(ap);
}

/* "CF ZF" style names of the arithmetic flags set in v & mask. */
static void flag_names(char *out, uint32_t v, uint32_t mask)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        {FL_CF, "CF"}, {FL_PF, "PF"}, {FL_AF, "AF"}, {FL_ZF, "ZF"}, {FL_SF, "SF"},
        {FL_TF, "TF"}, {FL_IF, "IF"}, {FL_DF, "DF"}, {FL_OF, "OF"}, {FL_AC, "AC"},
    };
    unsigned i, n = 0;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(v & mask & names[i].bit))
            continue;
        if (n)
            out[n++] = ' ';
        out[n++] = names[i].name[0];
        out[n++] = names[i].name[1];
    }
    if (!n)
        out[n++] = '-';
    out[n] = 0;
}

void rt_eq_flags(uint32_t got, uint32_t expected, uint32_t mask, const char *fmt, ...)
{
    char detail[120], g[40], e[40];
    va_list ap;
    flag_names(g, got, mask);
    flag_names(e, expected, mask);
    rt_format(detail, sizeof detail, ": got 0x%08x [%s] expected 0x%08x [%s] (mask 0x%x)",
                     got, g, expected, e, mask);
    va_start(ap, fmt);
    check_line((got & mask) == (expected & mask), detail, fmt, ap);
    va_end(ap);
}

void rt_skip(const char *reason, const char *fmt, ...)
{
    char desc[160];
    va_list ap;
    va_start(ap, fmt);
    rt_vformat(desc, sizeof desc, fmt, ap);
    va_end(ap);
    skipped++;
    rt_printf("ok - %s # SKIP %s\n", desc, reason);
}

int rt_on_qemu(void)
{
    static int known, qemu;
    char sig[4];
    unsigned i;
    if (!known) {
        outw(0x510, 0x0000); /* fw_cfg selector: the signature item */
        for (i = 0; i < 4; i++)
            sig[i] = (char)inb(0x511);
        qemu = sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U';
        qemu = qemu && !rt_on_btvisor(); /* btvisor has a fw_cfg device too */
        known = 1;
    }
    return qemu;
}

int rt_on_btvisor(void)
{
    static const char brand[] = "btvisor virtual CPU";
    uint32_t r[12], max;
    unsigned i;
    asm volatile("cpuid" : "=a"(max) : "a"(0x80000000u) : "ebx", "ecx", "edx");
    if (max < 0x80000004u)
        return 0;
    for (i = 0; i < 3; i++)
        asm volatile("cpuid" : "=a"(r[4 * i]), "=b"(r[4 * i + 1]), "=c"(r[4 * i + 2]), "=d"(r[4 * i + 3])
                     : "a"(0x80000002u + i));
    for (i = 0; i + 1 < sizeof brand; i++)
        if (((const char *)r)[i] != brand[i])
            return 0;
    return 1;
}

uint32_t rt_failures(void)
{
    return failed;
}

void rt_exit(uint8_t code)
{
    outb(0xf4, code);
    for (;;) /* no debug-exit device: stop here */
        asm volatile("cli; hlt");
}

void rt_finish(void)
{
    rt_printf("SUMMARY: %s: %u passed, %u failed, %u skipped\n", rt_guest_name, passed, failed,
              skipped);
    rt_exit(failed || !passed ? 1 : 0);
}
