/*
 * segments_cache.c: segment loads that the in-process engine does inline
 * from its segment-descriptor cache (monitor/segcache.h) must keep every
 * rule of a full load (SDM Vol. 3A §3.4.3, §5.5-§5.6; Vol. 2B MOV, POP):
 * each load below is first done twice with one descriptor (the first
 * fills the cache, the second can hit it), then the descriptor or the
 * table changes and the same instructions must see the change:
 *   - a new base written into the GDT entry (FS and DS);
 *   - the accessed bit cleared by the guest: the load sets it again;
 *   - the entry made not present: #NP(selector);
 *   - a new table with lgdt;
 *   - the same selector at CPL 3 where its DPL is 0: #GP(selector);
 *   - pop fs / pop ds with 32- and 16-bit operand sizes (ESP moves by 4, 2).
 */
#include "segments.h"

#define SEL_CACHED ((GDT_FIRST_FREE + 10) * 8)
#define ACC_BIT (0x1ull << 40) /* descriptor type bit 0: accessed */

static uint64_t other_gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static uint32_t cache_at;

struct cache_dtr {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

/* mov fs, sel; read fs:[off]; fs back to the kernel's data segment. */
static __attribute__((noinline)) uint32_t read_via_fs(uint16_t sel, uint32_t off)
{
    uint32_t v;
    asm volatile("movw %w1, %%fs\n\tmovl %%fs:(%2), %0\n\tmovw %w3, %%fs"
                 : "=&r"(v) : "r"(sel), "r"(off), "r"(SEL_KDATA) : "memory");
    return v;
}

/* The same through DS (a flat block: the inline load needs base 0). */
static __attribute__((noinline)) uint32_t read_via_ds(uint16_t sel, uint32_t off)
{
    uint32_t v;
    asm volatile("movw %w1, %%ds\n\tmovl (%2), %0\n\tmovw %w3, %%ds"
                 : "=&r"(v) : "r"(sel), "r"(off), "r"(SEL_KDATA) : "memory");
    return v;
}

static void set_cached(uint32_t base)
{
    rt_gdt[SEL_CACHED >> 3] = rt_desc_seg(base, 0xfffff, ACC_DATA0, FLG_4K32);
}

static void test_new_base(void)
{
    static uint32_t marker[2] = {0x600dcafe, 0x5eed0001};
    uint32_t flat_off = (uint32_t)&marker[0];
    set_cached(0);
    rt_eq(read_via_fs(SEL_CACHED, flat_off), 0x600dcafe, "fs (base 0): first load");
    rt_eq(read_via_fs(SEL_CACHED, flat_off), 0x600dcafe, "fs (base 0): second load");
    set_cached((uint32_t)&marker[1]);
    rt_eq(read_via_fs(SEL_CACHED, 0), 0x5eed0001, "fs after the GDT entry got a new base");
    set_cached(0);
    rt_eq(read_via_ds(SEL_CACHED, flat_off), 0x600dcafe, "ds (base 0): first load");
    rt_eq(read_via_ds(SEL_CACHED, flat_off), 0x600dcafe, "ds (base 0): second load");
    set_cached((uint32_t)&marker[1]);
    rt_eq(read_via_ds(SEL_CACHED, 0), 0x5eed0001, "ds after the GDT entry got a new base");
}

static void test_accessed_bit(void)
{
    static uint32_t word = 0xacce55ed;
    set_cached(0);
    read_via_fs(SEL_CACHED, (uint32_t)&word);
    read_via_fs(SEL_CACHED, (uint32_t)&word);
    rt_ok((rt_gdt[SEL_CACHED >> 3] & ACC_BIT) != 0, "a load sets the descriptor's accessed bit");
    rt_gdt[SEL_CACHED >> 3] &= ~ACC_BIT;
    rt_eq(read_via_fs(SEL_CACHED, (uint32_t)&word), 0xacce55ed, "load after the accessed bit was cleared");
    rt_ok((rt_gdt[SEL_CACHED >> 3] & ACC_BIT) != 0, "that load set the accessed bit again");
}

static void test_not_present(void)
{
    static uint32_t word = 0x11;
    set_cached(0);
    read_via_fs(SEL_CACHED, (uint32_t)&word);
    read_via_fs(SEL_CACHED, (uint32_t)&word);
    rt_gdt[SEL_CACHED >> 3] &= ~(0x80ull << 40); /* P = 0 */
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, cache_at\n1:\tmovw %w0, %%fs" RT_TRY_END "\n\tmovw %w1, %%fs"
                 : : "r"(SEL_CACHED), "r"(SEL_KDATA) : "memory");
    rt_expect_trap(11, SEL_CACHED, cache_at, "load after the entry was made not present: #NP(sel)");
}

