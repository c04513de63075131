/*
 * paging_ptdata.c: the paging_ptdata guest — page-table pages that are also
 * mapped and written as ordinary data (SDM Vol. 3A §4.3: paging structures
 * are ordinary memory; §4.10.4.2 for what must be invalidated after a
 * change).  A shadow-paging monitor write-protects such pages and emulates
 * every store to them: each store must both land as data and, when it
 * changes a live entry, change the mapping.
 *   - a window: entry 0 of page table pt_win maps pt_win itself at WIN, so
 *     WIN + 4*i is PTE i.  PTEs written through it are used (a new page;
 *     a changed frame after invlpg, 100 rounds; a sub-dword store into a
 *     live PTE; a cleared PTE faults);
 *   - unrelated data in the same page: not-present entries holding data
 *     (dword, byte and word stores), software bits 11:9 of a present PTE,
 *     all read back through the window and the identity map, and the
 *     data-holding entries still fault as not present;
 *   - a self-referencing directory: PDE 1023 maps the directory as a page
 *     table, so 0xFFC00000 + 4 KiB * i is page table i and 0xFFFFF000 the
 *     directory; a new PDE and a PTE under it written through it, used;
 *   - a whole page table copied with rep movsl into another page-table page
 *     through these windows, then used.
 * The processor sets A in an entry before the access it translates, so a
 * read through an entry that maps its own page table sees A set.
 */
#include "paging.h"

RT_GUEST("paging_ptdata");

#define WIN 0x40000000u       /* PDE 256 -> pt_win; WIN maps pt_win itself */
#define NEWPT_VA 0x40400000u  /* PDE 257, created through the self-map */
#define COPY_VA 0x40800000u   /* PDE 258 -> pt_copy, filled by rep movsl */
#define SELF_PT 0xffc00000u   /* the page tables, through PDE 1023 */
#define SELF_PD 0xfffff000u   /* the directory itself */
#define RW (PG_P | PG_W)

