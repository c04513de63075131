/*
 * tc_linear.c: chains across pages and indirect-table entries in the
 * in-process engine, kept exactly as long as the guest's TLB would keep
 * the translations they rest on.
 *
 * A chained jump from block A to block B, or an indirect-table entry for
 * B, skips the dispatcher's lookup, which is what checks that B's linear
 * page still maps to the physical page B was translated from.  The
 * host-mapped engine therefore chains only within a page.  With the soft
 * MMU, translations change only at the guest's own TLB events (SDM Vol. 3A
 * §4.10.4): a CR3 load, which keeps global pages; invlpg of one page (a
 * whole 4 MiB page for a large translation); CR0.PG/WP or CR4.PSE/PGE
 * changes.  So a chain or entry is made only after walking B's linear
 * page now (it must map to B's page), its dependency is recorded — global
 * or not, 4 KiB or 4 MiB — and the TLB events undo exactly the
 * dependencies they touch.  Like the TLB, this is not coherent with page
 * table writes the guest has not yet flushed, and need not be (§4.10.4.3).
 *
 *   tc_linear_flush(tc, true);    // CR3 load
 *   tc_linear_invlpg(tc, la >> 12);
 */
#include <stdlib.h>
#include <string.h>

#include "monitor/vm.h"
#include "shadowmm/walk.h"
#include "tcache/tc_priv.h"

#define TC_LINEAR_PAGES (1u << 20)

int tc_linear_init(struct tcache *tc)
{
    struct tc_linear *l = &tc->linear;
    l->global_vpn = calloc(TC_LINEAR_PAGES / 8, 1);
    l->local_vpn = calloc(TC_LINEAR_PAGES / 8, 1);
    return l->global_vpn && l->local_vpn ? 0 : -1;
}

void tc_linear_destroy(struct tcache *tc)
{
    free(tc->linear.global_vpn);
    free(tc->linear.local_vpn);
}

static bool tc_bit(const uint8_t *map, uint32_t i) { return map[i / 8] & (1u << (i % 8)); }
static void tc_bit_set(uint8_t *map, uint32_t i) { map[i / 8] |= (uint8_t)(1u << (i % 8)); }
static void tc_bit_clear(uint8_t *map, uint32_t i) { map[i / 8] &= (uint8_t)~(1u << (i % 8)); }

struct tc_dep {
    uint32_t vpn;
    bool global;
    bool large;
};

/* Does `to`'s linear page map to the page it was translated from, now? */
static bool tc_linear_dep_of(struct tcache *tc, const struct tblock *to, struct tc_dep *d)
{
    struct vcpu *v = &tc->vm->cpu;
    uint32_t la = to->key.cs_base + to->key.eip;
    struct walk w;
    bool user = (to->key.mode & TB_MODE_CPL_MASK) == 3;
    if (to->pfn_last != to->key.pfn || !walk_guest(v, la, WALK_FETCH, user, false, &w) ||
        w.page_pa / GMEM_PAGE_SIZE != to->key.pfn)
        return false;
    *d = (struct tc_dep){ .vpn = la >> 12, .global = w.global, .large = w.large };
    return true;
}

static void tc_linear_note(struct tcache *tc, const struct tc_dep *d)
{
    struct tc_linear *l = &tc->linear;
    if (d->large)
        tc_bit_set(l->large_used, d->vpn >> 10);
    if (d->global) {
        tc_bit_set(l->global_vpn, d->vpn);
        return;
    }
    if (tc_bit(l->local_vpn, d->vpn))
        return;
    tc_bit_set(l->local_vpn, d->vpn);
    if (l->nlocal < TC_LINEAR_LOCAL_MAX)
        l->local_list[l->nlocal] = d->vpn;
    l->nlocal++;
}

bool tc_linear_link(struct tcache *tc, struct tb_exit *x, const struct tblock *to)
{
    struct tc_dep d;
    if (!tc->vm->softmmu || !tc_linear_dep_of(tc, to, &d))
        return false;
    tc_linear_note(tc, &d);
    struct tb_exit **head = d.global ? &tc->linear.global_links : &tc->linear.local_links;
    x->lin_vpn = d.vpn;
    x->lin_large = d.large;
    x->lin_next = *head;
    if (*head)
        (*head)->lin_pprev = &x->lin_next;
    x->lin_pprev = head;
    *head = x;
    return true;
}

void tc_linear_unlink(struct tb_exit *x)
{
    if (!x->lin_pprev)
        return;
    *x->lin_pprev = x->lin_next;
    if (x->lin_next)
        x->lin_next->lin_pprev = x->lin_pprev;
    x->lin_next = NULL;
    x->lin_pprev = NULL;
}

