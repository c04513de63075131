/*
 * paging_wp.c: the paging_wp guest — writes to read-only pages and CR0.WP
 * (SDM Vol. 3A §4.6.1: "Determination of Access Rights"):
 *   - supervisor writes (CPL 0) to a read-only page — user or supervisor
 *     page, read-only in the PTE or in the PDE — succeed with WP=0 (and set
 *     D), and raise #PF(P|W) with WP=1, leaving memory unchanged;
 *   - user writes (CPL 3) to a read-only page raise #PF(P|W|U) whatever WP
 *     is; user reads of it succeed; user accesses to a supervisor page raise
 *     #PF(P|U) / #PF(P|W|U);
 *   - WP toggled back and forth: every write follows the current value (a
 *     monitor that caches the old rights fails here);
 *   - a rep stosl running from a writable page into a read-only one stops
 *     at the first element of the read-only page with ECX and EDI exact
 *     (SDM Vol. 2B, REP: a fault leaves the registers at the faulting
 *     iteration) and completes once WP is clear.
 */
#include "paging.h"

RT_GUEST("paging_wp");

#define TEST_VA 0x40000000u  /* pt_test: PDE writable */
#define RO_PDE_VA 0x40400000u /* pt_ro: PDE read-only, PTE writable */

uint32_t pg_at;
static uint32_t pd[1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_test[1024] PG_ALIGNED;
static uint32_t pt_ro[1024] PG_ALIGNED;
static volatile uint32_t user_addr, user_val, user_write;

static uint32_t va(uint32_t page)
{
    return TEST_VA + page * PG_SIZE;
}

static uint32_t pa(uint32_t page)
{
    return PG_POOL + page * PG_SIZE;
}

/* Physical memory is reached through the identity map of the pool
 * (pt_test pages 16.. map pool pages 0..). */
static uint32_t phys_rd(uint32_t page, uint32_t off)
{
    return pg_rd(va(16 + page) + off);
}

static void set_wp(int on)
{
    pg_set_cr0_bits(on ? CR0_WP : 0, on ? 0 : CR0_WP);
}

static void setup(void)
{
    uint32_t i;

    pg_check_kernel_fits();
    pg_map_kernel(pd, pt_kernel);
    memset((void *)pa(0), 0, 8 * PG_SIZE); /* paging still off */
    pt_test[0] = pa(0) | PG_P | PG_U;         /* user, read-only */
    pt_test[1] = pa(1) | PG_P;                /* supervisor, read-only */
    pt_test[4] = pa(4) | PG_P | PG_W;         /* writable ... */
    pt_test[5] = pa(5) | PG_P;                /* ... then read-only */
    for (i = 0; i < 8; i++)
        pt_test[16 + i] = pa(i) | PG_P | PG_W; /* writable aliases to check memory */
    pt_ro[0] = pa(2) | PG_P | PG_W | PG_U;
    pd[pg_pdi(TEST_VA)] = pg_phys(pt_test) | PG_P | PG_W | PG_U;
    pd[pg_pdi(RO_PDE_VA)] = pg_phys(pt_ro) | PG_P | PG_U;
    pg_enable(pd);
}

static void try_write(uint32_t addr, uint32_t v)
{
    rt_trap_reset();
    pg_try_write((volatile uint32_t *)addr, v);
}

static void test_wp0(void)
{
    set_wp(0);
    rt_eq(rt_read_cr0() & CR0_WP, 0, "CR0.WP clear");
    try_write(va(0) + 0x10, 0xaaaa0001);
    rt_expect_no_trap("WP=0: supervisor write to a read-only user page");
    rt_eq(phys_rd(0, 0x10), 0xaaaa0001, "the write reached memory");
    rt_eq(pt_test[0], pa(0) | PG_P | PG_U | PG_A | PG_D, "and set A and D in the PTE");
    try_write(va(1) + 0x10, 0xaaaa0002);
    rt_expect_no_trap("WP=0: supervisor write to a read-only supervisor page");
    rt_eq(phys_rd(1, 0x10), 0xaaaa0002, "the write reached memory");
    try_write(RO_PDE_VA + 0x10, 0xaaaa0003);
    rt_expect_no_trap("WP=0: supervisor write through a read-only PDE");
    rt_eq(phys_rd(2, 0x10), 0xaaaa0003, "the write reached memory");
}

static void test_wp1(void)
{
    set_wp(1);
    rt_eq(rt_read_cr0() & CR0_WP, CR0_WP, "CR0.WP set");
    try_write(va(0) + 0x14, 0xbbbb0001);
    pg_expect_pf(PF_P | PF_W, pg_at, va(0) + 0x14, "WP=1: supervisor write to a read-only user page");
    rt_eq(phys_rd(0, 0x14), 0, "the refused write left memory unchanged");
    try_write(va(1) + 0x14, 0xbbbb0002);
    pg_expect_pf(PF_P | PF_W, pg_at, va(1) + 0x14, "WP=1: supervisor write to a read-only supervisor page");
    try_write(RO_PDE_VA + 0x14, 0xbbbb0003);
    pg_expect_pf(PF_P | PF_W, pg_at, RO_PDE_VA + 0x14, "WP=1: supervisor write through a read-only PDE");
    rt_eq(phys_rd(2, 0x14), 0, "the refused write left memory unchanged");
    rt_trap_reset();
    rt_eq(pg_try_read((volatile uint32_t *)(va(0) + 0x10)), 0xaaaa0001, "WP=1: reads still work");
    rt_expect_no_trap("WP=1: read of a read-only page");
}

static void user_access(void)
{
    if (user_write)
        pg_try_write((volatile uint32_t *)user_addr, user_val);
    else
        user_val = pg_try_read((volatile uint32_t *)user_addr);
}

static void run_user(uint32_t addr, int write, uint32_t v)
{
    user_addr = addr;
    user_write = write;
    user_val = v;
    rt_trap_reset();
    rt_run_ring(SEL_UCODE, SEL_UDATA, user_access, 0x2);
}

static void expect_user_pf(uint32_t error, uint32_t addr, const char *what)
{
    pg_expect_pf(error, pg_at, addr, what);
    if (rt_traps == 1)
        rt_eq(rt_last.cs & 0xffff, SEL_UCODE, "%s: saved CS is ring 3", what);
}

static void test_user(void)
{
    int wp;

    for (wp = 0; wp < 2; wp++) {
        set_wp(wp);
        run_user(va(0) + 0x18, 1, 0xcccc0001);
        expect_user_pf(PF_P | PF_W | PF_U, va(0) + 0x18,
                       wp ? "WP=1: user write to a read-only page" : "WP=0: user write to a read-only page");
        rt_eq(phys_rd(0, 0x18), 0, "the refused user write left memory unchanged");
        run_user(RO_PDE_VA + 0x18, 1, 0xcccc0002);
        expect_user_pf(PF_P | PF_W | PF_U, RO_PDE_VA + 0x18,
                       wp ? "WP=1: user write through a read-only PDE"
                          : "WP=0: user write through a read-only PDE");
    }
    run_user(va(0) + 0x10, 0, 0);
    rt_expect_no_trap("user read of a read-only user page");
    rt_eq(user_val, 0xaaaa0001, "user read returns the page's contents");
    run_user(va(1) + 0x10, 0, 0);
    expect_user_pf(PF_P | PF_U, va(1) + 0x10, "user read of a supervisor page");
    run_user(va(1) + 0x10, 1, 0);
    expect_user_pf(PF_P | PF_W | PF_U, va(1) + 0x10, "user write to a supervisor page");
    run_user(va(16) + 0x10, 0, 0);
    expect_user_pf(PF_P | PF_U, va(16) + 0x10, "user read of a writable supervisor page");
}

static void test_toggle(void)
{
    uint32_t i, bad_ok = 0, bad_fault = 0;

    for (i = 0; i < 20; i++) {
        set_wp(0);
        try_write(va(0) + 0x20, i);
        bad_ok += rt_traps != 0 || phys_rd(0, 0x20) != i;
        set_wp(1);
        try_write(va(0) + 0x20, 0xdead);
        bad_fault += rt_traps != 1 || phys_rd(0, 0x20) != i;
    }
    rt_eq(bad_ok, 0, "20 rounds: every WP=0 write succeeds");
    rt_eq(bad_fault, 0, "20 rounds: every WP=1 write faults and stores nothing");
}

static void test_rep_stos(void)
{
    uint32_t at, ecx, edi, i, bad = 0;

    set_wp(1);
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, %0\n1:\trep stosl" RT_TRY_END
                 : "=m"(at), "=c"(ecx), "=D"(edi)
                 : "a"(0x5705705), "1"(8), "2"(va(5) - 16) : "memory");
    pg_expect_pf(PF_P | PF_W, at, va(5), "WP=1: rep stosl into a read-only page");
    rt_eq(rt_last.ecx, 4, "rep stosl: ECX at the fault counts the four elements left");
    rt_eq(rt_last.edi, va(5), "rep stosl: EDI at the fault is the read-only page");
    for (i = 0; i < 4; i++)
        bad += phys_rd(4, PG_SIZE - 16 + 4 * i) != 0x5705705;
    rt_eq(bad, 0, "rep stosl: the four elements before the page were stored");
    rt_eq(phys_rd(5, 0), 0, "rep stosl: nothing stored in the read-only page");
    set_wp(0);
    asm volatile("rep stosl" : "=c"(ecx), "=D"(edi) : "a"(0x5705705), "0"(8), "1"(va(5) - 16)
                 : "memory");
    rt_eq(ecx, 0, "WP=0: the same rep stosl completes");
    rt_eq(phys_rd(5, 12), 0x5705705, "WP=0: and fills the read-only page");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    setup();
    test_wp0();
    test_wp1();
    test_user();
    test_toggle();
    test_rep_stos();
    set_wp(0);
}
