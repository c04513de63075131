/*
 * softmmu.c: filling and flushing the soft MMU's TLBs (see softmmu.h for
 * the design, softmmu_tlb.h for the layout the inline probe reads).
 *
 * A fill walks the guest page tables once with the access's own rights
 * (shadowmm/walk.c sets A, and D for a write, as the CPU would) and records
 * the page in the TLB of the access's privilege.  The read tag is set for
 * every permitted access; the write tag only when a write would need
 * nothing more from the monitor: the translation is writable for this
 * privilege, its D bit is already set (so no later write owes the guest a
 * D update, SDM Vol. 3A §4.8), and no translated code lies on the page.
 * A read fill of a clean page thus leaves the first write to miss, walk
 * again and set D — exactly when the CPU would set it.
 *
 * Accesses that cross a page boundary never hit the TLB (the probe
 * compares the last byte's page with the first byte's entry).  Here both
 * pages are translated before any byte moves (all-or-nothing, as on
 * hardware); when the two guest-physical pages are adjacent in RAM the
 * access runs on the host directly, otherwise the monitor performs it.
 */
#include "shadowmm/softmmu.h"

#include <sys/mman.h>

#include "monitor/hostcall.h"
#include "monitor/segcache.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"
#include "shadowmm/walk.h"
#include "tcache/tcache.h"

static unsigned softmmu_index(uint32_t la) { return (la >> 12) & (SOFTMMU_TLB_ENTRIES - 1); }
static uint32_t softmmu_tag(uint32_t la) { return 0u - (la >> 12); }

static void softmmu_clear_entry(struct vcpu *v, unsigned which, unsigned i)
{
    v->tlb[which].tag_read[i] = SOFTMMU_TAG_EMPTY;
    v->tlb[which].tag_write[i] = SOFTMMU_TAG_EMPTY;
    v->tlb_meta[which].global[i] = 0;
    v->tlb_meta[which].large[i] = 0;
}

void softmmu_flush_all(struct vcpu *v)
{
    for (unsigned which = 0; which < 2; which++) {
        for (unsigned i = 0; i < SOFTMMU_TLB_ENTRIES; i++)
            softmmu_clear_entry(v, which, i);
        v->tlb_meta[which].large_count = 0;
    }
    segcache_flush(v); /* its entries hold where the GDT's linear pages were */
    STAT_INC(v->vm, sm_flushes_all);
}

void softmmu_flush_nonglobal(struct vcpu *v)
{
    for (unsigned which = 0; which < 2; which++) {
        uint32_t large = 0;
        for (unsigned i = 0; i < SOFTMMU_TLB_ENTRIES; i++) {
            if (!v->tlb_meta[which].global[i])
                softmmu_clear_entry(v, which, i);
            else if (v->tlb_meta[which].large[i])
                large++;
        }
        v->tlb_meta[which].large_count = large;
    }
    segcache_flush(v);
    STAT_INC(v->vm, sm_flushes_cr3);
}

/* invlpg invalidates the translation of la's page whatever its size: for a
 * 4 MiB page that is every 4 KiB entry filled from it (SDM Vol. 3A
 * §4.10.4.1, INVLPG "invalidates all TLB entries for the page"). */
void softmmu_flush_page(struct vcpu *v, uint32_t la)
{
    for (unsigned which = 0; which < 2; which++) {
        struct softmmu_tlb *t = &v->tlb[which];
        unsigned i = softmmu_index(la);
        if (t->tag_read[i] == softmmu_tag(la))
            softmmu_clear_entry(v, which, i);
        if (v->tlb_meta[which].large_count == 0)
            continue;
        for (unsigned j = 0; j < SOFTMMU_TLB_ENTRIES; j++) {
            uint32_t page = 0u - t->tag_read[j];
            if (v->tlb_meta[which].large[j] && (page >> 10) == (la >> 22))
                softmmu_clear_entry(v, which, j);
        }
    }
    segcache_flush_page(v, la);
    STAT_INC(v->vm, sm_flushes_page);
}

