/*
 * paging_large.c: the paging_large guest — 4 MiB pages (CR4.PSE, SDM Vol.
 * 3A §4.3, Table 4-4) mixed with 4 KiB page tables in one directory:
 *   - the kernel on 4 KiB pages (PDE 0) next to identity 4 MiB pages
 *     (PDEs 1-4), and aliases at 0x80000000 whose two 4 MiB pages are not
 *     physically contiguous;
 *   - data through a 4 MiB page seen through its identity alias and through
 *     4 KiB PTEs pointing into the middle and the end of the same frame;
 *   - a dword and an instruction straddling two 4 MiB pages;
 *   - code run from a 4 MiB page, patched through another alias of it,
 *     run again; the second page of an instruction straddling two 4 MiB
 *     pages remapped, invlpg, run again (QEMU 7.2 keeps running the old
 *     bytes there: skipped on QEMU);
 *   - invlpg of any address inside a 4 MiB page drops the whole page;
 *   - rights of a 4 MiB page: U/S for ring 3, R/W with WP=1;
 *   - with CR4.PSE clear the PS bit is ignored and the PDE points to a page
 *     table (Table 4-5).  (Changing PSE is not among the CR4 writes that must
 *     flush the TLB, SDM §4.10.4.1, so only a fresh PDE is used meanwhile.)
 */
#include "paging.h"

RT_GUEST("paging_large");

#define ALIAS_VA 0x80000000u   /* PDE 0x200 -> 8 MiB, PDE 0x201 -> 16 MiB */
#define USER_VA 0x80800000u    /* PDE 0x202 -> 20 MiB, user */
#define SUP_VA 0x80c00000u     /* PDE 0x203 -> 20 MiB, supervisor, read-only */
#define SMALL_VA 0x40000000u   /* pt_small: 4 KiB pages into 4 MiB frames */
#define NOPSE_VA 0x60000000u   /* PDE with PS=1 used while CR4.PSE=0 */
#define MB(n) ((uint32_t)(n) << 20)

uint32_t pg_at;
static uint32_t pd[1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_small[1024] PG_ALIGNED;
static uint32_t pt_fake[1024] PG_ALIGNED;
static uint32_t fake_target[1024] PG_ALIGNED;
static volatile uint32_t user_addr, user_val;

static uint32_t rd(uint32_t a)
{
    return pg_rd(a);
}

static void wr(uint32_t a, uint32_t v)
{
    pg_wr(a, v);
}

static uint32_t large(uint32_t pa, uint32_t flags)
{
    return pa | PG_PS | PG_P | flags;
}

static void put_code(uint32_t at, const uint8_t *bytes, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++)
        ((volatile uint8_t *)at)[i] = bytes[i];
}

static uint32_t call(uint32_t at)
{
    return ((uint32_t (*)(void))at)();
}

static void setup(void)
{
    uint32_t i;

    pg_check_kernel_fits();
    rt_eq(pg_cpuid1_edx() & CPUID1_PSE, CPUID1_PSE, "CPUID reports PSE");
    pg_map_kernel(pd, pt_kernel);
    for (i = 1; i <= 5; i++)
        pd[i] = large(MB(4 * i), PG_W);          /* identity [4, 24 MiB) */
    pd[pg_pdi(ALIAS_VA)] = large(MB(8), PG_W);
    pd[pg_pdi(ALIAS_VA) + 1] = large(MB(16), PG_W);
    pd[pg_pdi(USER_VA)] = large(MB(20), PG_W | PG_U);
    pd[pg_pdi(SUP_VA)] = large(MB(20), 0);
    pt_small[0] = (MB(8) + 0x123000) | PG_P | PG_W;
    pt_small[1] = (MB(12) - PG_SIZE) | PG_P | PG_W;
    pt_small[2] = MB(5) | PG_P | PG_W;
    pd[pg_pdi(SMALL_VA)] = pg_phys(pt_small) | PG_P | PG_W;
    pg_write_cr4(pg_read_cr4() | CR4_PSE);
    rt_eq(pg_read_cr4() & CR4_PSE, CR4_PSE, "CR4.PSE reads back set");
    pg_enable(pd);
}

