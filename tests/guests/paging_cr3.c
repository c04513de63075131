/*
 * paging_cr3.c: the paging_cr3 guest — several page directories sharing a
 * kernel half, switched thousands of times with mov cr3 (SDM Vol. 3A
 * §4.10.4.1: a CR3 load invalidates every non-global translation).
 *
 * Four directories: all share the kernel's page table at PDE 0 (identity),
 * PDE 0x300 (0xC0000000 alias) and the pool's identity page table.  At USER_VA each has its own page
 * table mapping its own physical page, except directory 3, which reuses
 * directory 0's page table; page USER_VA + 4 KiB is one physical page
 * shared by all; page USER_VA + 8 KiB exists only in directories 0 and 3.
 * Checked on every switch (6000, in a pseudo-random order): CR3 reads back,
 * USER_VA shows the value last written in that address space (so the check
 * follows the physical page, not the directory), the shared page and a
 * kernel counter updated through the higher-half alias see every update.
 * Also: a page-table entry or PDE of a directory that is not current,
 * changed, then used after switching to it; the page mapped in only two
 * directories faults exactly in the other two; ring 3 reads in each space.
 */
#include "paging.h"

RT_GUEST("paging_cr3");

#define NDIR 4
#define SWITCHES 6000
#define USER_VA 0x40000000u
#define EXTRA_VA 0x40400000u
#define HIGH 0xc0000000u