void softmmu_drop_write_tags(struct vcpu *v, uint32_t pfn)
{
    for (unsigned which = 0; which < 2; which++)
        for (unsigned i = 0; i < SOFTMMU_TLB_ENTRIES; i++)
            if (v->tlb[which].tag_write[i] != SOFTMMU_TAG_EMPTY && v->tlb_meta[which].page_pa[i] == pfn) {
                v->tlb[which].tag_write[i] = SOFTMMU_TAG_EMPTY;
                STAT_INC(v->vm, sm_write_tags_dropped);
            }
}

/* The addend that makes addend + la the host address of la, for la's page
 * at guest-physical page_pa. */
static uint64_t softmmu_addend(const struct vcpu *v, uint32_t page_pa, uint32_t la)
{
    return (uint64_t)(uintptr_t)v->vm->mem.ram + page_pa - (la & ~(GMEM_PAGE_SIZE - 1));
}

/* Record a translation of la's page in the TLB of `user`.  With CR4.SMEP
 * or CR4.SMAP set, a user page never enters the supervisor TLB: whether
 * a supervisor access to it is allowed depends on more than the entry
 * (SMAP: EFLAGS.AC and CPL, which change without a flush; SMEP: data
 * access or fetch, and fetches look the TLB up too), so every such access
 * walks (walk.c applies the rules) and is done through the slow path. */
static void softmmu_fill(struct vcpu *v, const struct walk *w, bool user, bool writable, uint64_t addend)
{
    if (!user && w->user && (v->cr4 & (CR4_SMEP | CR4_SMAP)))
        return;
    unsigned which = user ? SOFTMMU_USER : SOFTMMU_SUP, i = softmmu_index(w->la);
    struct softmmu_meta *m = &v->tlb_meta[which];
    if (m->large[i])
        m->large_count--;
    v->tlb[which].tag_read[i] = softmmu_tag(w->la);
    v->tlb[which].tag_write[i] = writable ? softmmu_tag(w->la) : SOFTMMU_TAG_EMPTY;
    v->tlb[which].addend[i] = addend;
    m->page_pa[i] = w->page_pa >> 12;
    m->global[i] = w->global;
    m->large[i] = w->large;
    if (w->large)
        m->large_count++;
    STAT_INC(v->vm, sm_tlb_fills);
}

/* Two guest-physical pages that are not adjacent in RAM, mapped side by
 * side so that one host access reaches both: a page-crossing access then
 * runs in translated code like any other.  The pair stays mapped until
 * another pair is needed (two mmap calls; crossings of this kind are rare:
 * unaligned data at the end of a page whose successor lies elsewhere). */
