/*
 * desc.c: reading and writing segment descriptors in the guest's GDT and
 * LDT, and decoding one into a segment cache.
 *
 * Every protected-mode procedure of monitor/cpu.h starts here: a selector
 * names an 8-byte descriptor at table base + (sel & ~7), where the table
 * is the GDT (TI = 0) or the current LDT (TI = 1).  The table bases are
 * linear addresses, so the reads and writes go through gmem_read_lin /
 * gmem_write_lin as supervisor accesses (SDM Vol. 3A §3.5.1, §5.5: the
 * processor reads descriptor tables with supervisor privilege whatever the
 * CPL).  A selector past the table limit is a fault returned as data.
 *
 *   uint64_t d;
 *   if (!desc_read(v, sel, &d, VEC_GP, &ev)) return false;  // #GP(sel)
 *   struct seg_cache c = desc_to_seg(sel, d);
 */
#include "monitor/cpu_priv.h"
#include "shadowmm/gmem.h"

/* Linear address of the descriptor `sel` names, or false past the limit. */
static bool desc_locate(const struct vcpu *v, uint16_t sel, uint32_t *lin)
{
    uint32_t base, limit;
    if (sel_is_ldt(sel)) {
        /* A null LDTR makes every LDT selector invalid (SDM §3.5.1). */
        if (v->ldtr.attr & SEG_ATTR_UNUSABLE)
            return false;
        base = v->ldtr.base;
        limit = v->ldtr.limit;
    } else {
        base = v->gdtr.base;
        limit = v->gdtr.limit;
    }
    uint32_t index = sel & 0xfff8u;
    /* The whole 8 bytes must lie inside the limit (SDM §3.5.1). */
    if ((uint64_t)index + 7 > limit)
        return false;
    *lin = base + index;
    return true;
}

bool desc_read(struct vcpu *v, uint16_t sel, uint64_t *desc, uint8_t err_vector, struct event *ev)
{
    uint32_t lin;
    /* err_vector 0 (#DE) never makes sense here: treat it as the default #GP. */
    uint8_t vec = err_vector ? err_vector : VEC_GP;
    if (!desc_locate(v, sel, &lin))
        return cpu_fault(ev, vec, sel_err(sel));
    uint8_t raw[8];
    if (!gmem_read_lin(v, lin, raw, 8, false, ev))
        return false;
    uint64_t d = 0;
    for (int i = 7; i >= 0; i--)
        d = (d << 8) | raw[i];
    *desc = d;
    return true;
}

bool desc_write(struct vcpu *v, uint16_t sel, uint64_t desc, struct event *ev)
{
    uint32_t lin;
    if (!desc_locate(v, sel, &lin))
        return cpu_fault(ev, VEC_GP, sel_err(sel));
    uint8_t raw[8];
    for (int i = 0; i < 8; i++)
        raw[i] = (uint8_t)(desc >> (8 * i));
    return gmem_write_lin(v, lin, raw, 8, false, ev);
}

struct seg_cache desc_to_seg(uint16_t sel, uint64_t desc)
{
    uint32_t lo = (uint32_t)desc, hi = desc_hi(desc);
    struct seg_cache c;
    c.sel = sel;
    c.base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    c.limit = (lo & 0xffff) | (hi & 0x000f0000u);
    /* G = 1: the limit counts 4 KiB pages, the low 12 bits read as ones
     * (SDM §3.4.5). */
    if (hi & (1u << 23))
        c.limit = (c.limit << 12) | 0xfff;
    c.attr = ((hi >> 8) & 0xff) | ((hi >> 8) & 0xf000);
    return c;
}

bool desc_set_accessed(struct vcpu *v, uint16_t sel, uint64_t *desc, struct event *ev)
{
    /* The processor sets the accessed bit when it loads a segment register
     * with the descriptor, and writes only if it was clear (SDM §3.4.5.1). */
    if (!desc_is_s(*desc) || (desc_type(*desc) & SEG_ATTR_ACCESSED))
        return true;
    uint64_t d = *desc | (1ull << 40);
    if (!desc_write(v, sel, d, ev))
        return false;
    *desc = d;
    return true;
}
