/*
 * shadow.c: shadow page tables (see shadow.h for the model).
 *
 * Bookkeeping, per guest linear page (vpn = la >> 12): a struct sh_map in
 * the group of its page-directory index (groups are allocated on first use),
 * saying which guest-physical page it maps, which page table its PTE lives
 * in, the rights the guest gives it and the host protection applied.  Two
 * reverse maps, kept as singly linked lists threaded through the entries:
 *   - by target: every linear page mapping physical page p (to write-protect
 *     all aliases of a page that holds translated code or a page table);
 *   - by page table: every linear page whose PTE lives in page p (to drop
 *     exactly the mappings a write to a page table changed).
 * pt_refs[p] counts the mappings whose PTE lives in p: while it is nonzero,
 * p is traced (read-only everywhere).  The current page directory is traced
 * too; a write to one of its entries drops that entry's whole group.
 *
 * Every host operation is one mmap: a fill maps the memfd page at
 * W + la with MAP_FIXED, a drop maps PROT_NONE anonymous memory back over
 * it (munmap would leave a hole the rest of the process could take).
 */
#define _GNU_SOURCE
#include "shadowmm/shadow.h"
#include "shadowmm/shadow_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "monitor/hostcall.h"
#include "monitor/vm.h"
#include "shadowmm/softmmu.h"
#include "shadowmm/walk.h"
#include "tcache/tcache.h"

struct shadow *sh_of(const struct vm *vm) { return vm->shadow; }

/* Does user mode get less from this mapping than supervisor mode (a
 * supervisor-only page, or one only supervisor mode may write)? */
static bool sh_weaker_for_user(uint8_t rights)
{
    return !(rights & SM_USER) || ((rights & SM_SUP_W) && !(rights & SM_USER_W));
}

struct sh_map *sh_entry(struct shadow *s, uint32_t vpn)
{
    struct sh_group *g = &s->groups[vpn / SH_PER_GROUP];
    return g->maps ? &g->maps[vpn % SH_PER_GROUP] : NULL;
}

static struct sh_map *sh_entry_alloc(struct shadow *s, uint32_t vpn)
{
    struct sh_group *g = &s->groups[vpn / SH_PER_GROUP];
    if (!g->maps) {
        g->maps = host_malloc(&s->vm->stats, SH_PER_GROUP * sizeof *g->maps);
        if (!g->maps)
            return NULL;
        for (uint32_t i = 0; i < SH_PER_GROUP; i++)
            g->maps[i] = (struct sh_map){ .pfn = SH_NONE, .pt_pfn = SH_NONE };
    }
    return &g->maps[vpn % SH_PER_GROUP];
}

static void sh_host_error(struct shadow *s, const char *what, uint32_t vpn)
{
    vm_request_exit(s->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL, "shadow: %s of guest page %#x failed: %s",
                    what, vpn << 12, strerror(errno));
}

/* Put the PROT_NONE reservation back over [vpn, vpn + n). */
static void sh_host_unmap(struct shadow *s, uint32_t vpn, uint32_t n)
{
    void *at = s->vm->mem.window + ((uint64_t)vpn << 12);
    if (host_mmap(&s->vm->stats, at, (size_t)n << 12, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) ==
        MAP_FAILED)
        sh_host_error(s, "unmap", vpn);
}

static bool sh_traced(const struct shadow *s, uint32_t pfn)
{
    return pfn == s->pd_pfn || (pfn < s->npages && s->pt_refs[pfn] > 0);
}

/* The host protection a mapping gets now. */
static int sh_prot(const struct shadow *s, uint32_t pfn, uint8_t rights)
{
    bool may_write = s->user_mode ? (rights & SM_USER_W) : (rights & SM_SUP_W);
    if (may_write && (rights & SM_DIRTY) && !sh_traced(s, pfn) && !tc_page_has_code(s->vm->tc, pfn))
        return GMEM_PROT_RW;
    return GMEM_PROT_RO;
}

