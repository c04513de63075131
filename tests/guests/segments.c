/*
 * segments.c: the segments guest — protected-mode segmentation (SDM Vol.
 * 3A chapter 3 and §5.1-5.8):
 *   - lgdt of a new table, CS reloaded with a far jump, all data segment
 *     registers reloaded, sgdt reading the table back;
 *   - a data segment with a non-zero base and a byte limit, through DS and
 *     the FS/GS overrides; an access past the limit raises #GP(0);
 *   - an expand-down segment (valid offsets above the limit) used as SS;
 *   - a null selector in DS: loading it is fine, using it raises #GP(0);
 *   - loading a not-present segment raises #NP(selector).
 * Call gates, the LDT, sgdt/sidt/sldt/str/smsw and lar/lsl/verr/verw are in
 * segments_gates.c.  QEMU's TCG checks neither limits nor null selectors on
 * data accesses: those checks are skipped there (rt_on_qemu).
 */
#include "segments.h"

RT_GUEST("segments");

uint8_t seg_buf[4096] __attribute__((aligned(16)));
static uint64_t new_gdt[GDT_ENTRIES] __attribute__((aligned(16)));
uint32_t seg_at;

struct dtr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

static void expect_sdm(const char *gap, unsigned vec, uint32_t err, uint32_t eip, const char *what)
{
    if (rt_on_qemu())
        rt_skip(gap, "%s", what);
    else
        rt_expect_trap(vec, err, eip, what);
}

static void test_lgdt(void)
{
    struct dtr g = {sizeof new_gdt - 1, (uint32_t)new_gdt}, back, old = {sizeof rt_gdt - 1,
                                                                         (uint32_t)rt_gdt};
    uint32_t cs, ds, ss, fs, probe;

    memcpy(new_gdt, rt_gdt, sizeof new_gdt);
    new_gdt[SEL_FRESH >> 3] = rt_desc_seg(0, 0xfffff, ACC_DATA0, FLG_4K32);
    asm volatile("lgdt %4\n\t"
                 "ljmp $0x08, $1f\n1:\t"
                 "movw %w5, %%ax\n\tmovw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%ss\n\t"
                 "movw %%ax, %%fs\n\tmovw %%ax, %%gs\n\t"
                 "movl (%6), %%eax\n\tmovl %%eax, %3\n\t"
                 "movw %%cs, %w0\n\tmovw %%ds, %w1\n\tmovw %%ss, %w2\n\t"
                 "sgdt %7"
                 : "=&r"(cs), "=&r"(ds), "=&r"(ss), "=m"(probe)
                 : "m"(g), "i"(SEL_FRESH), "r"(&seg_buf[0]), "m"(back)
                 : "eax", "memory");
    rt_eq(back.base, (uint32_t)new_gdt, "sgdt reads back the new GDT base");
    rt_eq(back.limit, sizeof new_gdt - 1, "sgdt reads back the new GDT limit");
    rt_eq(cs & 0xffff, SEL_KCODE, "far jump after lgdt reloads CS");
    rt_eq(ds & 0xffff, SEL_FRESH, "DS loaded from the new GDT");
    rt_eq(ss & 0xffff, SEL_FRESH, "SS loaded from the new GDT");
    asm volatile("lgdt %1\n\tljmp $0x08, $1f\n1:\tmovw %w2, %%ax\n\tmovw %%ax, %%ds\n\t"
                 "movw %%ax, %%es\n\tmovw %%ax, %%ss\n\tmovw %%ax, %%fs\n\tmovw %%ax, %%gs\n\t"
                 "movw %%fs, %w0"
                 : "=&r"(fs) : "m"(old), "i"(SEL_KDATA) : "eax", "memory");
    rt_eq(fs & 0xffff, SEL_KDATA, "back on the runtime's GDT");
}

