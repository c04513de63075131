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
 * Indirect calls: CODE_VA holds other code in even and odd directories
 * (non-global), CODE_VA + 4 KiB the same code everywhere (global, CR4.PGE);
 * after each switch every call must run the code of the current space,
 * whether the indirect-branch cache held few such targets or more than it
 * remembers one by one (1300 entry points).
 */
#include "paging.h"

RT_GUEST("paging_cr3");

#define NDIR 4
#define SWITCHES 6000
#define USER_VA 0x40000000u
#define EXTRA_VA 0x40400000u
#define HIGH 0xc0000000u
#define CODE_VA 0x40800000u
#define CODE_INCS 4088u /* inc eax bytes at the start of a code page */
#define CODE_PAGES 3    /* pool pages 10, 11: per-parity code; 12: global code */

uint32_t pg_at;
static uint32_t pds[NDIR][1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_user[3][1024] PG_ALIGNED;
static uint32_t pt_extra[1024] PG_ALIGNED;
static uint32_t pt_pool[1024] PG_ALIGNED; /* identity map of the pool, shared */
static uint32_t pt_code[2][1024] PG_ALIGNED; /* CODE_VA in even and odd directories */
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

/* A code page whose entry point at offset j (j <= CODE_INCS) returns
 * CODE_INCS - j + tag: inc eax bytes, then add eax, tag; ret. */
static void code_page_fill(uint32_t at, uint8_t tag)
{
    uint8_t *p = (uint8_t *)at;
    memset(p, 0x40, CODE_INCS);
    p[CODE_INCS] = 0x83;
    p[CODE_INCS + 1] = 0xc0;
    p[CODE_INCS + 2] = tag;
    p[CODE_INCS + 3] = 0xc3;
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
    for (k = 0; k < CODE_PAGES; k++)
        code_page_fill(pa(10 + k), (uint8_t)(0x10 * (k + 1)));
    for (k = 0; k < 2; k++) {
        pt_code[k][0] = pa(10 + k) | PG_P | PG_W;
        pt_code[k][1] = pa(12) | PG_P | PG_W | PG_G;
    }
    for (k = 0; k < NDIR; k++)
        pds[k][pg_pdi(CODE_VA)] = pg_phys(pt_code[k & 1]) | PG_P | PG_W;
    pg_enable(pds[0]);
    pg_write_cr4(pg_read_cr4() | 0x80); /* CR4.PGE: CODE_VA + 4 KiB is global */
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

/* Call CODE_VA + page * 4 KiB + j for n entry points j (an indirect call
 * each); the number of calls that did not return what the code there
 * returns in directory k (its parity's page, or the global page). */
static uint32_t code_calls(uint32_t k, uint32_t page, uint32_t n)
{
    uint32_t bad = 0, tag = page ? 0x30 : 0x10 * ((k & 1) + 1);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = (i * 3) % CODE_INCS;
        uint32_t got;
        asm volatile("xor %%eax, %%eax\n\tcall *%1"
                     : "=&a"(got)
                     : "r"(CODE_VA + page * PG_SIZE + j)
                     : "ecx", "edx", "memory", "cc");
        bad += got != CODE_INCS - j + tag;
    }
    return bad;
}

static void test_indirect_calls(void)
{
    static const uint32_t counts[] = {8, 1300};
    for (uint32_t c = 0; c < 2; c++) {
        uint32_t bad = 0, bad_global = 0;
        for (uint32_t i = 0; i < 12; i++) {
            use_dir(i % NDIR);
            bad += code_calls(i % NDIR, 0, counts[c]);
            bad_global += code_calls(i % NDIR, 1, 8);
        }
        rt_eq(bad, 0, "12 switches, %u indirect calls each into per-space code: the current space's code ran",
              counts[c]);
        rt_eq(bad_global, 0, "and 8 each into a global page: the shared code ran");
    }
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    setup();
    test_switches();
    test_other_dir();
    test_user();
    test_indirect_calls();
}