static void sh_apply_prot(struct shadow *s, uint32_t vpn, struct sh_map *m)
{
    int prot = sh_prot(s, m->pfn, m->rights);
    if (prot == m->prot)
        return;
    if (s->groups[vpn / SH_PER_GROUP].suspended) {
        m->prot = (uint8_t)prot; /* the host keeps PROT_NONE until the group resumes */
        return;
    }
    if (host_mprotect(&s->vm->stats, s->vm->mem.window + ((uint64_t)vpn << 12), 4096, prot) != 0) {
        sh_host_error(s, "mprotect", vpn);
        return;
    }
    m->prot = (uint8_t)prot;
}

void shadow_update_page(struct vm *vm, uint32_t pfn)
{
    struct shadow *s = sh_of(vm);
    if (!s || !s->paging || pfn >= s->npages)
        return;
    for (uint32_t vpn = s->by_target[pfn]; vpn != SH_NONE;) {
        struct sh_map *m = sh_entry(s, vpn);
        sh_apply_prot(s, vpn, m);
        vpn = m->next_target;
    }
}

/* Unlink vpn from a list threaded through `field`. */
void sh_list_remove(struct shadow *s, uint32_t *head, uint32_t vpn, bool by_pt)
{
    for (uint32_t *link = head; *link != SH_NONE;) {
        struct sh_map *m = sh_entry(s, *link);
        if (*link == vpn) {
            *link = by_pt ? m->next_pt : m->next_target;
            return;
        }
        link = by_pt ? &m->next_pt : &m->next_target;
    }
}

static void sh_count_vmas(struct shadow *s, uint32_t gi, int delta)
{
    s->groups[gi].vmas = (uint32_t)((int)s->groups[gi].vmas + delta);
    s->vmas = (uint32_t)((int)s->vmas + delta);
}

/* Forget vpn's mapping without touching the host (the caller does). */
static void sh_forget(struct shadow *s, uint32_t vpn, struct sh_map *m)
{
    struct vm *vm = s->vm;
    if (m->pfn < s->npages)
        sh_list_remove(s, &s->by_target[m->pfn], vpn, false);
    if (m->pt_pfn != SH_NONE && m->pt_pfn < s->npages) {
        sh_list_remove(s, &s->by_pt[m->pt_pfn], vpn, true);
        if (--s->pt_refs[m->pt_pfn] == 0)
            shadow_update_page(vm, m->pt_pfn); /* no longer a traced page table */
    }
    if (s->code_va[vpn / 8] & (1u << (vpn % 8))) {
        s->code_va[vpn / 8] &= (uint8_t)~(1u << (vpn % 8));
        tc_ibl_drop_page(vm->tc, vpn);
    }
    if (sh_weaker_for_user(m->rights))
        s->groups[vpn / SH_PER_GROUP].weaker_for_user--;
    m->pfn = SH_NONE;
    m->pt_pfn = SH_NONE;
    struct sh_group *g = &s->groups[vpn / SH_PER_GROUP];
    if (--g->live == 0) {
        sh_count_vmas(s, vpn / SH_PER_GROUP, -(int)g->vmas); /* nothing of the group is mapped any more */
        if (g->suspended) {
            g->suspended = false;
            s->suspended--;
        }
    }
    s->live--;
    STAT_INC(vm, sh_entries_dropped);
}


void sh_drop(struct shadow *s, uint32_t vpn)
{
    struct sh_map *m = sh_entry(s, vpn);
    if (!m || m->pfn == SH_NONE)
        return;
    /* A page cut out of a 4 MiB mapping splits it in two. */
    sh_count_vmas(s, vpn / SH_PER_GROUP, (m->rights & SM_LARGE) ? 1 : -1);
    sh_forget(s, vpn, m);
    sh_host_unmap(s, vpn, 1);
}

void sh_drop_group(struct shadow *s, uint32_t gi)
{
    struct sh_group *g = &s->groups[gi];
    if (!g->maps || g->live == 0)
        return;
    for (uint32_t i = 0; i < SH_PER_GROUP && g->live; i++)
        if (g->maps[i].pfn != SH_NONE)
            sh_forget(s, gi * SH_PER_GROUP + i, &g->maps[i]); /* the last one zeroes g->vmas */
    sh_host_unmap(s, gi * SH_PER_GROUP, SH_PER_GROUP);
}

void shadow_flush(struct vm *vm)
{
    struct shadow *s = sh_of(vm);
    if (!s || !s->paging)
        return;
    for (uint32_t gi = 0; gi < SH_GROUPS; gi++)
        sh_drop_group(s, gi);
}

