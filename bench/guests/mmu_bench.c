/*
 * mmu_bench.c: the MMU benchmark guest — what paging costs a guest kernel,
 * measured from inside the guest with rdtsc, so the same image compares
 * btvisor with QEMU (bench/run_mmu.sh).  Four measures, RUNS runs of N
 * operations each; every run prints one line "bench <name> <cycles per op>":
 *
 *   hidden_fault      the first read of a page that is present in the
 *                     guest's page tables but was never touched since paging
 *                     was turned on.  On btvisor each is a host fault the
 *                     shadow fills from the guest tables; on QEMU a TLB fill.
 *                     Every run uses N new linear pages (RUNS * N in all),
 *                     backed by 1024 physical pages the guest zeroed first.
 *   pf_roundtrip      a read of a not-present page: a full #PF delivery to
 *                     the guest's handler (which only advances EIP past the
 *                     2-byte mov) and the iret back.
 *   cr3_switch        mov cr3, alternating between two directories that
 *                     differ in one user-half PDE.
 *   cr3_switch_touch  the same, each switch followed by a read of a page
 *                     mapped differently in the two directories.
 *
 * Benchmarks assert nothing about time; the guest only checks that the
 * work was done (fault counts, values read) so a broken run is not timed.
 * Build: the `bench_guests` target (bench/CMakeLists.txt); run:
 *   bench/run_mmu.sh build/btvisor
 */
#include "paging.h"

RT_GUEST("mmu_bench");

#define RUNS 7
#define N 2000
#define HF_VA 0x40000000u     /* RUNS * N pages, PDEs 256.. */
#define HF_TABLES ((RUNS * N + 1023) / 1024)
#define HF_PHYS_PAGES 1024u   /* physical pages behind them: [8, 12 MiB) */
#define NP_VA 0x60000000u     /* never mapped */
#define SWITCH_VA 0x80000000u /* mapped differently in the two directories */

uint32_t pg_at;
static uint32_t pd[1024] PG_ALIGNED;
static uint32_t pd2[1024] PG_ALIGNED;
static uint32_t pt_kernel[1024] PG_ALIGNED;
static uint32_t pt_hf[HF_TABLES][1024] PG_ALIGNED;
static uint32_t pt_sw[2][1024] PG_ALIGNED;
static volatile uint32_t pf_count;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Cycles per operation, without 64-bit division (no libgcc here). */
static uint32_t per_op(uint64_t cycles, uint32_t ops)
{
    if (cycles >> 32)
        return 0xffffffffu;
    return (uint32_t)cycles / ops;
}

static void report(const char *name, uint64_t cycles, uint32_t ops)
{
    rt_printf("bench %s %u\n", name, per_op(cycles, ops));
}

static void setup(void)
{
    uint32_t i, p;

    pg_check_kernel_fits();
    memset((void *)PG_POOL, 0, HF_PHYS_PAGES * PG_SIZE); /* paging off: no shadow yet */
    for (p = 0; p < HF_PHYS_PAGES; p++)
        *(volatile uint32_t *)(PG_POOL + p * PG_SIZE) = p;
    pg_map_kernel(pd, pt_kernel);
    for (i = 0; i < RUNS * N; i++)
        pt_hf[i / 1024][i % 1024] = (PG_POOL + (i % HF_PHYS_PAGES) * PG_SIZE) | PG_P | PG_W;
    for (i = 0; i < HF_TABLES; i++)
        pd[pg_pdi(HF_VA) + i] = pg_phys(pt_hf[i]) | PG_P | PG_W;
    memcpy(pd2, pd, sizeof pd2);
    pt_sw[0][0] = PG_POOL | PG_P | PG_W;            /* physical page 0: holds 0 */
    pt_sw[1][0] = (PG_POOL + PG_SIZE) | PG_P | PG_W; /* physical page 1: holds 1 */
    pd[pg_pdi(SWITCH_VA)] = pg_phys(pt_sw[0]) | PG_P | PG_W;
    pd2[pg_pdi(SWITCH_VA)] = pg_phys(pt_sw[1]) | PG_P | PG_W;
    pg_enable(pd);
}

static void bench_hidden_fault(void)
{
    uint32_t r, i, sum, want, bad = 0;
    uint64_t t0, t1;

    for (r = 0; r < RUNS; r++) {
        uint32_t base = HF_VA + r * N * PG_SIZE;
        sum = 0;
        t0 = rdtsc();
        for (i = 0; i < N; i++)
            sum += pg_rd(base + i * PG_SIZE);
        t1 = rdtsc();
        report("hidden_fault", t1 - t0, N);
        for (want = 0, i = r * N; i < (r + 1) * N; i++)
            want += i % HF_PHYS_PAGES;
        bad += sum != want;
    }
    rt_eq(bad, 0, "hidden_fault: every page read its physical page's number");
}

static void skip_mov(struct rt_frame *f)
{
    pf_count++;
    f->eip += 2; /* movl (%ecx), %eax: 8b 01 */
}

static void bench_pf_roundtrip(void)
{
    uint32_t r, n;
    uint64_t t0, t1;

    rt_set_handler(14, skip_mov);
    pf_count = 0;
    for (r = 0; r < RUNS; r++) {
        n = N;
        t0 = rdtsc();
        asm volatile("1:\t.byte 0x8b, 0x01\n\t" /* movl (%ecx), %eax */
                     "decl %0\n\tjnz 1b"
                     : "+r"(n) : "c"(NP_VA) : "eax", "memory", "cc");
        t1 = rdtsc();
        report("pf_roundtrip", t1 - t0, N);
    }
    rt_set_handler(14, 0);
    rt_eq(pf_count, RUNS * N, "pf_roundtrip: every read faulted once");
}

static void bench_cr3(void)
{
    uint32_t r, n, a = pg_phys(pd), b = pg_phys(pd2), sum;
    uint64_t t0, t1;

    for (r = 0; r < RUNS; r++) {
        n = N / 2;
        t0 = rdtsc();
        asm volatile("1:\tmovl %1, %%cr3\n\tmovl %2, %%cr3\n\tdecl %0\n\tjnz 1b"
                     : "+r"(n) : "r"(b), "r"(a) : "memory", "cc");
        t1 = rdtsc();
        report("cr3_switch", t1 - t0, N);
    }
    rt_eq(rt_read_cr3(), a, "cr3_switch: back in the first directory");
    for (r = 0; r < RUNS; r++) {
        n = N / 2;
        sum = 0;
        t0 = rdtsc();
        asm volatile("1:\tmovl %2, %%cr3\n\taddl (%4), %1\n\t"
                     "movl %3, %%cr3\n\taddl (%4), %1\n\tdecl %0\n\tjnz 1b"
                     : "+r"(n), "+r"(sum) : "r"(b), "r"(a), "r"(SWITCH_VA) : "memory", "cc");
        t1 = rdtsc();
        report("cr3_switch_touch", t1 - t0, N);
        if (r == 0)
            rt_eq(sum, N / 2, "cr3_switch_touch: each directory read its own page");
    }
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    setup();
    bench_hidden_fault();
    bench_pf_roundtrip();
    bench_cr3();
}
