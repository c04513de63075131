/*
 * paging_ad.c: the paging_ad guest — the Accessed and Dirty bits the
 * processor writes into the guest's own paging entries (SDM Vol. 3A §4.8):
 *   - a read sets A in the PTE and in the PDE that led to it, never D;
 *   - a write sets A and D in the PTE; D is never set in a PDE that points
 *     to a page table (bit 6 is ignored there, Table 4-5);
 *   - an instruction fetch sets A only; a rep movsl sets A on its source
 *     page and A|D on its destination page; a ring 3 read sets A;
 *   - a 4 MiB page (CR4.PSE) gets A and D in its PDE;
 *   - after the guest clears A/D and invalidates the page with invlpg, the
 *     next access sets them again (invlpg also drops the paging-structure
 *     caches, SDM §4.10.4.1, so the PDE's A is set again too) — repeated to
 *     catch a monitor that only reports D the first time;
 *   - a not-present PTE holding software data is left exactly as it was
 *     by an access that faults on it, while the PDE it was read through
 *     gets A; a write refused by WP leaves D clear.
 * Every expected entry is written out in full: frame | flags.
 */
#include "paging.h"

RT_GUEST("paging_ad");

#define TEST_VA 0x40000000u  /* pt_test: 4 KiB pages over pool pages */
#define LARGE_VA 0x60000000u /* a 4 MiB page */
#define LARGE_PA 0x00c00000u