static void test_data(void)
{
    uint32_t off[4] = {0, 0x1000, 0x200004, 0x3ffffc}, i;

    for (i = 0; i < 4; i++) {
        wr(ALIAS_VA + off[i], 0xa1a50000 + i);
        rt_eq(rd(MB(8) + off[i]), 0xa1a50000 + i,
              "a store at 0x80000000 + 0x%x reads back through the identity 4 MiB page", off[i]);
    }
    wr(MB(8) + 0x123abc, 0x12312312);
    rt_eq(rd(SMALL_VA + 0xabc), 0x12312312, "a 4 KiB PTE into the middle of a 4 MiB frame");
    wr(SMALL_VA + PG_SIZE + 0xffc, 0xe0de0de0);
    rt_eq(rd(ALIAS_VA + 0x3ffffc), 0xe0de0de0, "a 4 KiB PTE onto the last page of a 4 MiB frame");
    wr(MB(5) + 0x40, 0x55500040);
    rt_eq(rd(SMALL_VA + 2 * PG_SIZE + 0x40), 0x55500040,
          "4 MiB identity next to the 4 KiB kernel table, aliased by a 4 KiB PTE");
    wr(ALIAS_VA + 0x3ffffe, 0x44332211);
    rt_eq(rd(MB(12) - 4), 0x22110de0, "a dword straddling two 4 MiB pages: first half in 8 MiB + 4 MiB");
    rt_eq(rd(MB(16)) & 0xffff, 0x4433, "second half at 16 MiB (the second page is elsewhere)");
    rt_eq(rd(ALIAS_VA + 0x3ffffe), 0x44332211, "the straddling dword reads back whole");
}

static void test_code(void)
{
    static const uint8_t f1[] = {0xb8, 0x01, 0x00, 0x4e, 0x4c, 0xc3}; /* mov eax, 0x4c4e0001; ret */
    static const uint8_t head[] = {0xb8, 0x11, 0x22};                 /* mov eax, 0x????2211 */
    static const uint8_t tail16[] = {0x33, 0x44, 0xc3};               /* ... 0x4433; ret */
    static const uint8_t tail12[] = {0x55, 0x66, 0xc3};               /* ... 0x6655; ret */
    struct pg_tally t = {0};
    uint32_t i;

    put_code(MB(9), f1, sizeof f1);
    rt_eq(call(ALIAS_VA + 0x100000), 0x4c4e0001, "code runs from a 4 MiB page");
    wr(MB(9) + 1, 0x4c4e00ff);
    rt_eq(call(ALIAS_VA + 0x100000), 0x4c4e00ff,
          "the immediate patched through the identity alias of the 4 MiB page runs");
    for (i = 0; i < 50; i++) {
        wr(MB(9) + 1, 0x4c4e0100 + i); /* patch through the identity alias */
        pg_tally(&t, i, call(ALIAS_VA + 0x100000), 0x4c4e0100 + i);
    }
    pg_tally_check(&t, "50 patches through another alias of the 4 MiB page, each run");
    put_code(MB(12) - 3, head, sizeof head);
    put_code(MB(16), tail16, sizeof tail16);
    put_code(MB(12), tail12, sizeof tail12);
    rt_eq(call(ALIAS_VA + 0x3ffffd), 0x44332211, "an instruction straddling two 4 MiB pages");
    pd[pg_pdi(ALIAS_VA) + 1] = large(MB(12), PG_W);
    pg_invlpg(ALIAS_VA + PG_LARGE + 0x2000);
    /* invlpg drops the translation of the whole 4 MiB page (SDM Vol. 3A
     * §4.10.4.1), the instruction fetch included; QEMU keeps running the
     * block it translated from the page before, keyed by its first page. */
    pg_eq_sdm("QEMU keeps a block whose second page is a remapped 4 MiB page",
              call(ALIAS_VA + 0x3ffffd), 0x66552211,
              "its second 4 MiB page remapped, invlpg: new bytes run");
    pd[pg_pdi(ALIAS_VA) + 1] = large(MB(16), PG_W);
    pg_invlpg(ALIAS_VA + PG_LARGE);
    rt_eq(call(ALIAS_VA + 0x3ffffd), 0x44332211, "mapped back: the first bytes again");
}

