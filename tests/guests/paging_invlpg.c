/*
 * paging_invlpg.c: the paging_invlpg guest — TLB invalidation (SDM Vol.
 * 3A §4.10.4, and INVLPG in Vol. 2A):
 *   - a PTE pointed at another physical page, invlpg, the new page is seen
 *     (200 times back and forth, with an address inside the page);
 *   - invlpg of an unmapped address does not fault; invlpg of one page
 *     leaves its neighbours; a PDE pointed at another page table, invlpg;
 *   - invlpg takes a memory operand: its linear address includes the
 *     segment base (an FS with base 0x40000000 and offset 0);
 *   - a CR3 load invalidates every non-global translation;
 *   - global pages (CR4.PGE, PTE.G): a CR3 load may keep them — the SDM
 *     allows, never requires, a stale translation (§4.10.2.4, §4.10.4.1),
 *     so either page is accepted and the one seen is printed — while
 *     invlpg and a CR4.PGE change must drop them.
 */
#include "paging.h"

RT_GUEST("paging_invlpg");

#define TEST_VA 0x40000000u
#define SEL_BASED (GDT_FIRST_FREE * 8) /* data, base TEST_VA */
#define VAL_A 0xaaaa0000u
#define VAL_B 0xbbbb0000u
#define VAL_C 0xcccc0000u