static uint8_t sh_rights_of(const struct walk *w)
{
    return (uint8_t)((w->user ? SM_USER : 0) | (w->writable_user ? SM_USER_W : 0) |
                     (w->writable_sup ? SM_SUP_W : 0) | (w->dirty ? SM_DIRTY : 0) | (w->large ? SM_LARGE : 0));
}

/* Record that linear page vpn maps physical page pfn (bookkeeping only). */
static struct sh_map *sh_record(struct shadow *s, uint32_t vpn, uint32_t pfn, uint8_t rights, uint32_t pt_pfn)
{
    struct sh_map *m = sh_entry_alloc(s, vpn);
    if (!m) {
        vm_request_exit(s->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL, "shadow: out of memory");
        return NULL;
    }
    m->pfn = pfn;
    m->rights = rights;
    m->pt_pfn = pt_pfn;
    m->next_target = s->by_target[pfn];
    s->by_target[pfn] = vpn;
    if (pt_pfn != SH_NONE && pt_pfn < s->npages) {
        m->next_pt = s->by_pt[pt_pfn];
        s->by_pt[pt_pfn] = vpn;
        if (s->pt_refs[pt_pfn]++ == 0)
            shadow_update_page(s->vm, pt_pfn); /* now a traced page table */
    }
    s->groups[vpn / SH_PER_GROUP].live++;
    if (sh_weaker_for_user(rights))
        s->groups[vpn / SH_PER_GROUP].weaker_for_user++;
    s->live++;
    return m;
}

static void sh_make_room(struct shadow *s)
{
    if (s->vmas < SHADOW_MAP_BUDGET)
        return;
    STAT_INC(s->vm, sh_evictions);
    shadow_flush(s->vm);
}

/* A 4 MiB guest page whose group is still empty: one host mapping for all
 * of it (large pages take one mmap), then the pages that need a stricter
 * protection (translated code, traced page tables) get their own. */
static bool sh_fill_large(struct shadow *s, uint32_t vpn, const struct walk *w)
{
    uint32_t gi = vpn / SH_PER_GROUP, first_vpn = gi * SH_PER_GROUP;
    uint32_t first_pfn = (w->pde & PTE_FRAME_4M) >> 12;
    if (s->groups[gi].live || first_pfn + SH_PER_GROUP > s->npages)
        return false;
    uint8_t rights = sh_rights_of(w);
    bool may_write = s->user_mode ? (rights & SM_USER_W) : (rights & SM_SUP_W);
    int prot = may_write && (rights & SM_DIRTY) ? GMEM_PROT_RW : GMEM_PROT_RO;
    if (host_mmap(&s->vm->stats, s->vm->mem.window + ((uint64_t)first_vpn << 12), (size_t)SH_PER_GROUP << 12,
                  prot, MAP_SHARED | MAP_FIXED, s->vm->mem.memfd, (off_t)first_pfn << 12) == MAP_FAILED) {
        sh_host_error(s, "map", first_vpn);
        return true;
    }
    sh_count_vmas(s, gi, 1);
    for (uint32_t i = 0; i < SH_PER_GROUP; i++) {
        struct sh_map *m = sh_record(s, first_vpn + i, first_pfn + i, rights, SH_NONE);
        if (!m)
            return true;
        m->prot = (uint8_t)prot;
        if (sh_prot(s, m->pfn, rights) != prot) {
            sh_apply_prot(s, first_vpn + i, m);
            sh_count_vmas(s, gi, 2);
        }
    }
    STAT_INC(s->vm, sh_large_fills);
    return true;
}

/* Map linear page vpn as the walk w says. */
static void sh_fill(struct shadow *s, uint32_t vpn, const struct walk *w)
{
    sh_make_room(s);
    if (w->large && sh_fill_large(s, vpn, w))
        return;
    uint32_t pfn = w->page_pa >> 12;
    struct sh_map *m = sh_record(s, vpn, pfn, sh_rights_of(w), w->large ? SH_NONE : w->pte_pa >> 12);
    if (!m)
        return;
    sh_count_vmas(s, vpn / SH_PER_GROUP, 1);
    m->prot = (uint8_t)sh_prot(s, pfn, m->rights);
    if (host_mmap(&s->vm->stats, s->vm->mem.window + ((uint64_t)vpn << 12), 4096, m->prot, MAP_SHARED | MAP_FIXED,
                  s->vm->mem.memfd, (off_t)pfn << 12) == MAP_FAILED)
        sh_host_error(s, "map", vpn);
}