static void test_invlpg(void)
{
    wr(MB(8) + 0x100, 0x08080808);
    wr(MB(12) + 0x100, 0x0c0c0c0c);
    rt_eq(rd(ALIAS_VA + 0x100), 0x08080808, "4 MiB page at 8 MiB");
    pd[pg_pdi(ALIAS_VA)] = large(MB(12), PG_W);
    pg_invlpg(ALIAS_VA + 0x2345);
    rt_eq(rd(ALIAS_VA + 0x100), 0x0c0c0c0c,
          "frame changed, invlpg of another address in the page: the whole page follows");
    pd[pg_pdi(ALIAS_VA)] = large(MB(8), PG_W);
    pg_invlpg(ALIAS_VA + 0x3fffff);
    rt_eq(rd(ALIAS_VA + 0x100), 0x08080808, "and back, invlpg of its last byte");
}

static void user_read(void)
{
    user_val = pg_try_read((volatile uint32_t *)user_addr);
}

static void test_rights(void)
{
    wr(MB(20) + 0x80, 0x20202020);
    user_addr = USER_VA + 0x80;
    rt_trap_reset();
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_read, 0x2);
    rt_expect_no_trap("ring 3 read of a user 4 MiB page");
    rt_eq(user_val, 0x20202020, "ring 3 reads the user 4 MiB page");
    user_addr = SUP_VA + 0x80;
    rt_trap_reset();
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_read, 0x2);
    pg_expect_pf(PF_P | PF_U, pg_at, SUP_VA + 0x80, "ring 3 read of a supervisor 4 MiB page");
    rt_eq(rd(SUP_VA + 0x80), 0x20202020, "ring 0 reads the supervisor alias");
    pg_set_cr0_bits(CR0_WP, 0);
    rt_trap_reset();
    pg_try_write((volatile uint32_t *)(SUP_VA + 0x84), 1);
    pg_expect_pf(PF_P | PF_W, pg_at, SUP_VA + 0x84, "WP=1: write to a read-only 4 MiB page");
    pg_set_cr0_bits(0, CR0_WP);
    rt_trap_reset();
    pg_try_write((volatile uint32_t *)(SUP_VA + 0x84), 0x84);
    rt_expect_no_trap("WP=0: supervisor write to a read-only 4 MiB page");
    rt_eq(rd(MB(20) + 0x84), 0x84, "it reached memory");
}

static void test_pse_off(void)
{
    uint32_t *pde = &pd[pg_pdi(NOPSE_VA)];

    wr(MB(8) + 0x200, 0x8200);
    fake_target[3] = 0xfa4e0003;
    pt_fake[0] = pg_phys(fake_target) | PG_P | PG_W;
    pg_write_cr4(pg_read_cr4() & ~CR4_PSE);
    rt_eq(pg_read_cr4() & CR4_PSE, 0, "CR4.PSE reads back clear");
    *pde = pg_phys(pt_fake) | PG_PS | PG_P | PG_W;
    rt_eq(rd(NOPSE_VA + 12), 0xfa4e0003, "PSE=0: a PDE with PS set points to a page table");
    *pde = 0;
    pg_invlpg(NOPSE_VA);
    pg_write_cr4(pg_read_cr4() | CR4_PSE);
    rt_eq(rd(ALIAS_VA + 0x200), 0x8200, "PSE=1 again: the 4 MiB pages work");
    rt_trap_reset();
    pg_try_read((volatile uint32_t *)(NOPSE_VA + 12));
    pg_expect_pf(0, pg_at, NOPSE_VA + 12, "the cleared PDE no longer maps");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    setup();
    test_data();
    test_code();
    test_invlpg();
    test_rights();
    test_pse_off();
}
