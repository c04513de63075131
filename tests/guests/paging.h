/*
 * paging.h: shared pieces of the paging guests (paging_*.c) — 32-bit
 * paging (SDM Vol. 3A §4.3) built and switched on by the guest itself.
 *
 * Memory plan every paging guest follows (the machine has 64 MiB):
 *   [0, 4 MiB)    the kernel (loaded at 1 MiB, .bss included), identity
 *                 mapped with 4 KiB pages by pg_map_kernel(); page 0 is left
 *                 not present so a null pointer faults;
 *   [8, 32 MiB)   PG_POOL: physical pages the guests use as test pages (data,
 *                 code, 4 MiB frames).  Nothing else lives there.
 * Page directories and page tables are 4 KiB-aligned arrays in .bss, so
 * their physical address is their (identity) address.
 *
 *   static uint32_t pd[1024] PG_ALIGNED, pt[1024] PG_ALIGNED;
 *   pg_map_kernel(pd, pt);
 *   pg_enable(pd);                      // CR3 = pd, CR0.PG = 1
 *   v = pg_try_read((uint32_t *)0x50000000);
 *   pg_expect_pf(0, pg_at, 0x50000000, "unmapped read");
 *
 * Helpers are static inline: every guest is one file and uses a few of them.
 */
#pragma once
#include "rt.h"

/* ---- page-table entry bits (SDM Vol. 3A §4.3, Tables 4-4 to 4-6) ---- */
#define PG_P 0x001u    /* present */
#define PG_W 0x002u    /* read/write */
#define PG_U 0x004u    /* user/supervisor */
#define PG_A 0x020u    /* accessed */
#define PG_D 0x040u    /* dirty (final entry only) */
#define PG_PS 0x080u   /* in a PDE with CR4.PSE: maps a 4 MiB page */
#define PG_G 0x100u    /* global (final entry, with CR4.PGE) */
#define PG_AVL 0xe00u  /* bits 11:9, free for software */
#define PG_FRAME 0xfffff000u
#define PG_LARGE_RSVD 0x00200000u /* bit 21 of a 4 MiB PDE: always reserved (Table 4-4) */

/* ---- #PF error code bits (SDM Vol. 3A §4.7) ---- */
#define PF_P 0x1u      /* 0: not present, 1: protection violation */
#define PF_W 0x2u      /* the access was a write */
#define PF_U 0x4u      /* the access was made in user mode (CPL 3) */
#define PF_RSVD 0x8u   /* a reserved bit was set in a paging entry */

/* ---- control register bits ---- */
#define CR0_WP 0x00010000u
#define CR0_PG 0x80000000u
#define CR4_PSE 0x00000010u
#define CR4_PGE 0x00000080u

/* ---- CPUID.1:EDX feature bits (SDM Vol. 2A, CPUID) ---- */
#define CPUID1_PSE (1u << 3)
#define CPUID1_PGE (1u << 13)

#define PG_SIZE 4096u
#define PG_LARGE 0x00400000u
#define PG_POOL 0x00800000u       /* first physical byte free for test pages */
#define PG_POOL_END 0x02000000u   /* end of that region (32 MiB) */
#define PG_ALIGNED __attribute__((aligned(4096)))

extern uint8_t _bss_end[];

static inline uint32_t pg_pdi(uint32_t va) { return va >> 22; }
static inline uint32_t pg_pti(uint32_t va) { return (va >> 12) & 0x3ff; }
static inline uint32_t pg_phys(const void *p) { return (uint32_t)p; }

static inline uint32_t pg_read_cr2(void)
{
    uint32_t v;
    asm volatile("movl %%cr2, %0" : "=r"(v));
    return v;
}

static inline uint32_t pg_read_cr4(void)
{
    uint32_t v;
    asm volatile("movl %%cr4, %0" : "=r"(v));
    return v;
}

static inline void pg_write_cr4(uint32_t v)
{
    asm volatile("movl %0, %%cr4" : : "r"(v) : "memory");
}

static inline void pg_write_cr3(uint32_t v)
{
    asm volatile("movl %0, %%cr3" : : "r"(v) : "memory");
}