bool tc_linear_ibl(struct tcache *tc, struct tc_ibl_table *t, const struct tblock *to)
{
    struct tc_dep d;
    if (!tc_linear_dep_of(tc, to, &d))
        return false;
    tc_linear_note(tc, &d);
    if (!d.global) {
        t->nonglobal = true;
        if (t->nlocal < TC_IBL_LOCAL_MAX)
            t->local_slot[t->nlocal] = (uint16_t)(to->key.eip & (IBL_ENTRIES - 1));
        t->nlocal += t->nlocal <= TC_IBL_LOCAL_MAX; /* MAX + 1: overflowed */
    }
    return true;
}

/* Unlink every chain on a list (tc_unlink_exit takes it off the list). */
static void tc_linear_unlink_all(struct tcache *tc, struct tb_exit **head)
{
    while (*head)
        tc_unlink_exit(tc, *head);
}

static void tc_linear_clear_local(struct tc_linear *l)
{
    if (l->nlocal > TC_LINEAR_LOCAL_MAX)
        memset(l->local_vpn, 0, TC_LINEAR_PAGES / 8);
    else
        for (uint32_t i = 0; i < l->nlocal; i++)
            tc_bit_clear(l->local_vpn, l->local_list[i]);
    l->nlocal = 0;
}

/* Reset a table's entries for non-global targets (all of them when the
 * global ones go too, or when there were too many to remember).  A reset
 * slot that a global target took over since only costs that target one
 * dispatcher lookup. */
static void tc_linear_clear_ibl(struct tcache *tc, struct tc_ibl_table *tab, bool keep_global)
{
    if (!keep_global || tab->nlocal > TC_IBL_LOCAL_MAX) {
        tc_ibl_clear_entries(tc, tab->e);
    } else {
        for (uint32_t i = 0; i < tab->nlocal; i++)
            tab->e[tab->local_slot[i]] = (struct ibl_entry){ .tag = 0, .host = (uint64_t)(uintptr_t)tc->ibl_miss };
    }
    tab->nonglobal = false;
    tab->nlocal = 0;
}

void tc_linear_flush(struct tcache *tc, bool keep_global)
{
    struct tc_linear *l = &tc->linear;
    tc_linear_unlink_all(tc, &l->local_links);
    tc_linear_clear_local(l);
    for (unsigned t = 0; t < TC_IBL_TABLES; t++) {
        struct tc_ibl_table *tab = &tc->ibl[t];
        if (tab->used && (tab->mode & TB_MODE_PAGING) && (tab->nonglobal || !keep_global))
            tc_linear_clear_ibl(tc, tab, keep_global);
    }
    if (keep_global)
        return;
    tc_linear_unlink_all(tc, &l->global_links);
    memset(l->global_vpn, 0, TC_LINEAR_PAGES / 8);
    memset(l->large_used, 0, sizeof l->large_used);
}

/* Unlink the chains of a list that rest on vpn (or on vpn's 4 MiB region). */
static void tc_linear_unlink_page(struct tcache *tc, struct tb_exit **head, uint32_t vpn, bool region)
{
    for (struct tb_exit *x = *head, *next; x; x = next) {
        next = x->lin_next;
        if (x->lin_vpn == vpn || (region && x->lin_large && x->lin_vpn >> 10 == vpn >> 10))
            tc_unlink_exit(tc, x);
    }
}

void tc_linear_invlpg(struct tcache *tc, uint32_t vpn)
{
    struct tc_linear *l = &tc->linear;
    bool page = tc_bit(l->global_vpn, vpn) || tc_bit(l->local_vpn, vpn);
    bool region = tc_bit(l->large_used, vpn >> 10);
    if (!page && !region)
        return; /* nothing rests on this page: the common case */
    tc_linear_unlink_page(tc, &l->global_links, vpn, region);
    tc_linear_unlink_page(tc, &l->local_links, vpn, region);
    if (region) { /* a 4 MiB translation: every page of it */
        for (uint32_t p = vpn & ~1023u; p < (vpn | 1023u) + 1; p++)
            if (tc_bit(l->global_vpn, p) || tc_bit(l->local_vpn, p))
                tc_ibl_drop_page(tc, p);
        tc_bit_clear(l->large_used, vpn >> 10);
    } else {
        tc_ibl_drop_page(tc, vpn);
    }
    tc_bit_clear(l->global_vpn, vpn);
}