enum shadow_outcome shadow_fault(struct vcpu *v, uint32_t la, bool write, struct event *ev, uint32_t *pa)
{
    struct shadow *s = sh_of(v->vm);
    uint32_t vpn = la >> 12;
    struct sh_map *m = sh_entry(s, vpn);
    struct walk w;
    if (!m || m->pfn == SH_NONE) {
        if (!walk_guest(v, la, write ? WALK_WRITE : WALK_READ, s->user_mode, true, &w)) {
            *ev = w.fault;
            return SHADOW_GUEST_FAULT;
        }
        *pa = w.pa;
        if ((w.page_pa >> 12) >= s->npages)
            return SHADOW_MMIO;
        sh_fill(s, vpn, &w);
        STAT_INC(v->vm, sh_hidden_faults);
        return SHADOW_FILLED;
    }
    if (s->groups[vpn / SH_PER_GROUP].suspended)
        return sh_suspended_fault(s, la, write, ev);
    /* Mapped, so the host refused a write (a read of a mapped page cannot
     * fault).  Ask the guest's tables whether the write is allowed. */
    if (!walk_guest(v, la, WALK_WRITE, s->user_mode, false, &w)) {
        *ev = w.fault;
        return SHADOW_GUEST_FAULT;
    }
    *pa = w.pa;
    uint32_t pfn = w.page_pa >> 12;
    if (pfn != m->pfn || !write) { /* stale: map it again from the tables */
        sh_drop(s, vpn);
        return SHADOW_FILLED;
    }
    if (tc_page_has_code(v->vm->tc, pfn))
        return SHADOW_CODE_WRITE;
    if (sh_traced(s, pfn))
        return SHADOW_TRACED_WRITE;
    walk_guest(v, la, WALK_WRITE, s->user_mode, true, &w); /* sets D */
    uint8_t rights = sh_rights_of(&w);
    struct sh_group *g = &s->groups[vpn / SH_PER_GROUP];
    g->weaker_for_user += (uint32_t)sh_weaker_for_user(rights) - (uint32_t)sh_weaker_for_user(m->rights);
    m->rights = rights;
    sh_apply_prot(s, vpn, m);
    STAT_INC(v->vm, sh_dirty_faults);
    return SHADOW_FILLED;
}

bool shadow_fetch_pa(struct vcpu *v, uint32_t la, bool set_ad, uint32_t *pa, struct event *ev)
{
    if (!(v->cr0 & CR0_PG)) {
        *pa = la;
        return true;
    }
    /* The in-process engine: a fetch is a read in 32-bit paging (no NX),
     * and a TLB read tag means A is set already. */
    if (v->vm->softmmu && softmmu_lookup_pa(v, la, false, v->cpl == 3, pa))
        return true;
    struct walk w;
    if (!walk_guest(v, la, WALK_FETCH, v->cpl == 3, set_ad, &w)) {
        *ev = w.fault;
        return false;
    }
    if (v->vm->softmmu && set_ad)
        softmmu_fill_from_fetch(v, &w, v->cpl == 3);
    *pa = w.pa;
    return true;
}

void shadow_note_code_page(struct vm *vm, uint32_t vpn)
{
    struct shadow *s = sh_of(vm);
    if (!s || !s->paging)
        return;
    struct sh_map *m = sh_entry(s, vpn);
    if (!m || m->pfn == SH_NONE) {
        /* The page has no data mapping: make one, so that remapping it in
         * the guest tables (tracing, invlpg, CR3) reaches the indirect table. */
        struct walk w;
        if (!walk_guest(&vm->cpu, vpn << 12, WALK_READ, s->user_mode, false, &w) ||
            (w.page_pa >> 12) >= s->npages)
            return;
        sh_fill(s, vpn, &w);
    }
    s->code_va[vpn / 8] |= (uint8_t)(1u << (vpn % 8));
}