static inline void pg_invlpg(uint32_t va)
{
    asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint32_t pg_cpuid1_edx(void)
{
    uint32_t a = 1, b, c = 0, d;
    asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return d;
}

/* Identity-map [0, 4 MiB) with 4 KiB pages through pt (page 0 not
 * present), user-accessible and writable so ring 3 tests can run the
 * runtime's code and stacks; pd gets the same rights at the PDE. */
static inline void pg_map_kernel(uint32_t *pd, uint32_t *pt)
{
    uint32_t i;
    for (i = 0; i < 1024; i++)
        pt[i] = i == 0 ? 0 : (i << 12) | PG_P | PG_W | PG_U;
    pd[0] = pg_phys(pt) | PG_P | PG_W | PG_U;
}

/* Point every PTE of pt at the 4 MiB of physical memory from base. */
static inline void pg_fill_pt(uint32_t *pt, uint32_t base, uint32_t flags)
{
    uint32_t i;
    for (i = 0; i < 1024; i++)
        pt[i] = (base + (i << 12)) | flags;
}

/* Load CR3 and turn paging on.  The code runs from identity-mapped pages,
 * so the instruction after the mov to CR0 is fetched at the same address
 * through the new translation (SDM Vol. 3A §9.9.1). */
static inline void pg_enable(uint32_t *pd)
{
    pg_write_cr3(pg_phys(pd));
    asm volatile("movl %%cr0, %%eax\n\torl $0x80000000, %%eax\n\tmovl %%eax, %%cr0\n\t"
                 "jmp 1f\n1:"
                 : : : "eax", "memory");
}

static inline void pg_disable(void)
{
    asm volatile("movl %%cr0, %%eax\n\tandl $0x7fffffff, %%eax\n\tmovl %%eax, %%cr0\n\t"
                 "jmp 1f\n1:"
                 : : : "eax", "memory");
}

static inline void pg_set_cr0_bits(uint32_t set, uint32_t clear)
{
    rt_write_cr0((rt_read_cr0() | set) & ~clear);
}

/* One dword read/written at linear address a, ordered with every other
 * memory access of the C code around it (a compiler barrier): page-table
 * entries are plain arrays, and a store to one must reach memory before
 * the access that depends on it. */
static inline uint32_t pg_rd(uint32_t a)
{
    uint32_t v;
    asm volatile("movl (%1), %0" : "=r"(v) : "r"(a) : "memory");
    return v;
}

static inline void pg_wr(uint32_t a, uint32_t v)
{
    asm volatile("movl %1, (%0)" : : "r"(a), "r"(v) : "memory");
}

/* Address of the last instruction a pg_try_* helper ran (the saved EIP an
 * exception on it must report). */
extern uint32_t pg_at;

/* Read/write one dword, catching an exception (RT_TRY): on a fault the
 * value read is 0xdeadbeef and nothing is written. */
static inline uint32_t pg_try_read(const volatile uint32_t *p)
{
    uint32_t v = 0xdeadbeef;
    asm volatile(RT_TRY_BEGIN "movl $1f, pg_at\n1:\tmovl (%1), %0" RT_TRY_END
                 : "+r"(v) : "r"(p) : "memory");
    return v;
}

static inline void pg_try_write(volatile uint32_t *p, uint32_t v)
{
    asm volatile(RT_TRY_BEGIN "movl $1f, pg_at\n1:\tmovl %1, (%0)" RT_TRY_END
                 : : "r"(p), "r"(v) : "memory");
}

/* Checks that the RT_TRY block just run raised exactly one #PF with this
 * error code at saved EIP eip, and CR2 = cr2 (CR2 keeps the address until
 * the next #PF; SDM Vol. 3A §4.7). */
static inline void pg_expect_pf(uint32_t error, uint32_t eip, uint32_t cr2, const char *what)
{
    uint32_t got = pg_read_cr2();
    rt_expect_trap(14, error, eip, what);
    if (rt_traps == 1)
        rt_eq(got, cr2, "%s: CR2", what);
}

/* A check of a corner QEMU's TCG does not model the SDM's way: it runs
 * everywhere else with the SDM's answer and is reported as skipped on QEMU
 * (rt_on_qemu), never weakened. */
static inline void pg_eq_sdm(const char *qemu_gap, uint32_t got, uint32_t want, const char *what)
{
    if (rt_on_qemu())
        rt_skip(qemu_gap, "%s (got 0x%x)", what, got);
    else
        rt_eq(got, want, "%s", what);
}

/* A check repeated in a loop: counts the rounds that went wrong and keeps
 * the first one, so a failure reports got/expected and where.
 *   struct pg_tally t = {0};
 *   for (i = 0; i < n; i++) pg_tally(&t, i, got(i), want(i));
 *   pg_tally_check(&t, "n rounds of ...");
 */
struct pg_tally {
    uint32_t bad;     /* rounds whose value was wrong */
    uint32_t round;   /* the first such round */
    uint32_t got;     /* its value */
    uint32_t want;    /* and the expected one */
};

static inline void pg_tally(struct pg_tally *t, uint32_t round, uint32_t got, uint32_t want)
{
    if (got == want)
        return;
    if (t->bad++ == 0) {
        t->round = round;
        t->got = got;
        t->want = want;
    }
}

static inline void pg_tally_check(const struct pg_tally *t, const char *what)
{
    rt_eq(t->bad, 0, "%s: rounds wrong", what);
    if (t->bad)
        rt_eq(t->got, t->want, "%s: first wrong round is %u", what, t->round);
}

/* The kernel must fit the identity map pg_map_kernel builds. */
static inline void pg_check_kernel_fits(void)
{
    rt_ok(pg_phys(_bss_end) <= PG_LARGE, "kernel image ends at 0x%08x, inside the 4 MiB identity map",
          pg_phys(_bss_end));
}