static uint8_t *softmmu_stitch(struct vcpu *v, uint32_t pfn0, uint32_t pfn1)
{
    struct softmmu_stitch *s = &v->stitch;
    if (s->mapped && s->pfn[0] == pfn0 && s->pfn[1] == pfn1)
        return s->base;
    if (!s->base) {
        void *p = host_mmap(&v->vm->stats, NULL, 2 * GMEM_PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return NULL;
        s->base = p;
    }
    s->mapped = false;
    int fd = v->vm->mem.memfd;
    for (unsigned i = 0; i < 2; i++) {
        uint32_t pfn = i ? pfn1 : pfn0;
        if (host_mmap(&v->vm->stats, s->base + i * GMEM_PAGE_SIZE, GMEM_PAGE_SIZE, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_FIXED, fd, (off_t)pfn * GMEM_PAGE_SIZE) == MAP_FAILED)
            return NULL;
    }
    s->pfn[0] = pfn0;
    s->pfn[1] = pfn1;
    s->mapped = true;
    STAT_INC(v->vm, sm_stitches);
    return s->base;
}

void softmmu_destroy(struct vcpu *v)
{
    if (v->stitch.base)
        host_munmap(&v->vm->stats, v->stitch.base, 2 * GMEM_PAGE_SIZE);
    v->stitch = (struct softmmu_stitch){ 0 };
}

bool softmmu_lookup_pa(const struct vcpu *v, uint32_t la, bool write, bool user, uint32_t *pa)
{
    unsigned which = user ? SOFTMMU_USER : SOFTMMU_SUP, i = softmmu_index(la);
    const struct softmmu_tlb *t = &v->tlb[which];
    if ((write ? t->tag_write[i] : t->tag_read[i]) != softmmu_tag(la))
        return false;
    *pa = (v->tlb_meta[which].page_pa[i] << 12) | (la & (GMEM_PAGE_SIZE - 1));
    return true;
}

/* Translate one page's part of an access.  *w describes it on success. */
static enum softmmu_outcome softmmu_page(struct vcpu *v, uint32_t la, uint32_t len, bool write, bool user,
                                         struct walk *w, uint32_t *pa, struct event *ev)
{
    if (!walk_guest(v, la, write ? WALK_WRITE : WALK_READ, user, true, w)) {
        *ev = w->fault;
        STAT_INC(v->vm, sm_page_faults);
        return SOFTMMU_PAGE_FAULT;
    }
    if (!gmem_phys_ptr(&v->vm->mem, w->pa, len)) {
        *pa = w->pa;
        return SOFTMMU_NOT_RAM;
    }
    if (write && tc_page_has_code(v->vm->tc, w->page_pa >> 12)) {
        *pa = w->pa;
        return SOFTMMU_CODE_WRITE;
    }
    return SOFTMMU_OK;
}

/* May a write through this translation skip the monitor from now on? */
static bool softmmu_write_ok(const struct vcpu *v, const struct walk *w, bool user)
{
    bool paging = v->cr0 & CR0_PG;
    bool writable = user ? w->writable_user : w->writable_sup;
    return writable && (w->dirty || !paging) && !tc_page_has_code(v->vm->tc, w->page_pa >> 12);
}

enum softmmu_outcome softmmu_translate(struct vcpu *v, uint32_t la, uint32_t size, bool write, bool user,
                                       uint64_t *addend, uint32_t *pa, struct event *ev)
{
    uint32_t first = GMEM_PAGE_SIZE - (la & (GMEM_PAGE_SIZE - 1));
    struct walk w;
    if (size <= first) {
        enum softmmu_outcome o = softmmu_page(v, la, size, write, user, &w, pa, ev);
        if (o != SOFTMMU_OK)
            return o;
        *addend = softmmu_addend(v, w.page_pa, la);
        softmmu_fill(v, &w, user, softmmu_write_ok(v, &w, user), *addend);
        return SOFTMMU_OK;
    }
    /* Crossing into the next page: both halves must be accessible before
     * any byte is (SDM Vol. 3A §6.5: a faulting instruction changes nothing). */
    STAT_INC(v->vm, sm_page_crossings);
    struct walk w2;
    enum softmmu_outcome o = softmmu_page(v, la, first, write, user, &w, pa, ev);
    if (o == SOFTMMU_OK)
        o = softmmu_page(v, la + first, size - first, write, user, &w2, pa, ev);
    if (o != SOFTMMU_OK)
        return o;
    softmmu_fill(v, &w, user, softmmu_write_ok(v, &w, user), softmmu_addend(v, w.page_pa, la));
    softmmu_fill(v, &w2, user, softmmu_write_ok(v, &w2, user), softmmu_addend(v, w2.page_pa, la + first));
    uint8_t *host = v->vm->mem.ram + w.page_pa;
    if (w2.page_pa != w.page_pa + GMEM_PAGE_SIZE) {
        host = softmmu_stitch(v, w.page_pa >> 12, w2.page_pa >> 12);
        if (!host)
            return SOFTMMU_NO_HOST;
    }
    *addend = (uint64_t)(uintptr_t)host - (la & ~(GMEM_PAGE_SIZE - 1));
    return SOFTMMU_OK;
}

void softmmu_fill_from_fetch(struct vcpu *v, const struct walk *w, bool user)
{
    if (!gmem_phys_ptr(&v->vm->mem, w->page_pa, GMEM_PAGE_SIZE))
        return; /* code in a device's memory: no host address */
    softmmu_fill(v, w, user, softmmu_write_ok(v, w, user), softmmu_addend(v, w->page_pa, w->la));
}
