/*
 * segcache.c: filling and emptying the segment-descriptor cache (design in
 * segcache.h; the inline lookup is bt/rule_sreg.c).
 */
#include "monitor/segcache.h"

#include <string.h>

#include "monitor/cpu_priv.h"
#include "monitor/fastgate.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"
#include "shadowmm/walk.h"

const uint8_t *segcache_desc_host(struct vcpu *v, uint32_t la)
{
    if ((la & (GMEM_PAGE_SIZE - 1)) > GMEM_PAGE_SIZE - 8)
        return NULL;
    struct walk w;
    /* The full path just read these bytes and set the A bits: no side effects. */
    if (!walk_guest(v, la, WALK_READ, false, false, &w))
        return NULL;
    return gmem_phys_ptr(&v->vm->mem, w.pa, 8);
}

/* Does the entry for sel already hold this very load, descriptor unchanged? */
static bool segcache_holds(const struct vcpu *v, enum x86_sreg s, uint16_t sel)
{
    const struct segcache_entry *e = &v->segcache[segcache_index(sel)];
    if (e->tag_any != 0u - segcache_key(sel, v->cpl, false))
        return false;
    uint64_t now;
    memcpy(&now, (const void *)(uintptr_t)e->desc_host, 8);
    return now + e->desc_neg == 0 && vcpu_seg_equal(&e->image, &v->seg[s]);
}

void segcache_fill(struct vcpu *v, enum x86_sreg s, uint16_t sel)
{
    if (!v->vm->softmmu || s == SREG_SS || s == SREG_CS || (sel & 4) /* LDT */ || sel_is_null(sel) ||
        !vcpu_seg_unrestricted(v, s))
        return;
    if (segcache_holds(v, s, sel))
        return; /* e.g. Linux's FS load at every system call: it changes the block's mode */
    const uint8_t *host = segcache_desc_host(v, v->gdtr.base + (sel & ~7u));
    if (!host)
        return;
    uint64_t desc;
    memcpy(&desc, host, 8);
    unsigned i = segcache_index(sel);
    struct segcache_entry *e = &v->segcache[i];
    const struct seg_cache *c = &v->seg[s];
    e->tag_any = 0u - segcache_key(sel, v->cpl, false);
    e->tag_flat = c->base == 0 ? 0u - segcache_key(sel, v->cpl, true) : 0;
    e->desc_neg = 0u - desc;
    e->desc_host = (uint64_t)(uintptr_t)host;
    e->image = *c;
    v->segcache_used[i / 64] |= 1ull << (i % 64);
    STAT_INC(v->vm, seg_cache_fills);
}

void segcache_flush(struct vcpu *v)
{
    fastgate_flush(v); /* the same reasons make its host addresses stale */
    bool any = false;
    for (unsigned w = 0; w < SEGCACHE_ENTRIES / 64; w++) {
        for (uint64_t m = v->segcache_used[w]; m; m &= m - 1) {
            struct segcache_entry *e = &v->segcache[w * 64 + (unsigned)__builtin_ctzll(m)];
            e->tag_any = e->tag_flat = 0;
            any = true;
        }
        v->segcache_used[w] = 0;
    }
    if (any)
        STAT_INC(v->vm, seg_cache_flushes);
}

void segcache_flush_page(struct vcpu *v, uint32_t la)
{
    /* invlpg drops a whole 4 MiB page when la lies in one: compare at that
     * granularity, whatever maps the GDT. */
    uint32_t span = 0x400000u;
    uint32_t page = la & ~(span - 1), first = v->gdtr.base & ~(span - 1);
    uint32_t last = (v->gdtr.base + v->gdtr.limit) & ~(span - 1);
    /* The GDT may wrap around 4 GiB: then every page may be one of it. */
    bool wraps = v->gdtr.base + v->gdtr.limit < v->gdtr.base;
    if (wraps || (page >= first && page <= last))
        segcache_flush(v);
}