static void test_lgdt(void)
{
    static uint32_t marker[2] = {0x0001d7ab, 0x0002d7ab};
    struct cache_dtr other = {sizeof other_gdt - 1, (uint32_t)other_gdt};
    struct cache_dtr back = {sizeof rt_gdt - 1, (uint32_t)rt_gdt};
    set_cached(0);
    memcpy(other_gdt, rt_gdt, sizeof other_gdt);
    other_gdt[SEL_CACHED >> 3] = rt_desc_seg((uint32_t)&marker[1], 0xfffff, ACC_DATA0, FLG_4K32);
    read_via_fs(SEL_CACHED, (uint32_t)&marker[0]);
    rt_eq(read_via_fs(SEL_CACHED, (uint32_t)&marker[0]), 0x0001d7ab, "fs from the first table");
    asm volatile("lgdt %0" : : "m"(other) : "memory");
    uint32_t v = read_via_fs(SEL_CACHED, 0);
    asm volatile("lgdt %0" : : "m"(back) : "memory");
    rt_eq(v, 0x0002d7ab, "the same selector after lgdt of another table");
}

static void ring3_load_kernel_data(void)
{
    asm volatile(RT_TRY_BEGIN "movw %w0, %%fs" RT_TRY_END : : "r"(SEL_CACHED) : "memory");
}

static void test_cpl(void)
{
    set_cached(0);
    read_via_fs(SEL_CACHED, (uint32_t)&cache_at);
    read_via_fs(SEL_CACHED, (uint32_t)&cache_at);
    rt_trap_reset();
    rt_run_ring(SEL_UCODE, SEL_UDATA, ring3_load_kernel_data, 0x2);
    rt_expect_trap(13, SEL_CACHED, RT_ANY_EIP, "CPL 3 loading a DPL 0 selector cached at CPL 0: #GP(sel)");
}

static void test_pop(void)
{
    static uint32_t word = 0x90909090;
    uint32_t esp_before, esp_after, v, fs;
    set_cached(0);
    for (int i = 0; i < 3; i++) {
        asm volatile("movl %%esp, %0\n\tpushl %5\n\tpopl %%fs\n\tmovl %%esp, %1\n\t"
                     "movl %%fs:(%4), %2\n\tmovw %%fs, %w3\n\tmovw %w6, %%fs"
                     : "=&r"(esp_before), "=&r"(esp_after), "=&r"(v), "=&r"(fs)
                     : "r"(&word), "r"((uint32_t)SEL_CACHED), "r"(SEL_KDATA)
                     : "memory");
        rt_eq(esp_after, esp_before, "pushl/popl fs: ESP back where it was");
        rt_eq(v, 0x90909090, "popl fs: fs:[x] reads x");
        rt_eq(fs & 0xffff, SEL_CACHED, "popl fs: the selector");
    }
    for (int i = 0; i < 3; i++) {
        asm volatile("movl %%esp, %0\n\tpushw %w3\n\tpopw %%ds\n\tmovl %%esp, %1\n\t"
                     "movl (%4), %2\n\tmovw %w5, %%ds"
                     : "=&r"(esp_before), "=&r"(esp_after), "=&r"(v)
                     : "r"((uint32_t)SEL_CACHED), "r"(&word), "r"(SEL_KDATA)
                     : "memory");
        rt_eq(esp_after, esp_before, "pushw/popw ds: ESP moves by 2 each way");
        rt_eq(v, 0x90909090, "popw ds: ds:[x] reads x");
    }
    rt_gdt[SEL_CACHED >> 3] &= ~(0x80ull << 40);
    rt_trap_reset();
    asm volatile("movl %%esp, %0\n\tpushl %2\n\t" RT_TRY_BEGIN "movl $1f, cache_at\n1:\tpopl %%fs" RT_TRY_END
                 "\n\tmovl %%esp, %1\n\tmovl %0, %%esp\n\tmovw %w3, %%fs"
                 : "=&r"(esp_before), "=&r"(esp_after)
                 : "r"((uint32_t)SEL_CACHED), "r"(SEL_KDATA)
                 : "memory");
    rt_expect_trap(11, SEL_CACHED, cache_at, "popl fs of a not-present entry: #NP(sel)");
    rt_eq(esp_after, esp_before - 4, "the faulting pop left ESP alone");
}

void seg_test_cache(void)
{
    test_new_base();
    test_accessed_bit();
    test_not_present();
    test_lgdt();
    test_cpl();
    test_pop();
    set_cached(0);
}
