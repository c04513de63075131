/*
 * paging_smc.c: the paging_smc guest — code whose bytes change behind a
 * linear address, through paging rather than through a store to that
 * address.  A binary translator that keys its blocks on linear addresses
 * alone runs stale code here; the SDM requires the new bytes: after a PTE
 * change and invlpg the fetch uses the new translation (Vol. 3A §4.10.4.1),
 * and a store through any alias is seen by later fetches (§8.1.3, for a
 * store followed by a branch).  Cases:
 *   - the PTE of a code page pointed at another physical page holding other
 *     code, invlpg, call: the new code runs (100 times back and forth);
 *   - code patched through a writable alias of its physical page, run
 *     through a read-only executable address and a second executable alias;
 *   - an instruction straddling two pages whose second page is remapped;
 *   - two directories mapping different code at the same address, switched
 *     with mov cr3 between calls;
 *   - code written through the pool's identity map, then mapped at a new
 *     address for the first time;
 *   - the same in ring 3: user code remapped under the same address.
 */
#include "paging.h"

RT_GUEST("paging_smc");

#define CODE_VA 0x40000000u  /* pt_code[0]: executable, read-only */
#define ALIAS_VA 0x40010000u /* pt_code[16]: writable alias of the same page */
#define TWIN_VA 0x40020000u  /* pt_code[32]: a second executable alias */
#define SPLIT_VA 0x40030000u /* pt_code[48..49]: an instruction across two pages */
#define FRESH_VA 0x40040000u /* pt_code[64]: mapped only after its code is written */
#define USER_VA 0x40050000u  /* pt_code[80]: user code */
#define IMM1 0x11111111u
#define IMM2 0x22222222u

