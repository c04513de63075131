/*
 * paging_basic.c: the paging_basic guest — turning 32-bit paging on (SDM
 * Vol. 3A §4.3, §9.9.1) with the kernel identity-mapped by 4 KiB pages and
 * the same physical memory aliased in the higher half (0xC0000000 + x):
 *   - CR3 and CR0.PG read back; the runtime (UART output, globals, stack)
 *     keeps working once every access is translated;
 *   - stores of every width through one alias are seen through the other,
 *     including a dword that straddles two pages;
 *   - a page mapped alone at a third address through its own page table;
 *   - code called and jumped to through the higher-half alias runs there
 *     (it sees its own EIP above 0xC0000000) and comes back;
 *   - reads and writes of unmapped addresses (no PDE, or a PDE with a
 *     not-present PTE) raise #PF with the right error code and CR2;
 *   - paging off and on again.
 */
#include "paging.h"

RT_GUEST("paging_basic");

#define HIGH 0xc0000000u
#define SOLO_VA 0x40000000u /* one page mapped through its own page table */

uint32_t pg_at;
static uint32_t pd[1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_solo[1024] PG_ALIGNED;
static uint8_t data_page[2][PG_SIZE] PG_ALIGNED;

uint32_t basic_where(void);
extern uint8_t basic_where_mark[], basic_jump_mark[];

/* basic_where returns the address it runs at (its call's return address). */
asm(".text\n"
    ".globl basic_where\n"
    "basic_where:\n\t"
    "call basic_where_mark\n"
    ".globl basic_where_mark\n"
    "basic_where_mark:\n\t"
    "popl %eax\n\t"
    "ret\n");

static void *high(const volatile void *p)
{
    return (void *)((uint32_t)p + HIGH);
}

/* Recursive, so the call chain stays in whichever alias it starts in. */
static uint32_t __attribute__((noinline)) basic_fib(uint32_t n)
{
    return n < 2 ? n : basic_fib(n - 1) + basic_fib(n - 2);
}

static void test_enable(void)
{
    pg_check_kernel_fits();
    rt_eq(rt_read_cr0() & CR0_PG, 0, "paging is off at boot");
    pg_map_kernel(pd, pt_kernel);
    pd[pg_pdi(HIGH)] = pg_phys(pt_kernel) | PG_P | PG_W;
    pt_solo[0] = pg_phys(data_page[1]) | PG_P | PG_W;
    pd[pg_pdi(SOLO_VA)] = pg_phys(pt_solo) | PG_P | PG_W;
    data_page[0][0] = 0x5a;
    pg_enable(pd);
    rt_eq(rt_read_cr0() & CR0_PG, CR0_PG, "CR0.PG reads back set");
    rt_eq(rt_read_cr3(), pg_phys(pd), "CR3 reads back the page directory");
    rt_eq(data_page[0][0], 0x5a, "a byte stored before paging reads back through the identity map");
}

static void test_aliases(void)
{
    volatile uint32_t *lo = (volatile uint32_t *)data_page[0];
    volatile uint32_t *hi = high(data_page[0]);
    volatile uint8_t *lo8 = data_page[0], *hi8 = high(data_page[0]);
    volatile uint16_t *lo16 = (volatile uint16_t *)data_page[0], *hi16 = high(data_page[0]);
    volatile uint32_t *split_lo = (volatile uint32_t *)(data_page[0] + PG_SIZE - 2);
    volatile uint32_t *split_hi = high(split_lo);
    uint32_t i, bad = 0;

    lo[1] = 0x11223344;
    rt_eq(hi[1], 0x11223344, "dword stored low reads back through 0xC0000000 + x");
    hi[2] = 0xa5a5f00d;
    rt_eq(lo[2], 0xa5a5f00d, "dword stored high reads back through the identity map");
    hi8[13] = 0x7e;
    rt_eq(lo[3], 0x00007e00, "byte stored high lands in the right byte of the low alias");
    lo16[9] = 0xbeef;
    rt_eq(hi16[9], 0xbeef, "word stored low reads back high");
    rt_eq(hi8[18], 0xef, "its low byte through the high alias");
    *split_hi = 0xcafebabe;
    rt_eq(lo8[PG_SIZE - 2], 0xbe, "a dword straddling two pages stored high: byte 0 (page 1)");
    rt_eq(lo8[PG_SIZE - 1], 0xba, "straddling dword: byte 1 (page 1)");
    rt_eq(lo8[PG_SIZE], 0xfe, "straddling dword: byte 2 (page 2)");
    rt_eq(lo8[PG_SIZE + 1], 0xca, "straddling dword: byte 3 (page 2)");
    rt_eq(*split_lo, 0xcafebabe, "straddling dword read back low");
    for (i = 0; i < 1024; i++)
        hi[1024 + i] = i * 0x01010101u + 7;
    for (i = 0; i < 1024; i++)
        bad += lo[1024 + i] != i * 0x01010101u + 7;
    rt_eq(bad, 0, "a whole page written high reads back low");
}

static void test_solo(void)
{
    volatile uint32_t *solo = (volatile uint32_t *)(SOLO_VA + 0x100);
    volatile uint32_t *phys = (volatile uint32_t *)(data_page[1] + 0x100);

    *phys = 0x50105010;
    rt_eq(*solo, 0x50105010, "a page mapped alone at 0x40000000 shows its physical page");
    *solo = 0x0b0b0b0b;
    rt_eq(*phys, 0x0b0b0b0b, "a store through it reaches the physical page");
}

static void test_high_code(void)
{
    uint32_t (*where_hi)(void) = high((void *)basic_where);
    uint32_t (*fib_hi)(uint32_t) = high((void *)basic_fib);
    uint32_t at, back;

    rt_eq(basic_where(), pg_phys(basic_where_mark), "code runs at its identity address");
    rt_eq(where_hi(), pg_phys(basic_where_mark) + HIGH,
          "called through 0xC0000000 + x, code sees its higher-half EIP");
    rt_eq(fib_hi(20), 6765, "recursive C code run through the higher-half alias: fib(20)");
    asm volatile("movl $1f, %%eax\n\t"
                 "addl $0xc0000000, %%eax\n\t"
                 "jmp *%%eax\n"
                 "1:\tcall basic_jump_mark\n"
                 ".globl basic_jump_mark\n"
                 "basic_jump_mark:\n\t"
                 "popl %0\n\t"
                 "movl $2f, %%eax\n\t"
                 "jmp *%%eax\n"
                 "2:\tcall 3f\n"
                 "3:\tpopl %1"
                 : "=r"(at), "=r"(back) : : "eax", "memory");
    rt_eq(at, pg_phys(basic_jump_mark) + HIGH, "a jump to the higher half runs there");
    rt_ok(back < HIGH, "an absolute jump comes back to the identity half (EIP 0x%08x)", back);
}

static void test_unmapped(void)
{
    volatile uint32_t *nopde = (volatile uint32_t *)0x50000124u;
    volatile uint32_t *nopte = (volatile uint32_t *)(SOLO_VA + 0x3008u);
    uint32_t v;

    rt_trap_reset();
    v = pg_try_read(nopde);
    pg_expect_pf(0, pg_at, 0x50000124u, "read with no PDE: #PF(0)");
    rt_eq(v, 0xdeadbeef, "the faulting read loaded nothing");
    rt_trap_reset();
    pg_try_write(nopde, 1);
    pg_expect_pf(PF_W, pg_at, 0x50000124u, "write with no PDE: #PF(W)");
    rt_trap_reset();
    pg_try_read(nopte);
    pg_expect_pf(0, pg_at, SOLO_VA + 0x3008u, "read of a not-present PTE: #PF(0)");
    rt_trap_reset();
    pg_try_write(nopte, 1);
    pg_expect_pf(PF_W, pg_at, SOLO_VA + 0x3008u, "write of a not-present PTE: #PF(W)");
    rt_trap_reset();
    pg_try_read((volatile uint32_t *)8);
    pg_expect_pf(0, pg_at, 8, "read of page 0 (left not present): #PF(0)");
}

static void test_off_on(void)
{
    volatile uint32_t *lo = (volatile uint32_t *)data_page[0];

    pg_disable();
    rt_eq(rt_read_cr0() & CR0_PG, 0, "paging off again: CR0.PG clear");
    lo[5] = 0x0ff0ff00;
    rt_eq(lo[5], 0x0ff0ff00, "memory works with paging off");
    pg_enable(pd);
    rt_eq(rt_read_cr0() & CR0_PG, CR0_PG, "paging on again");
    rt_eq(*(volatile uint32_t *)high(&lo[5]), 0x0ff0ff00,
          "a store made with paging off reads back through the higher-half alias");
    rt_trap_reset();
    pg_try_read((volatile uint32_t *)0x50000000u);
    pg_expect_pf(0, pg_at, 0x50000000u, "unmapped address still faults after re-enabling");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    test_enable();
    test_aliases();
    test_solo();
    test_high_code();
    test_unmapped();
    test_off_on();
}
