/*
 * main.c: the runtime's C entry point.
 *
 * _start (entry.S) calls rt_main with the Multiboot registers.  It installs
 * the runtime's GDT/IDT/TSS, initialises the UART, checks that it was
 * started by a Multiboot loader, runs the guest's test_main and reports.
 */
#include "rt.h"

void rt_tables_init(void);

int rt_cmdline_has(const struct rt_boot *boot, const char *word)
{
    const char *line = (boot->mbi->flags & 4) ? (const char *)boot->mbi->cmdline : "";
    size_t n = strlen(word);
    for (const char *s = line; *s; s++)
        if ((s == line || s[-1] == ' ') && memcmp(s, word, n) == 0 && (s[n] == '\0' || s[n] == ' '))
            return 1;
    return 0;
}

void rt_main(uint32_t magic, const struct mb_info *mbi)
{
    struct rt_boot boot = {magic, mbi};
    rt_tables_init();
    rt_uart_init();
    rt_printf("# guest test: %s\n", rt_guest_name);
    rt_eq(magic, 0x2badb002, "entered by a multiboot loader (EAX magic)");
    test_main(&boot);
    rt_finish();
}