uint32_t pg_at;
static uint32_t pd[1024] PG_ALIGNED;
static uint32_t pd2[1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_pool[1024] PG_ALIGNED;
static uint32_t pt_code[1024] PG_ALIGNED;
static uint32_t pt_code2[1024] PG_ALIGNED;

static uint32_t pa(uint32_t page)
{
    return PG_POOL + page * PG_SIZE;
}

/* mov eax, imm; ret — written byte by byte at a (identity address) */
static void put_fn(uint32_t a, uint32_t imm)
{
    volatile uint8_t *p = (volatile uint8_t *)a;
    p[0] = 0xb8;
    pg_wr(a + 1, imm);
    p[5] = 0xc3;
}

static uint32_t call(uint32_t at)
{
    return ((uint32_t (*)(void))at)();
}

static void map(uint32_t *pt, uint32_t va, uint32_t page, uint32_t flags)
{
    pt[pg_pti(va)] = pa(page) | PG_P | flags;
    pg_invlpg(va);
}

static void setup(void)
{
    volatile uint8_t *split = (volatile uint8_t *)(pa(2) + 0xffd);

    pg_check_kernel_fits();
    put_fn(pa(0), IMM1); /* paging still off */
    put_fn(pa(1), IMM2);
    split[0] = 0xb8;     /* mov eax, 0x????2211 | 0x4433 or 0x6655 ; ret */
    split[1] = 0x11;
    split[2] = 0x22;
    ((volatile uint8_t *)pa(3))[0] = 0x33;
    ((volatile uint8_t *)pa(3))[1] = 0x44;
    ((volatile uint8_t *)pa(3))[2] = 0xc3;
    ((volatile uint8_t *)pa(4))[0] = 0x55;
    ((volatile uint8_t *)pa(4))[1] = 0x66;
    ((volatile uint8_t *)pa(4))[2] = 0xc3;
    pg_map_kernel(pd, pt_kernel);
    pg_fill_pt(pt_pool, PG_POOL, PG_P | PG_W);
    pd[pg_pdi(PG_POOL)] = pg_phys(pt_pool) | PG_P | PG_W;
    pt_code[pg_pti(CODE_VA)] = pa(0) | PG_P;
    pt_code[pg_pti(ALIAS_VA)] = pa(0) | PG_P | PG_W;
    pt_code[pg_pti(TWIN_VA)] = pa(0) | PG_P;
    pt_code[pg_pti(SPLIT_VA)] = pa(2) | PG_P;
    pt_code[pg_pti(SPLIT_VA) + 1] = pa(3) | PG_P;
    pt_code[pg_pti(USER_VA)] = pa(0) | PG_P | PG_U;
    pd[pg_pdi(CODE_VA)] = pg_phys(pt_code) | PG_P | PG_W | PG_U;
    memcpy(pd2, pd, sizeof pd2);
    pt_code2[pg_pti(CODE_VA)] = pa(1) | PG_P;
    pd2[pg_pdi(CODE_VA)] = pg_phys(pt_code2) | PG_P | PG_W | PG_U;
    pg_enable(pd);
}

static void test_remap(void)
{
    struct pg_tally t = {0};
    uint32_t i;

    rt_eq(call(CODE_VA), IMM1, "code page A runs");
    map(pt_code, CODE_VA, 1, 0);
    rt_eq(call(CODE_VA), IMM2, "PTE pointed at code page B, invlpg: B's code runs");
    map(pt_code, CODE_VA, 0, 0);
    rt_eq(call(CODE_VA), IMM1, "pointed back at A, invlpg: A's code runs");
    for (i = 0; i < 100; i++) {
        map(pt_code, CODE_VA, i & 1, 0);
        pg_tally(&t, i, call(CODE_VA), (i & 1) ? IMM2 : IMM1);
    }
    pg_tally_check(&t, "100 remaps of the code page, each followed by a call");
    map(pt_code, CODE_VA, 0, 0);
}

static void test_alias_patch(void)
{
    struct pg_tally t = {0};
    uint32_t i;

    rt_eq(call(TWIN_VA), IMM1, "a second executable alias of page A");
    pg_wr(ALIAS_VA + 1, 0x33333333);
    rt_eq(call(CODE_VA), 0x33333333, "immediate patched through a writable alias: new code runs");
    rt_eq(call(TWIN_VA), 0x33333333, "and through the second executable alias");
    for (i = 0; i < 200; i++) {
        pg_wr(ALIAS_VA + 1, 0x40000 + i);
        pg_tally(&t, i, call(CODE_VA), 0x40000 + i);
    }
    pg_tally_check(&t, "200 patches through the alias, each run");
    pg_wr(ALIAS_VA + 1, IMM1);
    rt_eq(call(CODE_VA), IMM1, "restored");
}

static void test_split(void)
{
    struct pg_tally t = {0};
    uint32_t i;

    rt_eq(call(SPLIT_VA + 0xffd), 0x44332211, "an instruction across two pages");
    map(pt_code, SPLIT_VA + PG_SIZE, 4, 0);
    rt_eq(call(SPLIT_VA + 0xffd), 0x66552211, "its second page remapped, invlpg: new bytes run");
    for (i = 0; i < 50; i++) {
        map(pt_code, SPLIT_VA + PG_SIZE, 3 + (i & 1), 0);
        pg_tally(&t, i, call(SPLIT_VA + 0xffd), (i & 1) ? 0x66552211 : 0x44332211);
    }
    pg_tally_check(&t, "50 remaps of the second page, each run");
}

static void test_cr3(void)
{
    struct pg_tally t = {0};
    uint32_t i;

    for (i = 0; i < 100; i++) {
        pg_write_cr3(pg_phys(i & 1 ? pd2 : pd));
        pg_tally(&t, i, call(CODE_VA), (i & 1) ? IMM2 : IMM1);
    }
    pg_write_cr3(pg_phys(pd));
    pg_tally_check(&t, "two directories with different code at one address, 100 switches");
}

static void test_fresh(void)
{
    put_fn(pa(5), 0x5f5f5f5f);
    map(pt_code, FRESH_VA, 5, 0);
    rt_eq(call(FRESH_VA), 0x5f5f5f5f, "code written through the identity map, then mapped, runs");
    put_fn(pa(5), 0x6f6f6f6f);
    rt_eq(call(FRESH_VA), 0x6f6f6f6f, "rewritten through the identity map, runs again");
}

static void test_user(void)
{
    struct pg_tally t = {0};
    uint32_t i;

    rt_eq(rt_run_ring(SEL_UCODE, SEL_UDATA, (void (*)(void))USER_VA, 0x2), IMM1,
          "ring 3 runs user code page A");
    map(pt_code, USER_VA, 1, PG_U);
    rt_eq(rt_run_ring(SEL_UCODE, SEL_UDATA, (void (*)(void))USER_VA, 0x2), IMM2,
          "user code remapped to page B, invlpg: ring 3 runs B");
    for (i = 0; i < 40; i++) {
        map(pt_code, USER_VA, i & 1, PG_U);
        pg_tally(&t, i, rt_run_ring(SEL_UCODE, SEL_UDATA, (void (*)(void))USER_VA, 0x2),
                 (i & 1) ? IMM2 : IMM1);
    }
    pg_tally_check(&t, "40 remaps of the user code page, each run in ring 3");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    setup();
    test_remap();
    test_alias_patch();
    test_split();
    test_cr3();
    test_fresh();
    test_user();
}
