/*
 * shadow_cr3.c: what the shadow keeps when the guest loads CR3.
 *
 * The shadow is one set of host mappings, so a CR3 load must leave only
 * mappings the new directory gives too.  Rebuilding costs a host signal and
 * an mmap per page (tens of microseconds each on hosts whose page tables
 * are virtualized), so each group (the 1024 pages under one directory
 * entry) is kept whenever that is exact:
 *
 *   - the new directory's entry is the old one: kept as it is (a kernel
 *     half shared by all directories, as in Linux);
 *   - the entry names another page table whose entries equal the old
 *     table's for the pages mapped (xv6 gives every process its own copy of
 *     the kernel's page tables): the mappings move to the new table, which
 *     is traced from then on (sh_rehome_group);
 *   - the entry is not present (xv6's scheduler runs on a directory without
 *     a user half between any two processes, and every timer tick takes it
 *     there and back): the group is *suspended*.  Its mappings and their
 *     bookkeeping stay, the host makes the whole group inaccessible (one
 *     mprotect), and a CR3 load back to the same directory with the same
 *     entry resumes it: one mprotect per run of pages with the same
 *     protection instead of a signal and an mmap per page (sh_cr3_resume).
 *     Any other load whose entry is present drops it.
 *
 * While suspended the group's page tables stay traced, so a changed entry
 * drops its mapping as usual, and the directory it came from is read again
 * on resume.  Every access to it faults on the host and gets the guest's
 * #PF from a walk of the current tables (sh_suspended_fault), so the guest
 * sees exactly the directory it loaded.  Entering user mode drops
 * suspended groups (shadow_set_privilege).
 */
#include <string.h>
#include <sys/mman.h>

#include "monitor/hostcall.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"
#include "shadowmm/shadow.h"
#include "shadowmm/shadow_priv.h"
#include "shadowmm/softmmu.h"
#include "shadowmm/walk.h"
#include "tcache/tcache.h"

/* PDE bits that change what a group's mappings mean (A does not: the walk
 * sets it). */
#define SH_PDE_MEANING (PTE_FRAME_4K | PTE_P | PTE_RW | PTE_US | PTE_PS)
/* PTE bits a kept mapping's rights and page come from. */
#define SH_PTE_MEANING (PTE_FRAME_4K | PTE_P | PTE_RW | PTE_US | PTE_D)

static uint32_t sh_read_entry(struct vm *vm, uint32_t pa)
{
    uint32_t val;
    gmem_read_phys(vm, pa, &val, sizeof val);
    return val;
}

/* Set A in the entry at pa as a page walk would (an atomic OR into RAM, not
 * a guest store: walk.c says why). */
static void sh_set_accessed(struct vm *vm, uint32_t pa)
{
    uint32_t *entry = (uint32_t *)(void *)gmem_phys_ptr(&vm->mem, pa, sizeof(uint32_t));
    if (entry && !(*entry & PTE_A))
        __atomic_fetch_or(entry, PTE_A, __ATOMIC_SEQ_CST);
}

static bool sh_pte_same(uint32_t a, uint32_t b) { return ((a ^ b) & SH_PTE_MEANING) == 0; }

/* Move the mappings of group gi from page table old_pt's list to new_pt's.
 * The kept translations are now the new table's: its entries get A, as if
 * the processor had loaded them (it may, for accesses it only expects,
 * SDM Vol. 3A §4.10.2.3). */
static void sh_move_group(struct shadow *s, uint32_t gi, uint32_t old_pt, uint32_t new_pt)
{
    uint32_t moved = 0;
    for (uint32_t *link = &s->by_pt[old_pt]; *link != SH_NONE;) {
        uint32_t vpn = *link;
        struct sh_map *m = sh_entry(s, vpn);
        if (vpn / SH_PER_GROUP != gi) {
            link = &m->next_pt;
            continue;
        }
        *link = m->next_pt;
        m->next_pt = s->by_pt[new_pt];
        s->by_pt[new_pt] = vpn;
        m->pt_pfn = new_pt;
        sh_set_accessed(s->vm, (new_pt << 12) + 4 * (vpn % SH_PER_GROUP));
        moved++;
    }
    bool old_untraced = (s->pt_refs[old_pt] -= moved) == 0;
    bool new_traced = s->pt_refs[new_pt] == 0;
    s->pt_refs[new_pt] += moved;
    if (old_untraced)
        shadow_update_page(s->vm, old_pt);
    if (new_traced)
        shadow_update_page(s->vm, new_pt);
}