uint32_t pg_at;
static uint32_t pd[1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_pool[1024] PG_ALIGNED;
static uint32_t pt_test[1024] PG_ALIGNED;
static volatile uint32_t user_got;

static uint32_t va(uint32_t page)
{
    return TEST_VA + page * PG_SIZE;
}

static uint32_t pa(uint32_t page)
{
    return PG_POOL + page * PG_SIZE;
}

static uint32_t rd(uint32_t addr)
{
    return pg_rd(addr);
}

static void wr(uint32_t addr, uint32_t v)
{
    pg_wr(addr, v);
}

static uint32_t pde_test(void)
{
    return pd[pg_pdi(TEST_VA)];
}

static void setup(void)
{
    uint32_t i;
    uint8_t *code = (uint8_t *)pa(3);

    pg_check_kernel_fits();
    pg_map_kernel(pd, pt_kernel);
    pg_fill_pt(pt_pool, PG_POOL, PG_P | PG_W);
    pd[pg_pdi(PG_POOL)] = pg_phys(pt_pool) | PG_P | PG_W;
    for (i = 0; i < 16; i++)
        pt_test[i] = pa(i) | PG_P | PG_W;
    pt_test[3] = pa(3) | PG_P;                  /* code, read-only */
    pt_test[6] = pa(6) | PG_P | PG_W | PG_U;    /* for ring 3 */
    pt_test[7] = pa(7) | PG_P | PG_U;           /* read-only, for the WP check */
    pt_test[8] = 0x12345000 | PG_AVL;           /* not present, software data */
    pd[pg_pdi(TEST_VA)] = pg_phys(pt_test) | PG_P | PG_W | PG_U;
    pd[pg_pdi(LARGE_VA)] = LARGE_PA | PG_PS | PG_P | PG_W;
    memset((void *)pa(0), 0, 16 * PG_SIZE); /* paging is still off */
    code[0] = 0xb8; /* mov eax, 0x0ad0ad01; ret */
    code[1] = 0x01;
    code[2] = 0xad;
    code[3] = 0xd0;
    code[4] = 0x0a;
    code[5] = 0xc3;
    pg_write_cr4(pg_read_cr4() | CR4_PSE);
    pg_enable(pd);
    rt_eq(pd[0], pg_phys(pt_kernel) | PG_P | PG_W | PG_U | PG_A,
          "the kernel's PDE has A (and no D) once paging runs");
    rt_eq(pde_test(), pg_phys(pt_test) | PG_P | PG_W | PG_U, "an unused PDE has no A");
}

static void test_read_write(void)
{
    rt_eq(rd(va(0) + 0x10), 0, "read page 0");
    rt_eq(pt_test[0], pa(0) | PG_P | PG_W | PG_A, "a read sets A in the PTE, not D");
    rt_eq(pde_test(), pg_phys(pt_test) | PG_P | PG_W | PG_U | PG_A, "and A in the PDE");
    rt_eq(pt_test[1], pa(1) | PG_P | PG_W, "an untouched PTE keeps A and D clear");
    wr(va(1) + 0x20, 0x0d0d0d0d);
    rt_eq(pt_test[1], pa(1) | PG_P | PG_W | PG_A | PG_D, "a write sets A and D in the PTE");
    rt_eq(pde_test(), pg_phys(pt_test) | PG_P | PG_W | PG_U | PG_A,
          "a write never sets D in a PDE that points to a page table");
    rt_eq(rd(pa(1) + 0x20), 0x0d0d0d0d, "the write reached the physical page");
    rd(va(2));
    rt_eq(pt_test[2], pa(2) | PG_P | PG_W | PG_A, "read then ...: A only");
    wr(va(2) + 4, 2);
    rt_eq(pt_test[2], pa(2) | PG_P | PG_W | PG_A | PG_D, "... write: D joins A");
}

static void test_fetch_string(void)
{
    uint32_t (*fn)(void) = (uint32_t (*)(void))va(3);
    uint32_t n = 1024, src = va(4), dst = va(5);

    rt_eq(fn(), 0x0ad0ad01, "code runs from a read-only page");
    rt_eq(pt_test[3], pa(3) | PG_P | PG_A, "an instruction fetch sets A, not D");
    asm volatile("cld\n\trep movsl" : "+c"(n), "+S"(src), "+D"(dst) : : "memory");
    rt_eq(pt_test[4], pa(4) | PG_P | PG_W | PG_A, "rep movsl: the source page gets A only");
    rt_eq(pt_test[5], pa(5) | PG_P | PG_W | PG_A | PG_D, "rep movsl: the destination gets A and D");
}

static void user_read(void)
{
    user_got = *(volatile uint32_t *)(va(6) + 0x40);
}

static void test_user(void)
{
    wr(pa(6) + 0x40, 0x5eed);
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_read, 0x2);
    rt_eq(user_got, 0x5eed, "ring 3 read through a user page");
    rt_eq(pt_test[6], pa(6) | PG_P | PG_W | PG_U | PG_A, "a ring 3 read sets A, not D");
}

static void test_clear_again(void)
{
    uint32_t i, bad_a = 0, bad_d = 0, bad_pde = 0;
    uint32_t pde_a = pg_phys(pt_test) | PG_P | PG_W | PG_U | PG_A;

    pt_test[0] = pa(0) | PG_P | PG_W;
    pt_test[1] = pa(1) | PG_P | PG_W;
    pd[pg_pdi(TEST_VA)] = pde_a & ~PG_A;
    pg_invlpg(va(0));
    pg_invlpg(va(1));
    rd(va(0));
    rt_eq(pt_test[0], pa(0) | PG_P | PG_W | PG_A, "A cleared, invlpg, read: A set again");
    rt_eq(pde_test(), pde_a, "the PDE's A cleared, invlpg, read: set again");
    wr(va(1), 1);
    rt_eq(pt_test[1], pa(1) | PG_P | PG_W | PG_A | PG_D, "A/D cleared, invlpg, write: both again");
    for (i = 0; i < 50; i++) {
        pt_test[1] = pa(1) | PG_P | PG_W | PG_A; /* D only */
        pt_test[0] = pa(0) | PG_P | PG_W;        /* A only */
        pd[pg_pdi(TEST_VA)] = pde_a & ~PG_A;
        pg_invlpg(va(1));
        pg_invlpg(va(0));
        wr(va(1) + 8, i);
        rd(va(0) + 8);
        bad_d += pt_test[1] != (pa(1) | PG_P | PG_W | PG_A | PG_D);
        bad_a += pt_test[0] != (pa(0) | PG_P | PG_W | PG_A);
        bad_pde += pde_test() != pde_a;
    }
    rt_eq(bad_d, 0, "50 rounds of clear D, invlpg, write: D set every time");
    rt_eq(bad_a, 0, "50 rounds of clear A, invlpg, read: A set every time");
    rt_eq(bad_pde, 0, "50 rounds: the PDE's A set every time");
    rt_eq(rd(va(1) + 8), 49, "the last of those writes is in memory");
}