uint32_t pg_at;
static uint32_t pd[1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_test[1024] PG_ALIGNED;
static uint32_t pt_other[1024] PG_ALIGNED;

static uint32_t pa(uint32_t page)
{
    return PG_POOL + page * PG_SIZE;
}

static uint32_t va(uint32_t page)
{
    return TEST_VA + page * PG_SIZE;
}

static uint32_t rd(uint32_t a)
{
    return pg_rd(a);
}

static void setup(void)
{
    pg_check_kernel_fits();
    pg_map_kernel(pd, pt_kernel);
    *(volatile uint32_t *)pa(0) = VAL_A; /* paging still off */
    *(volatile uint32_t *)pa(1) = VAL_B;
    *(volatile uint32_t *)pa(2) = VAL_C;
    pt_test[0] = pa(0) | PG_P | PG_W;
    pt_test[1] = pa(2) | PG_P | PG_W;
    pt_other[0] = pa(2) | PG_P | PG_W;
    pd[pg_pdi(TEST_VA)] = pg_phys(pt_test) | PG_P | PG_W;
    rt_gdt_set(GDT_FIRST_FREE, TEST_VA, 0xfffff, ACC_DATA0, FLG_4K32);
    pg_enable(pd);
}

static void test_remap(void)
{
    uint32_t i, bad = 0;

    rt_eq(rd(va(0)), VAL_A, "page A mapped");
    pt_test[0] = pa(1) | PG_P | PG_W;
    pg_invlpg(va(0) + 0x345);
    rt_eq(rd(va(0)), VAL_B, "PTE pointed at page B, invlpg of an address inside: B seen");
    for (i = 0; i < 200; i++) {
        pt_test[0] = pa(i & 1) | PG_P | PG_W;
        pg_invlpg(va(0) + (i & 0xfff));
        bad += rd(va(0)) != ((i & 1) ? VAL_B : VAL_A);
    }
    rt_eq(bad, 0, "200 remaps with invlpg: the new page every time");
    rt_eq(rd(va(1)), VAL_C, "the neighbouring page is still mapped");
    pt_test[0] = pa(0) | PG_P | PG_W;
    pg_invlpg(va(0));
    rt_eq(rd(va(1)), VAL_C, "and still right after invlpg of its neighbour");
    rt_trap_reset();
    pg_invlpg(0x50000000u);
    pg_invlpg(0);
    pg_invlpg(va(7));
    rt_expect_no_trap("invlpg of unmapped addresses (no PDE, page 0, no PTE)");
}

static void test_pde(void)
{
    uint32_t *pde = &pd[pg_pdi(TEST_VA)];

    rt_eq(rd(va(0)), VAL_A, "page table 1 maps page A");
    *pde = pg_phys(pt_other) | PG_P | PG_W;
    pg_invlpg(va(0));
    rt_eq(rd(va(0)), VAL_C, "PDE pointed at another page table, invlpg: its page C seen");
    *pde = pg_phys(pt_test) | PG_P | PG_W;
    pg_invlpg(va(0));
    rt_eq(rd(va(0)), VAL_A, "PDE back, invlpg: page A again");
}

static void test_segment(void)
{
    pt_test[0] = pa(1) | PG_P | PG_W;
    asm volatile("movw %w0, %%fs\n\tinvlpg %%fs:0\n\tmovw %w1, %%fs"
                 : : "r"(SEL_BASED), "r"(SEL_KDATA) : "memory");
    rt_eq(rd(va(0)), VAL_B, "invlpg fs:0 with FS.base 0x40000000 drops the page at 0x40000000");
    pt_test[0] = pa(0) | PG_P | PG_W;
    pg_invlpg(va(0));
}

static void test_cr3_reload(void)
{
    rt_eq(rd(va(0)), VAL_A, "page A before the CR3 reload");
    pt_test[0] = pa(1) | PG_P | PG_W; /* no invlpg */
    pg_write_cr3(pg_phys(pd));
    rt_eq(rd(va(0)), VAL_B, "non-global page: after mov cr3 the new PTE is used");
    pt_test[0] = pa(0) | PG_P | PG_W;
    pg_write_cr3(pg_phys(pd));
    rt_eq(rd(va(0)), VAL_A, "and back");
}

static void test_global(void)
{
    uint32_t v, i, bad = 0;

    rt_eq(pg_cpuid1_edx() & CPUID1_PGE, CPUID1_PGE, "CPUID reports PGE");
    pg_write_cr4(pg_read_cr4() | CR4_PGE);
    rt_eq(pg_read_cr4() & CR4_PGE, CR4_PGE, "CR4.PGE reads back set");
    pt_test[4] = pa(0) | PG_P | PG_W | PG_G;
    pt_test[5] = pa(0) | PG_P | PG_W;
    rt_eq(rd(va(4)), VAL_A, "global page maps A");
    rt_eq(rd(va(5)), VAL_A, "non-global page maps A");
    pt_test[4] = pa(1) | PG_P | PG_W | PG_G; /* no invlpg */
    pt_test[5] = pa(1) | PG_P | PG_W;
    pg_write_cr3(pg_phys(pd));
    v = rd(va(4));
    rt_ok(v == VAL_A || v == VAL_B, "global page after mov cr3: the old page (kept) or the new one");
    rt_printf("# global page after mov cr3: %s\n", v == VAL_A ? "translation kept" : "new PTE used");
    rt_eq(rd(va(5)), VAL_B, "non-global page after the same mov cr3: the new PTE");
    pg_invlpg(va(4));
    rt_eq(rd(va(4)), VAL_B, "global page, invlpg: the new PTE");
    pt_test[4] = pa(0) | PG_P | PG_W | PG_G;
    pg_write_cr4(pg_read_cr4() & ~CR4_PGE);
    rt_eq(rd(va(4)), VAL_A, "global page, CR4.PGE cleared: the new PTE");
    pg_write_cr4(pg_read_cr4() | CR4_PGE);
    for (i = 0; i < 100; i++) {
        pt_test[4] = pa(i & 1) | PG_P | PG_W | PG_G;
        pg_invlpg(va(4));
        bad += rd(va(4)) != ((i & 1) ? VAL_B : VAL_A);
        pg_write_cr3(pg_phys(pd));
        bad += rd(va(4)) != ((i & 1) ? VAL_B : VAL_A);
    }
    rt_eq(bad, 0, "100 remaps of a global page with invlpg, each surviving a mov cr3");
    pg_write_cr4(pg_read_cr4() & ~CR4_PGE);
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    setup();
    test_remap();
    test_pde();
    test_segment();
    test_cr3_reload();
    test_global();
}