/* The new directory's entry b for group gi names another page table than
 * the old entry a.  Keep the group if the new table maps its pages as the
 * old one does: drop the few that differ, move the rest.  False (the
 * caller drops the group in one host call) when most of it differs. */
static bool sh_rehome_group(struct shadow *s, uint32_t gi, uint32_t a, uint32_t b, uint32_t new_pde_pa)
{
    if (!(a & PTE_P) || (a & PTE_PS) || ((a ^ b) & (SH_PDE_MEANING & ~PTE_FRAME_4K)))
        return false;
    uint32_t old_pt = a >> 12, new_pt = b >> 12;
    struct sh_group *g = &s->groups[gi];
    if (old_pt >= s->npages || new_pt >= s->npages || !g->maps)
        return false;
    uint32_t differ[SH_PER_GROUP], ndiffer = 0, same = 0;
    for (uint32_t i = 0; i < SH_PER_GROUP; i++) {
        const struct sh_map *m = &g->maps[i];
        if (m->pfn == SH_NONE)
            continue;
        if (m->pt_pfn != old_pt)
            return false;
        if (sh_pte_same(sh_read_entry(s->vm, (old_pt << 12) + 4 * i), sh_read_entry(s->vm, (new_pt << 12) + 4 * i)))
            same++;
        else
            differ[ndiffer++] = gi * SH_PER_GROUP + i;
    }
    if (same == 0 || ndiffer > same)
        return false;
    for (uint32_t i = 0; i < ndiffer; i++)
        sh_drop(s, differ[i]);
    sh_set_accessed(s->vm, new_pde_pa);
    sh_move_group(s, gi, old_pt, new_pt);
    STAT_INC(s->vm, sh_groups_rehomed);
    return true;
}

/* Keep group gi's mappings, inaccessible, while the directory does not map
 * it; its pages are no longer indirect-branch targets (a jump there must
 * walk).  False if the host refused (the caller drops the group). */
static bool sh_cr3_suspend(struct shadow *s, uint32_t gi, uint32_t pde, uint32_t from_pd)
{
    struct sh_group *g = &s->groups[gi];
    if (host_mprotect(&s->vm->stats, s->vm->mem.window + ((uint64_t)gi << 22), (size_t)SH_PER_GROUP << 12, PROT_NONE) != 0)
        return false;
    for (uint32_t i = 0; i < SH_PER_GROUP / 8; i++) {
        uint8_t *bits = &s->code_va[gi * (SH_PER_GROUP / 8) + i];
        for (uint32_t b = 0; *bits && b < 8; b++) {
            if (*bits & (1u << b)) {
                *bits &= (uint8_t)~(1u << b);
                tc_ibl_drop_page(s->vm->tc, gi * SH_PER_GROUP + i * 8 + b);
            }
        }
    }
    g->suspended = true;
    g->suspended_pde = pde;
    s->suspended++;
    s->suspended_pd = from_pd;
    STAT_INC(s->vm, sh_groups_suspended);
    return true;
}

/* Give a resumed group's pages their protections back: one mprotect per run
 * of consecutive mapped pages with the same protection.  False if the host
 * refused (the caller drops the group). */
static bool sh_cr3_resume(struct shadow *s, uint32_t gi)
{
    struct sh_group *g = &s->groups[gi];
    g->suspended = false;
    s->suspended--;
    for (uint32_t i = 0; i < SH_PER_GROUP;) {
        uint8_t prot = g->maps[i].prot;
        uint32_t n = 1;
        if (g->maps[i].pfn == SH_NONE) {
            i++;
            continue;
        }
        while (i + n < SH_PER_GROUP && g->maps[i + n].pfn != SH_NONE && g->maps[i + n].prot == prot)
            n++;
        if (host_mprotect(&s->vm->stats, s->vm->mem.window + ((uint64_t)(gi * SH_PER_GROUP + i) << 12), (size_t)n << 12, prot) != 0)
            return false;
        i += n;
    }
    STAT_INC(s->vm, sh_groups_resumed);
    return true;
}