static void test_large(void)
{
    uint32_t *pde = &pd[pg_pdi(LARGE_VA)];
    uint32_t base = LARGE_PA | PG_PS | PG_P | PG_W;
    uint32_t i, bad = 0;

    rd(LARGE_VA + 0x234560);
    rt_eq(*pde, base | PG_A, "4 MiB page, read: A in the PDE, not D");
    wr(LARGE_VA + 0x3ffffc, 0x4d4d4d4d);
    rt_eq(*pde, base | PG_A | PG_D, "4 MiB page, write: A and D in the PDE");
    *pde = base;
    pg_invlpg(LARGE_VA + 0x100000); /* any address inside the page drops it */
    wr(LARGE_VA, 1);
    rt_eq(*pde, base | PG_A | PG_D, "4 MiB page, A/D cleared, invlpg, write: both again");
    *pde = base;
    pg_invlpg(LARGE_VA);
    rd(LARGE_VA + 0x1000);
    rt_eq(*pde, base | PG_A, "4 MiB page, A/D cleared, invlpg, read: A only");
    for (i = 0; i < 20; i++) {
        *pde = base | PG_A;
        pg_invlpg(LARGE_VA + i * PG_SIZE);
        wr(LARGE_VA + i * PG_SIZE, i);
        bad += *pde != (base | PG_A | PG_D);
    }
    rt_eq(bad, 0, "4 MiB page: 20 rounds of clear D, invlpg, write set D every time");
}

static void test_faulting(void)
{
    uint32_t pde_a = pg_phys(pt_test) | PG_P | PG_W | PG_U | PG_A;

    /* The PDE is used to read the PTE, so it gets A even though the PTE
     * is not present (§4.8: "Whenever the processor uses a paging-structure
     * entry as part of linear-address translation, it sets the accessed
     * flag in that entry"); invlpg drops any cached copy of it (§4.10.4.1). */
    pd[pg_pdi(TEST_VA)] = pde_a & ~PG_A;
    pg_invlpg(va(8));
    rt_trap_reset();
    pg_try_read((volatile uint32_t *)(va(8) + 4));
    pg_expect_pf(0, pg_at, va(8) + 4, "read of a not-present PTE holding software data");
    rt_eq(pt_test[8], 0x12345000 | PG_AVL, "the not-present PTE is left untouched");
    rt_eq(pde_test(), pde_a, "the PDE the PTE was read through gets A all the same");
    pg_set_cr0_bits(CR0_WP, 0);
    rt_trap_reset();
    pg_try_write((volatile uint32_t *)(va(7) + 4), 1);
    pg_expect_pf(PF_P | PF_W, pg_at, va(7) + 4, "WP=1: supervisor write to a read-only page");
    rt_eq(pt_test[7] & PG_D, 0, "the refused write did not set D");
    pg_set_cr0_bits(0, CR0_WP);
    rt_eq(rd(pa(7) + 4), 0, "and did not reach memory");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    rt_eq(pg_cpuid1_edx() & CPUID1_PSE, CPUID1_PSE, "CPUID reports PSE");
    setup();
    test_read_write();
    test_fetch_string();
    test_user();
    test_clear_again();
    test_large();
    test_faulting();
}