uint32_t pg_at;
static uint32_t pd[1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_win[1024] PG_ALIGNED;
static uint32_t pt_new[1024] PG_ALIGNED;
static uint32_t pt_copy[1024] PG_ALIGNED;

static uint32_t pa(uint32_t page)
{
    return PG_POOL + page * PG_SIZE;
}

static uint32_t win_pte(uint32_t i)
{
    return WIN + 4 * i;
}

static uint32_t self_pte(uint32_t va)
{
    return SELF_PT + (va >> 12) * 4;
}

static uint32_t self_pde(uint32_t va)
{
    return SELF_PD + pg_pdi(va) * 4;
}

static void setup(void)
{
    uint32_t i;

    pg_check_kernel_fits();
    for (i = 0; i < 8; i++)
        *(volatile uint32_t *)pa(i) = 0x9a9e0000 + i; /* paging still off */
    pg_map_kernel(pd, pt_kernel);
    pt_win[0] = pg_phys(pt_win) | RW;
    pd[pg_pdi(WIN)] = pg_phys(pt_win) | RW;
    pd[1023] = pg_phys(pd) | RW;
    pg_enable(pd);
}

static void test_window(void)
{
    struct pg_tally t = {0};
    uint32_t i;

    rt_eq(pg_rd(win_pte(0)), pg_phys(pt_win) | RW | PG_A,
          "the window reads its own PTE (A set by the walk that reached it)");
    pg_wr(win_pte(1), pa(0) | RW);
    rt_eq(pt_win[1], pa(0) | RW, "a PTE stored through the window is in the page table");
    rt_eq(pg_rd(WIN + PG_SIZE), 0x9a9e0000, "and maps its page");
    rt_eq(pt_win[1], pa(0) | RW | PG_A, "which set A in it");
    pg_wr(win_pte(1), pa(1) | RW);
    pg_invlpg(WIN + PG_SIZE);
    rt_eq(pg_rd(WIN + PG_SIZE), 0x9a9e0001, "frame changed through the window, invlpg: new page");
    for (i = 0; i < 100; i++) {
        pg_wr(win_pte(1), pa(i & 3) | RW);
        pg_invlpg(WIN + PG_SIZE);
        pg_tally(&t, i, pg_rd(WIN + PG_SIZE), 0x9a9e0000 + (i & 3));
    }
    pg_tally_check(&t, "100 frames written through the window, each used");
    pg_wr(win_pte(1), pa(1) | RW | PG_A | 0xe00);
    pg_invlpg(WIN + PG_SIZE);
    rt_eq(pg_rd(WIN + PG_SIZE), 0x9a9e0001, "a PTE with software bits 11:9 set maps as usual");
    rt_eq(pt_win[1] & 0xe00, 0xe00, "the software bits read back");
    asm volatile("movb %1, (%0)" : : "r"(win_pte(1) + 1), "q"((uint8_t)0x0e) : "memory");
    rt_eq(pt_win[1], pa(0) | RW | PG_A | 0xe00, "a byte store into a live PTE changes its frame");
    pg_invlpg(WIN + PG_SIZE);
    rt_eq(pg_rd(WIN + PG_SIZE), 0x9a9e0000, "invlpg: the byte-patched PTE maps the new frame");
    pg_wr(win_pte(5), pa(2) | RW);
    rt_eq(pg_rd(WIN + 5 * PG_SIZE), 0x9a9e0002, "PTE 5 stored through the window maps");
    pg_wr(win_pte(5), 0);
    pg_invlpg(WIN + 5 * PG_SIZE);
    rt_trap_reset();
    pg_try_read((volatile uint32_t *)(WIN + 5 * PG_SIZE + 8));
    pg_expect_pf(0, pg_at, WIN + 5 * PG_SIZE + 8, "PTE cleared through the window: #PF(0)");
}

static void test_unused_bytes(void)
{
    pg_wr(win_pte(700), 0xdeadbeee);
    asm volatile("movb %1, (%0)\n\tmovb %2, 1(%0)\n\tmovw %3, 2(%0)"
                 : : "r"(win_pte(701)), "q"((uint8_t)0x12), "q"((uint8_t)0x34),
                   "r"((uint16_t)0x7856) : "memory");
    rt_eq(pg_rd(win_pte(700)), 0xdeadbeee, "data in a not-present entry reads back through the window");
    rt_eq(pt_win[700], 0xdeadbeee, "and through the identity map");
    rt_eq(pt_win[701], 0x78563412, "byte and word stores into a not-present entry");
    pg_wr(self_pde(0x96000000u), 0x5a5a5a5a);
    rt_eq(pd[pg_pdi(0x96000000u)], 0x5a5a5a5a, "data in a not-present PDE through the self-map");
    rt_trap_reset();
    pg_try_read((volatile uint32_t *)(WIN + 700 * PG_SIZE));
    pg_expect_pf(0, pg_at, WIN + 700 * PG_SIZE, "an entry holding data (P=0) does not map");
    rt_trap_reset();
    pg_try_write((volatile uint32_t *)(WIN + 701 * PG_SIZE + 4), 1);
    pg_expect_pf(PF_W, pg_at, WIN + 701 * PG_SIZE + 4, "nor does the byte-written one");
    rt_trap_reset();
    pg_try_read((volatile uint32_t *)0x96000010u);
    pg_expect_pf(0, pg_at, 0x96000010u, "nor the PDE holding data");
    rt_eq(pt_win[700], 0xdeadbeee, "the faults left the data as it was");
}

static void test_self_map(void)
{
    rt_eq(pg_rd(self_pde(WIN)), pd[pg_pdi(WIN)], "0xFFFFF000 reads the directory (PDE 256)");
    /* PDE 1023 is also the final entry for 0xFFFFF000, so the store through
     * it in test_unused_bytes set its D bit (SDM §4.8). */
    rt_eq(pg_rd(self_pde(0xffc00000u)), pg_phys(pd) | RW | PG_A | PG_D,
          "the self-referencing PDE reads itself, A and D set");
    rt_eq(pg_rd(self_pte(0x00100000u)), pt_kernel[0x100], "0xFFC00000 reads the kernel's page table");
    rt_eq(pg_rd(self_pte(WIN + 2 * PG_SIZE)), 0, "and page table 256 (pt_win), entry 2");
    pg_wr(self_pte(WIN + 2 * PG_SIZE), pa(3) | RW);
    rt_eq(pt_win[2], pa(3) | RW, "a PTE written through the self-map");
    rt_eq(pg_rd(WIN + 2 * PG_SIZE), 0x9a9e0003, "maps its page");
    pg_wr(self_pde(NEWPT_VA), pg_phys(pt_new) | RW);
    rt_eq(pd[pg_pdi(NEWPT_VA)], pg_phys(pt_new) | RW, "a PDE written through the self-map");
    pg_wr(self_pte(NEWPT_VA + PG_SIZE), pa(4) | RW);
    rt_eq(pt_new[1], pa(4) | RW, "a PTE under it written through the self-map");
    rt_eq(pg_rd(NEWPT_VA + PG_SIZE), 0x9a9e0004, "the new page table and page are used");
}

static void test_copy(void)
{
    uint32_t n = 1024, src = WIN, dst;

    pg_wr(self_pde(COPY_VA), pg_phys(pt_copy) | RW);
    dst = self_pte(COPY_VA);
    asm volatile("cld\n\trep movsl" : "+c"(n), "+S"(src), "+D"(dst) : : "memory");
    rt_eq(pt_copy[1], pt_win[1], "rep movsl copied page table pt_win into pt_copy (entry 1)");
    rt_eq(pt_copy[700], 0xdeadbeee, "(entry 700, data)");
    rt_eq(pg_rd(COPY_VA + PG_SIZE), 0x9a9e0000, "the copied PTE 1 maps");
    rt_eq(pg_rd(COPY_VA + 2 * PG_SIZE), 0x9a9e0003, "the copied PTE 2 maps");
    rt_eq(pg_rd(COPY_VA + 4 * 700), 0xdeadbeee, "the copied PTE 0 maps pt_win: its data shows");
    pg_wr(COPY_VA + 4 * 2, pa(5) | RW); /* pt_win[2], through the copied window */
    pg_invlpg(WIN + 2 * PG_SIZE);
    rt_eq(pg_rd(WIN + 2 * PG_SIZE), 0x9a9e0005, "pt_win written through the copied window is used");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    setup();
    test_window();
    test_unused_bytes();
    test_self_map();
    test_copy();
}