enum shadow_outcome sh_suspended_fault(struct shadow *s, uint32_t la, bool write, struct event *ev)
{
    struct walk w;
    if (!walk_guest(&s->vm->cpu, la, write ? WALK_WRITE : WALK_READ, s->user_mode, false, &w)) {
        *ev = w.fault;
        return SHADOW_GUEST_FAULT;
    }
    /* The current directory maps it after all: start the group afresh. */
    sh_drop_group(s, la >> 22);
    return SHADOW_FILLED;
}

void sh_drop_suspended(struct shadow *s)
{
    for (uint32_t gi = 0; gi < SH_GROUPS && s->suspended; gi++)
        if (s->groups[gi].suspended)
            sh_drop_group(s, gi); /* clears the suspension with the last mapping */
}

/* Groups suspended before this load: resume those the new directory maps
 * as before, keep suspended those it still does not map, drop the rest.
 * done[gi] marks the groups handled here. */
static void sh_cr3_suspended_groups(struct shadow *s, uint32_t new_pd, bool *done)
{
    for (uint32_t gi = 0; gi < SH_GROUPS && s->suspended; gi++) {
        struct sh_group *g = &s->groups[gi];
        if (!g->suspended)
            continue;
        done[gi] = true;
        uint32_t b = sh_read_entry(s->vm, new_pd + 4 * gi);
        bool same = new_pd == s->suspended_pd && ((g->suspended_pde ^ b) & SH_PDE_MEANING) == 0;
        if ((same && !sh_cr3_resume(s, gi)) || (!same && (b & PTE_P)))
            sh_drop_group(s, gi);
    }
}

/* One live, unsuspended group across the load from old_pd to new_pd. */
static void sh_cr3_group(struct shadow *s, uint32_t gi, uint32_t old_pd, uint32_t new_pd, bool may_suspend)
{
    uint32_t a = sh_read_entry(s->vm, old_pd + 4 * gi), b = sh_read_entry(s->vm, new_pd + 4 * gi);
    if (old_pd == new_pd || ((a ^ b) & SH_PDE_MEANING) == 0)
        STAT_INC(s->vm, sh_entries_kept);
    else if (!(b & PTE_P) && (a & PTE_P) && may_suspend && sh_cr3_suspend(s, gi, a, old_pd))
        return;
    else if (!(b & PTE_P) || !sh_rehome_group(s, gi, a, b, new_pd + 4 * gi))
        sh_drop_group(s, gi);
}

void mmu_cr3_written(struct vcpu *v, uint32_t old_cr3)
{
    struct shadow *s = sh_of(v->vm);
    STAT_INC(v->vm, sh_cr3_switches);
    if (v->vm->softmmu) {
        softmmu_flush_nonglobal(v);
        tc_linear_flush(v->vm->tc, true);
        return;
    }
    if (!s || !s->paging)
        return;
    s->pd_gen++;
    uint32_t old_pd = old_cr3 & PTE_FRAME_4K, new_pd = v->cr3 & PTE_FRAME_4K;
    uint32_t live_before = s->live;
    bool done[SH_GROUPS];
    memset(done, 0, sizeof done);
    sh_cr3_suspended_groups(s, new_pd, done);
    /* Suspended groups all come from one directory: the old one, or none left. */
    bool may_suspend = s->suspended == 0;
    for (uint32_t gi = 0; gi < SH_GROUPS; gi++)
        if (s->groups[gi].live && !done[gi])
            sh_cr3_group(s, gi, old_pd, new_pd, may_suspend);
    STAT_ADD(v->vm, sh_drops_cr3, live_before - s->live);
    uint32_t old_pfn = s->pd_pfn;
    s->pd_pfn = new_pd >> 12;
    if (old_pfn != s->pd_pfn) {
        shadow_update_page(v->vm, old_pfn);
        shadow_update_page(v->vm, s->pd_pfn);
    }
}