uint32_t pg_at;
static uint32_t pds[NDIR][1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_user[3][1024] PG_ALIGNED;
static uint32_t pt_extra[1024] PG_ALIGNED;
static uint32_t pt_pool[1024] PG_ALIGNED; /* identity map of the pool, shared */
static volatile uint32_t kernel_counter;
static volatile uint32_t user_got;
/* which pool page each directory shows at USER_VA: directory 3 shares
 * directory 0's page table */
static const uint32_t page_of_dir[NDIR] = {0, 1, 2, 0};

static uint32_t pa(uint32_t page)
{
    return PG_POOL + page * PG_SIZE;
}

static uint32_t rd(uint32_t a)
{
    return pg_rd(a);
}

static void wr(uint32_t a, uint32_t v)
{
    pg_wr(a, v);
}

static void use_dir(uint32_t k)
{
    pg_write_cr3(pg_phys(pds[k]));
}

static void setup(void)
{
    uint32_t k;

    pg_check_kernel_fits();
    memset((void *)pa(0), 0, 16 * PG_SIZE); /* paging is still off */
    for (k = 0; k < 3; k++) {
        pt_user[k][0] = pa(k) | PG_P | PG_W | PG_U;
        pt_user[k][1] = pa(8) | PG_P | PG_W | PG_U;
        wr(pa(k), 0x1000 + k);
    }
    pt_user[0][2] = pa(9) | PG_P | PG_W | PG_U;
    wr(pa(9), 0x99);
    pt_extra[0] = pa(6) | PG_P | PG_W;
    wr(pa(6), 0x66);
    pg_fill_pt(pt_pool, PG_POOL, PG_P | PG_W);
    for (k = 0; k < NDIR; k++) {
        pg_map_kernel(pds[k], pt_kernel);
        pds[k][pg_pdi(PG_POOL)] = pg_phys(pt_pool) | PG_P | PG_W;
        pds[k][pg_pdi(HIGH)] = pg_phys(pt_kernel) | PG_P | PG_W;
        pds[k][pg_pdi(USER_VA)] = pg_phys(pt_user[page_of_dir[k]]) | PG_P | PG_W | PG_U;
    }
    pg_enable(pds[0]);
}

static void test_switches(void)
{
    uint32_t expect[3] = {0x1000, 0x1001, 0x1002};
    uint32_t i, k, x = 12345, bad_cr3 = 0, bad_val = 0, bad_fault = 0, seen[NDIR] = {0};
    volatile uint32_t *hi_counter = (volatile uint32_t *)((uint32_t)&kernel_counter + HIGH);

    kernel_counter = 0;
    for (i = 0; i < SWITCHES; i++) {
        x = x * 1103515245u + 12345u;
        k = (x >> 16) & 3;
        seen[k]++;
        use_dir(k);
        bad_cr3 += rt_read_cr3() != pg_phys(pds[k]);
        bad_val += rd(USER_VA) != expect[page_of_dir[k]];
        expect[page_of_dir[k]] = 0x20000 + i;
        wr(USER_VA, 0x20000 + i);
        wr(USER_VA + PG_SIZE, rd(USER_VA + PG_SIZE) + 1);
        *hi_counter = *hi_counter + 1;
        if (i % 97 == 0) {
            rt_trap_reset();
            pg_try_read((volatile uint32_t *)(USER_VA + 2 * PG_SIZE));
            bad_fault += rt_traps != (k == 1 || k == 2);
        }
    }
    rt_ok(seen[0] && seen[1] && seen[2] && seen[3], "every directory used (%u %u %u %u switches)",
          seen[0], seen[1], seen[2], seen[3]);
    rt_eq(bad_cr3, 0, "%u switches: CR3 reads back each directory", SWITCHES);
    rt_eq(bad_val, 0, "%u switches: USER_VA shows the value last stored in that space", SWITCHES);
    rt_eq(rd(USER_VA + PG_SIZE), SWITCHES, "the page shared by all spaces saw every increment");
    rt_eq(kernel_counter, SWITCHES, "a kernel counter bumped through the shared 0xC0000000 half");
    rt_eq(bad_fault, 0, "the page mapped in directories 0 and 3 only faults exactly in 1 and 2");
    rt_eq(rd(pa(0)), expect[0], "directory 0's page holds its last value (identity alias)");
    rt_eq(rd(pa(1)), expect[1], "directory 1's page holds its last value");
    rt_eq(rd(pa(2)), expect[2], "directory 2's page holds its last value");
}

static void test_other_dir(void)
{
    uint32_t i, bad = 0;

    use_dir(0);
    wr(pa(5), 0x5555);
    pt_user[1][0] = pa(5) | PG_P | PG_W | PG_U; /* directory 1 is not current */
    use_dir(1);
    rt_eq(rd(USER_VA), 0x5555, "a PTE changed while its directory was not current is used");
    use_dir(0);
    pt_user[1][0] = pa(1) | PG_P | PG_W | PG_U;
    use_dir(1);
    rt_eq(rd(USER_VA), rd(pa(1)), "changed back while away: the old page again");
    use_dir(0);
    pds[2][pg_pdi(EXTRA_VA)] = pg_phys(pt_extra) | PG_P | PG_W;
    use_dir(2);
    rt_eq(rd(EXTRA_VA), 0x66, "a PDE added to a directory that was not current is used");
    use_dir(1);
    rt_trap_reset();
    pg_try_read((volatile uint32_t *)EXTRA_VA);
    pg_expect_pf(0, pg_at, EXTRA_VA, "the other directories do not have it");
    for (i = 0; i < 200; i++) {
        use_dir(i & 1 ? 2 : 0);
        pds[2][pg_pdi(EXTRA_VA)] = i & 1 ? 0 : pg_phys(pt_extra) | PG_P | PG_W;
        use_dir(2);
        rt_trap_reset();
        pg_try_read((volatile uint32_t *)EXTRA_VA);
        bad += rt_traps != (i & 1);
    }
    rt_eq(bad, 0, "200 rounds of adding/removing that PDE: it maps exactly when present");
    use_dir(0);
    pg_write_cr3(pg_phys(pds[0])); /* reload the same value */
    rt_eq(rd(USER_VA), rd(pa(0)), "a reload of the same CR3 keeps the space");
}

static void user_read(void)
{
    user_got = *(volatile uint32_t *)USER_VA;
}

static void test_user(void)
{
    uint32_t i, k, bad = 0;

    for (i = 0; i < 40; i++) {
        k = i % NDIR;
        use_dir(k);
        wr(USER_VA, 0x30000 + i);
        use_dir((k + 1) % NDIR);
        use_dir(k);
        user_got = 0;
        rt_run_ring(SEL_UCODE, SEL_UDATA, user_read, 0x2);
        bad += user_got != 0x30000 + i;
    }
    rt_eq(bad, 0, "ring 3 reads its own space's page after 40 switches back and forth");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    setup();
    test_switches();
    test_other_dir();
    test_user();
}
