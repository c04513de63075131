/*
 * paging_kpgdir.c: the paging_kpgdir guest — xv6's way of switching address
 * spaces (SDM Vol. 3A §4.10.4.1: a CR3 load invalidates every non-global
 * translation).
 *
 * Like xv6, every "process" directory has its own copy of the kernel's page
 * tables (same entries, different page-table pages), and the scheduler runs
 * on a directory of its own that has the kernel half only: every switch
 * goes process -> scheduler -> process, as every xv6 timer tick does.  The
 * processes' user pages are sparse (every other page of a page table, as
 * the allocations of xv6's usertests "mem" test are).
 *
 * Checked over 300 switches: each process sees its own pages with the
 * values it last stored; on the scheduler's directory the user half is not
 * present (reads and writes #PF, with CR2 and the W/R bit) while the kernel
 * half works; a PTE and a PDE of a process changed while the scheduler's
 * directory is current are used when that process runs again; ring 3 reads
 * its own process's page.
 */
#include "paging.h"

RT_GUEST("paging_kpgdir");

#define NPROC 3
#define NUSER 256              /* user pages per process */
#define ROUNDS 300
#define USER_VA 0x40000000u
#define POOL_PAGES (NPROC * NUSER) /* pool pages the processes own; one more for remaps */

uint32_t pg_at;
static uint32_t pds[NPROC][1024] PG_ALIGNED;
static uint32_t kpts[NPROC][1024] PG_ALIGNED;   /* each process's copy of the kernel table */
static uint32_t pool_pts[NPROC][1024] PG_ALIGNED; /* and of the pool's identity table */
static uint32_t upts[NPROC][1024] PG_ALIGNED;   /* user pages */
static uint32_t upt_alt[1024] PG_ALIGNED;       /* a replacement user table */
static uint32_t sched_pd[1024] PG_ALIGNED;      /* the scheduler's: kernel half only */
static uint32_t sched_kpt[1024] PG_ALIGNED;
static uint32_t sched_pool_pt[1024] PG_ALIGNED;
static uint32_t stored[NPROC];                  /* value last stored in each process's pages */
static volatile uint32_t user_got;

static uint32_t pool_pa(uint32_t page) { return PG_POOL + page * PG_SIZE; }
static uint32_t user_va(uint32_t i) { return USER_VA + 2 * i * PG_SIZE; } /* sparse */

static void setup(void)
{
    uint32_t p, i;

    pg_check_kernel_fits();
    memset((void *)pool_pa(0), 0, (POOL_PAGES + 1) * PG_SIZE); /* paging is still off */
    for (p = 0; p < NPROC; p++) {
        pg_map_kernel(pds[p], kpts[p]);
        pg_fill_pt(pool_pts[p], PG_POOL, PG_P | PG_W);
        pds[p][pg_pdi(PG_POOL)] = pg_phys(pool_pts[p]) | PG_P | PG_W;
        for (i = 0; i < NUSER; i++)
            upts[p][2 * i] = pool_pa(p * NUSER + i) | PG_P | PG_W | PG_U;
        pds[p][pg_pdi(USER_VA)] = pg_phys(upts[p]) | PG_P | PG_W | PG_U;
    }
    memcpy(upt_alt, upts[1], sizeof upt_alt);
    upt_alt[0] = pool_pa(POOL_PAGES) | PG_P | PG_W | PG_U;
    pg_map_kernel(sched_pd, sched_kpt);
    pg_fill_pt(sched_pool_pt, PG_POOL, PG_P | PG_W);
    sched_pd[pg_pdi(PG_POOL)] = pg_phys(sched_pool_pt) | PG_P | PG_W;
    pg_enable(sched_pd);
}

/* Run process p: its pages must hold stored[p]; store the next value. */
static void run_proc(uint32_t p, uint32_t round, struct pg_tally *t)
{
    uint32_t i, next = 0x10000 * (p + 1) + round;

    pg_write_cr3(pg_phys(pds[p]));
    for (i = 0; i < NUSER; i++) {
        pg_tally(t, round, pg_rd(user_va(i)), stored[p]);
        pg_wr(user_va(i), next);
    }
    stored[p] = next;
    pg_write_cr3(pg_phys(sched_pd)); /* back to the scheduler, as xv6's switchkvm */
}