/* ---- the window between identity map and shadow ---- */

static void sh_identity_on(struct shadow *s)
{
    struct vm *vm = s->vm;
    if (host_mmap(&vm->stats, vm->mem.window, vm->mem.ram_size, GMEM_PROT_RW, MAP_SHARED | MAP_FIXED,
                  vm->mem.memfd, 0) == MAP_FAILED) {
        sh_host_error(s, "identity map", 0);
        return;
    }
    for (uint32_t pfn = 0; pfn < s->npages; pfn++)
        if (tc_page_has_code(vm->tc, pfn))
            gmem_protect_code_page(vm, pfn, true);
}

static void sh_paging_on(struct shadow *s)
{
    s->pd_gen++;
    sh_host_unmap(s, 0, s->npages);
    s->paging = true;
    s->pd_pfn = s->vm->cpu.cr3 >> 12;
}

static void sh_paging_off(struct shadow *s)
{
    s->pd_gen++;
    shadow_flush(s->vm);
    s->paging = false;
    s->pd_pfn = SH_NONE;
    sh_identity_on(s);
}

void mmu_cr0_written(struct vcpu *v, uint32_t old_cr0)
{
    struct shadow *s = sh_of(v->vm);
    uint32_t changed = old_cr0 ^ v->cr0;
    if (v->vm->softmmu) {
        /* PG and WP change what every translation means (SDM Vol. 3A §4.10.4.1). */
        if (changed & (CR0_PG | CR0_WP)) {
            softmmu_flush_all(v);
            tc_linear_flush(v->vm->tc, false);
        }
        return;
    }
    if (!s || !(changed & (CR0_PG | CR0_WP)))
        return;
    if (changed & CR0_PG) {
        if (v->cr0 & CR0_PG)
            sh_paging_on(s);
        else
            sh_paging_off(s);
    } else {
        shadow_flush(v->vm); /* WP changes what supervisor writes may do */
    }
    tc_ibl_forget_all(v->vm->tc); /* linear addresses now mean something else */
}

/* Only PSE changes what the page tables mean.  Toggling PGE flushes the
 * TLB's global entries (Linux's global flush), but the shadow is no TLB: it
 * never holds a translation the guest tables no longer give (tracing drops
 * those at once), so there is nothing to flush. */
void mmu_cr4_written(struct vcpu *v, uint32_t old_cr4)
{
    if (v->vm->softmmu) {
        /* A TLB is a TLB: toggling PGE flushes even the global entries,
         * PSE changes what PDEs mean, and so does SMEP for supervisor
         * fetches (SDM Vol. 3A §4.10.4.1 lists it among the CR4 bits whose
         * change flushes).  SMAP flushes too: it changes which supervisor
         * entries may exist (softmmu_fill).  Chains into user pages that
         * supervisor code may no longer follow go with the flush. */
        if ((old_cr4 ^ v->cr4) & (CR4_PSE | CR4_PGE | CR4_SMEP | CR4_SMAP)) {
            softmmu_flush_all(v);
            tc_linear_flush(v->vm->tc, false);
        }
        return;
    }
    if ((old_cr4 ^ v->cr4) & CR4_PSE)
        shadow_flush(v->vm);
}

void mmu_invlpg(struct vcpu *v, uint32_t la)
{
    struct shadow *s = sh_of(v->vm);
    if (v->vm->softmmu) {
        softmmu_flush_page(v, la);
        tc_linear_invlpg(v->vm->tc, la >> 12);
        return;
    }
    if (!s || !s->paging)
        return;
    struct sh_map *m = sh_entry(s, la >> 12);
    uint32_t live_before = s->live;
    if (m && m->pfn != SH_NONE && (m->rights & SM_LARGE))
        sh_drop_group(s, la >> 22); /* a 4 MiB translation covers the whole group (SDM Vol. 3A §4.10.4.1) */
    else
        sh_drop(s, la >> 12);
    STAT_ADD(v->vm, sh_drops_invlpg, live_before - s->live);
}

