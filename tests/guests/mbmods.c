/*
 * mbmods.c: the mbmods guest — Multiboot modules as QEMU's
 * `-initrd "FILE ARGS,FILE"` passes them (Multiboot 0.6.96 §3.3): the
 * ctest boots it with tests/guests/data/mbmods_a.txt (with the arguments
 * "first arg") and mbmods_b.txt, and the kernel checks
 *   - flag bit 3 and mods_count = 2, the table apart from the modules;
 *   - each module's bytes are the file's, start <= end, and modules sit
 *     above the kernel image and do not overlap each other;
 *   - each module's command line is its file name, then its arguments;
 *   - a module starts on a page boundary (QEMU and btvisor both align).
 * Without the modules on the command line it fails: the checks need them.
 */
#include "rt.h"

RT_GUEST("mbmods");

extern char _bss_end[];

struct mb_module {
    uint32_t start, end, cmdline, reserved;
};

static const char want_a[] = "btvisor multiboot module A\n";
static const char want_b[] = "second module, B";

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && memcmp(s + n - t, tail, t) == 0;
}

static void check_module(const struct mb_module *m, const char *want, const char *name_tail,
                         const char *what)
{
    uint32_t len = (uint32_t)strlen(want);
    rt_eq(m->end - m->start, len, "%s: module length is the file's", what);
    rt_ok(memcmp((const void *)m->start, want, len) == 0, "%s: module bytes are the file's", what);
    rt_ok(m->start >= (uint32_t)_bss_end, "%s: module (0x%x) lies above the kernel (end 0x%x)", what,
          m->start, (uint32_t)_bss_end);
    rt_eq(m->start & 0xfff, 0, "%s: module starts on a page boundary", what);
    const char *cmd = (const char *)m->cmdline;
    rt_ok(cmd && ends_with(cmd, name_tail), "%s: command line \"%s\" ends with \"%s\"", what,
          cmd ? cmd : "(null)", name_tail);
}

void test_main(const struct rt_boot *boot)
{
    const struct mb_info *mbi = boot->mbi;
    rt_ok(mbi->flags & (1u << 3), "flags bit 3: the module fields are valid");
    rt_eq(mbi->mods_count, 2, "two modules from -initrd \"a args,b\"");
    if (mbi->mods_count != 2)
        return;
    const struct mb_module *mods = (const struct mb_module *)mbi->mods_addr;
    uint32_t t0 = mbi->mods_addr, t1 = t0 + 2 * sizeof *mods;
    rt_ok(t1 <= mods[0].start || t0 >= mods[1].end, "the module table (0x%x) is apart from the modules", t0);
    check_module(&mods[0], want_a, "mbmods_a.txt first arg", "module A");
    check_module(&mods[1], want_b, "mbmods_b.txt", "module B");
    rt_ok(mods[1].start >= mods[0].end, "module B follows module A without overlap");
}