static void test_round_trips(void)
{
    struct pg_tally vals = {0}, faults = {0}, kernel = {0};
    uint32_t r, x = 777, tries = 0;

    for (r = 0; r < ROUNDS; r++) {
        if (r % 4 == 0) /* a process runs a few ticks in a row */
            x = x * 1103515245u + 12345u;
        run_proc((x >> 16) % NPROC, r, &vals);
        if (r % 10 == 0) {
            uint32_t va = user_va(r % NUSER) + 4;
            rt_trap_reset();
            pg_try_read((volatile uint32_t *)va);
            pg_tally(&faults, r, rt_traps == 1 && rt_last.vector == 14 && rt_last.error == 0 && pg_read_cr2() == va, 1);
            rt_trap_reset();
            pg_try_write((volatile uint32_t *)va, 1);
            pg_tally(&faults, r, rt_traps == 1 && rt_last.vector == 14 && rt_last.error == PF_W && pg_read_cr2() == va, 1);
            tries++;
        }
        /* The kernel half works on the scheduler's directory. */
        pg_tally(&kernel, r, pg_rd(pool_pa(0)), stored[0]);
    }
    pg_tally_check(&vals, "300 switches through the scheduler's directory: each process sees its own values");
    pg_tally_check(&faults, "the scheduler's directory has no user half: reads and writes #PF there");
    pg_tally_check(&kernel, "the scheduler reads a process's page through the kernel's identity map");
    rt_ok(tries == ROUNDS / 10, "%u fault checks made", tries);
}

static void test_changed_while_away(void)
{
    uint32_t got;

    run_proc(1, 1000, &(struct pg_tally){0});
    /* On the scheduler's directory: remap process 1's first page, then its
     * whole user table (xv6's exec and exit change tables of a process that
     * is not running). */
    pg_wr(pool_pa(POOL_PAGES), 0xa17);
    upts[1][0] = pool_pa(POOL_PAGES) | PG_P | PG_W | PG_U;
    pg_write_cr3(pg_phys(pds[1]));
    got = pg_rd(user_va(0));
    rt_eq(got, 0xa17, "a PTE changed while its process was away is used");
    rt_eq(pg_rd(user_va(1)), stored[1], "the rest of its pages are still its own");
    pg_write_cr3(pg_phys(sched_pd));
    upts[1][0] = pool_pa(NUSER) | PG_P | PG_W | PG_U;
    upt_alt[2] = pool_pa(POOL_PAGES) | PG_P | PG_W | PG_U;
    pds[1][pg_pdi(USER_VA)] = pg_phys(upt_alt) | PG_P | PG_W | PG_U;
    pg_write_cr3(pg_phys(pds[1]));
    rt_eq(pg_rd(user_va(1)), 0xa17, "a PDE changed while its process was away is used");
    pg_write_cr3(pg_phys(sched_pd));
    pds[1][pg_pdi(USER_VA)] = pg_phys(upts[1]) | PG_P | PG_W | PG_U;
    pg_write_cr3(pg_phys(pds[1]));
    rt_eq(pg_rd(user_va(0)), stored[1], "and changed back: its own pages again");
    pg_write_cr3(pg_phys(sched_pd));
}

static void user_read(void)
{
    user_got = *(volatile uint32_t *)user_va(5);
}

static void test_user(void)
{
    uint32_t i, p, bad = 0;

    for (i = 0; i < 30; i++) {
        p = i % NPROC;
        run_proc(p, 2000 + i, &(struct pg_tally){0});
        pg_write_cr3(pg_phys(pds[p]));
        user_got = 0;
        rt_run_ring(SEL_UCODE, SEL_UDATA, user_read, 0x2);
        bad += user_got != stored[p];
        pg_write_cr3(pg_phys(sched_pd));
    }
    rt_eq(bad, 0, "ring 3 reads its own process's page after 30 trips through the scheduler");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    setup();
    test_round_trips();
    test_changed_while_away();
    test_user();
}