void shadow_set_privilege(struct vcpu *v, unsigned cpl, uint64_t user_top)
{
    struct shadow *s = sh_of(v->vm);
    bool user = cpl == 3;
    if (s && user && s->suspended)
        sh_drop_suspended(s); /* user code must never reach them */
    if (!s || (user == s->user_mode && (!user || user_top <= s->user_top)))
        return;
    s->user_mode = user;
    s->user_top = user ? user_top : 0;
    if (!s->paging || !user)
        return; /* supervisor rights include user rights: upgrades happen on faults */
    uint32_t groups = (uint32_t)((user_top + (4ull << 20) - 1) >> 22);
    uint32_t live_before = s->live;
    for (uint32_t gi = 0; gi < groups && gi < SH_GROUPS; gi++) {
        struct sh_group *g = &s->groups[gi];
        if (g->weaker_for_user == 0)
            continue; /* every mapping here is already fit for user mode */
        for (uint32_t i = 0; g->maps && i < SH_PER_GROUP && g->live; i++) {
            struct sh_map *m = &g->maps[i];
            if (m->pfn == SH_NONE)
                continue;
            if (!(m->rights & SM_USER))
                sh_drop(s, gi * SH_PER_GROUP + i);
            else
                sh_apply_prot(s, gi * SH_PER_GROUP + i, m);
        }
    }
    STAT_ADD(v->vm, sh_drops_user, live_before - s->live);
}

void shadow_notify_phys_write(struct vm *vm, uint64_t pa, uint64_t len)
{
    struct shadow *s = sh_of(vm);
    if (!s || !s->paging || len == 0)
        return;
    uint32_t live_before = s->live;
    for (uint64_t p = pa & ~0xfffull; p < pa + len; p += 4096) {
        uint32_t pfn = (uint32_t)(p >> 12);
        uint64_t lo = p > pa ? 0 : pa - p, hi = pa + len - p > 4096 ? 4096 : pa + len - p;
        if (pfn == s->pd_pfn) {
            s->pd_gen++;
            for (uint64_t off = lo & ~3ull; off < hi; off += 4)
                sh_drop_group(s, (uint32_t)(off / 4));
        }
        if (pfn >= s->npages || s->pt_refs[pfn] == 0)
            continue;
        for (uint32_t vpn = s->by_pt[pfn]; vpn != SH_NONE;) {
            struct sh_map *m = sh_entry(s, vpn);
            uint32_t next = m->next_pt, off = (vpn % SH_PER_GROUP) * 4;
            if (off + 4 > lo && off < hi)
                sh_drop(s, vpn);
            vpn = next;
        }
    }
    STAT_ADD(vm, sh_drops_traced, live_before - s->live);
}

uint32_t shadow_pd_generation(const struct vm *vm)
{
    return sh_of(vm) ? sh_of(vm)->pd_gen : 0;
}

uint32_t shadow_live_mappings(const struct vm *vm)
{
    return sh_of(vm) ? sh_of(vm)->live : 0;
}

int shadow_create(struct vm *vm, char *err, size_t errlen)
{
    struct shadow *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory for the shadow page tables");
        return -1;
    }
    s->vm = vm;
    s->npages = (uint32_t)(vm->mem.ram_size >> 12);
    s->by_target = malloc(s->npages * sizeof *s->by_target);
    s->by_pt = malloc(s->npages * sizeof *s->by_pt);
    s->pt_refs = calloc(s->npages, sizeof *s->pt_refs);
    s->code_va = calloc((1u << 20) / 8, 1);
    if (!s->by_target || !s->by_pt || !s->pt_refs || !s->code_va) {
        snprintf(err, errlen, "out of memory for the shadow page tables");
        vm->shadow = s;
        shadow_destroy(vm);
        return -1;
    }
    memset(s->by_target, 0xff, s->npages * sizeof *s->by_target);
    memset(s->by_pt, 0xff, s->npages * sizeof *s->by_pt);
    s->pd_pfn = SH_NONE;
    vm->shadow = s;
    return 0;
}

void shadow_destroy(struct vm *vm)
{
    struct shadow *s = sh_of(vm);
    if (!s)
        return;
    for (uint32_t gi = 0; gi < SH_GROUPS; gi++)
        free(s->groups[gi].maps);
    free(s->by_target);
    free(s->by_pt);
    free(s->pt_refs);
    free(s->code_va);
    free(s);
    vm->shadow = NULL;
}