static void test_based_segment(void)
{
    uint32_t v, i;

    for (i = 0; i < 0x100; i++)
        seg_buf[i] = (uint8_t)i;
    asm volatile("movw %w1, %%fs\n\tmovl %%fs:0, %0\n\tmovw %w2, %%fs"
                 : "=r"(v) : "r"(SEL_BASED), "r"(SEL_KDATA));
    rt_eq(v, 0x03020100, "fs:[0] reads base + 0");
    asm volatile("movw %w2, %%gs\n\tmovl %%gs:(%1), %0\n\tmovw %w3, %%gs"
                 : "=r"(v) : "r"(0x10), "r"(SEL_BASED), "r"(SEL_KDATA));
    rt_eq(v, 0x13121110, "mov eax, gs:[ebx] adds the GS base");
    asm volatile("movw %w2, %%ds\n\tmovl (%1), %0\n\tmovw %w3, %%ds"
                 : "=r"(v) : "r"(0xfc), "r"(SEL_BASED), "r"(SEL_KDATA));
    rt_eq(v, 0xfffefdfc, "ds:[0xfc] (last dword inside the limit 0xff)");
    asm volatile("movw %w0, %%es\n\tmovl $0xa5a5a5a5, %%es:0x20\n\tmovw %w1, %%es"
                 : : "r"(SEL_BASED), "r"(SEL_KDATA) : "memory");
    rt_eq(*(uint32_t *)&seg_buf[0x20], 0xa5a5a5a5, "es:[0x20] writes base + 0x20");

    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, seg_at\n\tmovw %w1, %%fs\n1:\tmovl %%fs:0x100, %0"
                 RT_TRY_END "\n\tmovw %w2, %%fs"
                 : "=r"(v) : "r"(SEL_BASED), "r"(SEL_KDATA) : "memory");
    expect_sdm("QEMU TCG does not check segment limits", 13, 0, seg_at,
               "fs:[0x100] beyond the limit 0xff: #GP(0)");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, seg_at\n\tmovw %w1, %%ds\n1:\tmovl 0xfd, %0"
                 RT_TRY_END "\n\tmovw %w2, %%ds"
                 : "=r"(v) : "r"(SEL_BASED), "r"(SEL_KDATA) : "memory");
    expect_sdm("QEMU TCG does not check segment limits", 13, 0, seg_at,
               "dword at ds:[0xfd] crosses the limit: #GP(0)");
}

static void test_expand_down(void)
{
    uint32_t v = 0, ss;

    seg_buf[0x800] = 0x77;
    rt_trap_reset();
    /* the stack (near 1 MiB) lies above the limit 0xfff: valid for expand-down */
    asm volatile("movw %w2, %%ss\n\tpushl $0x1234\n\tpopl %0\n\tmovw %%ss, %w1\n\t"
                 "movw %w3, %%ss"
                 : "=&r"(v), "=&r"(ss) : "r"(SEL_DOWN), "r"(SEL_KDATA) : "memory");
    rt_expect_no_trap("push/pop on an expand-down SS");
    rt_eq(v, 0x1234, "push/pop on an expand-down SS");
    rt_eq(ss & 0xffff, SEL_DOWN, "SS loaded with an expand-down segment");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, seg_at\n\tmovw %w1, %%fs\n1:\tmovb %%fs:0x800, %b0"
                 RT_TRY_END "\n\tmovw %w2, %%fs"
                 : "=q"(v) : "r"(SEL_DOWN), "r"(SEL_KDATA) : "memory");
    expect_sdm("QEMU TCG does not check segment limits", 13, 0, seg_at,
               "expand-down: offset 0x800 <= limit 0xfff is invalid: #GP(0)");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, seg_at\n\tmovw %w0, %%ss\n1:\tmovb %%ss:0x800, %%al"
                 RT_TRY_END "\n\tmovw %w1, %%ss"
                 : : "r"(SEL_DOWN), "r"(SEL_KDATA) : "eax", "memory");
    expect_sdm("QEMU TCG does not check segment limits", 12, 0, seg_at,
               "expand-down SS: ss:[0x800] raises #SS(0)");
}

static void test_null_and_np(void)
{
    rt_trap_reset();
    asm volatile("movw %w0, %%ds\n\tmovw %w1, %%ds" : : "r"(0), "r"(SEL_KDATA));
    rt_expect_no_trap("loading a null selector into DS");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, seg_at\n\tmovw %w0, %%es\n1:\tmovl %%es:0x100000, %%eax"
                 RT_TRY_END "\n\tmovw %w1, %%es"
                 : : "r"(0), "r"(SEL_KDATA) : "eax", "memory");
    expect_sdm("QEMU TCG does not check null selectors on access", 13, 0, seg_at,
               "access through a null ES: #GP(0)");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, seg_at\n1:\tmovw %w0, %%gs" RT_TRY_END "\n\tmovw %w1, %%gs"
                 : : "r"(SEL_NP), "r"(SEL_KDATA) : "memory");
    rt_expect_trap(11, SEL_NP, seg_at, "loading a not-present segment: #NP(sel)");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    rt_gdt_set(SEL_BASED >> 3, (uint32_t)seg_buf, 0xff, ACC_DATA0, FLG_BYTE32);
    rt_gdt[SEL_NP >> 3] = rt_desc_seg(0, 0xfffff, ACC_DATA0 & ~0x80, FLG_4K32);
    rt_gdt_set(SEL_DOWN >> 3, 0, 0xfff, ACC_DATA0_DOWN, FLG_BYTE32);
    test_lgdt();
    test_based_segment();
    test_expand_down();
    test_null_and_np();
    seg_test_gates();
    seg_test_tables();
    seg_test_cache();
}
