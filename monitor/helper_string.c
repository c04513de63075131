/*
 * helper_string.c: movs, stos, lods, cmps and scas, with or without a rep
 * prefix, run inside the block by the in-block helper (bt/rule_string.c
 * emits the call; the word `info` says which instruction, bt/probe.h).
 *
 * Each element is translated through the soft MMU like any other access
 * (the vCPU's TLB first, a page walk on a miss).  Forward movs and stos
 * move whole runs of elements that lie within one page of source and
 * destination with one memmove/memset, so `rep movsd` of a page costs
 * one translation per page, not per element.  The registers advance as
 * the CPU's do, element by element (SDM Vol. 2B REP/REPE/REPNE): when an
 * element faults, ESI, EDI and ECX describe the elements already done and
 * the instruction restarts after the fault is handled.
 *
 * A write to a page holding translated code drops that page's
 * translations first; if the running block was among them, the helper
 * leaves the block after the instruction, so that what follows is
 * translated afresh from the new bytes.
 */
#include <string.h>

#include "monitor/emu_alu.h"
#include "monitor/helper.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"
#include "shadowmm/softmmu.h"
#include "tcache/tcache.h"

struct str_run {
    struct vcpu *v;
    unsigned op;        /* HELPER_STR_* */
    unsigned size;      /* element size: 1, 2, 4 */
    int32_t step;       /* +size, or -size with EFLAGS.DF */
    bool user;
    bool invalidated;   /* translations were dropped by a write */
    uint32_t src_base;  /* base of the source segment (DS or an override) */
    uint32_t dst_base;  /* ES base */
};

/* Host address of an element (or a run of `len` bytes within one page) at
 * linear la; NULL when the monitor must finish the access (v->soft_miss). */
static uint8_t *str_host(struct str_run *r, uint32_t la, uint32_t len, bool write)
{
    struct vcpu *v = r->v;
    const struct softmmu_tlb *t = &v->tlb[r->user ? SOFTMMU_USER : SOFTMMU_SUP];
    unsigned i = (la >> 12) & (SOFTMMU_TLB_ENTRIES - 1);
    uint32_t tag = 0u - (la >> 12);
    if ((la & (GMEM_PAGE_SIZE - 1)) + len <= GMEM_PAGE_SIZE && (write ? t->tag_write[i] : t->tag_read[i]) == tag)
        return (uint8_t *)(uintptr_t)(t->addend[i] + la);
    struct soft_miss *m = &v->soft_miss;
    for (;;) {
        uint64_t addend;
        enum softmmu_outcome o = softmmu_translate(v, la, len, write, r->user, &addend, &m->pa, &m->ev);
        if (o == SOFTMMU_OK)
            return (uint8_t *)(uintptr_t)(addend + la);
        if (o != SOFTMMU_CODE_WRITE) {
            m->outcome = (uint8_t)o;
            m->write = write;
            m->la = la;
            return NULL;
        }
        /* Self-modifying code: the page loses its translations, then the
         * write goes ahead (the translation succeeds the second time). */
        STAT_INC(v->vm, sm_code_writes);
        tc_invalidate_page(v->vm->tc, m->pa / GMEM_PAGE_SIZE);
        r->invalidated = true;
    }
}

static uint32_t str_load(const uint8_t *p, unsigned size)
{
    uint32_t x = 0;
    memcpy(&x, p, size); /* x86 is little-endian, like the host */
    return x;
}

/* EAX, AX or AL = x. */
static void str_set_acc(struct vcpu *v, uint32_t x, unsigned size)
{
    uint32_t keep = size == 4 ? 0 : ~alu_mask(size);
    v->gpr[GPR_EAX] = (v->gpr[GPR_EAX] & keep) | (x & alu_mask(size));
}

/* How many elements from la on lie in la's page in the forward direction. */
static uint32_t str_room(uint32_t la, unsigned size)
{
    return (GMEM_PAGE_SIZE - (la & (GMEM_PAGE_SIZE - 1))) / size;
}

/* n elements of `size` bytes holding the low bytes of x: Linux clears every
 * new page with rep stosl, so the common case (all bytes alike, e.g. zero)
 * is one memset, the rest fixed-size stores the compiler inlines. */
static void str_fill(uint8_t *d, uint32_t x, unsigned size, uint32_t n)
{
    uint8_t b = (uint8_t)x;
    bool uniform = size == 1 || (size == 2 ? (uint16_t)x == b * 0x0101u : x == b * 0x01010101u);
    if (uniform) {
        memset(d, b, (size_t)n * size);
        return;
    }
    if (size == 2) {
        uint16_t w = (uint16_t)x;
        for (uint32_t k = 0; k < n; k++)
            memcpy(d + 2 * k, &w, 2);
    } else {
        for (uint32_t k = 0; k < n; k++)
            memcpy(d + 4 * k, &x, 4);
    }
}

/* A run of n forward movs/stos elements within one page each; false if
 * the monitor must take over.  Overlapping movs runs go element by element
 * (rep movsb with EDI = ESI + 1 replicates a byte, and must). */
static bool str_run_forward(struct str_run *r, uint32_t n)
{
    struct vcpu *v = r->v;
    uint32_t bytes = n * r->size;
    uint8_t *d = str_host(r, r->dst_base + v->gpr[GPR_EDI], bytes, true);
    if (!d)
        return false;
    if (r->op == HELPER_STR_STOS) {
        str_fill(d, v->gpr[GPR_EAX], r->size, n);
    } else {
        const uint8_t *s = str_host(r, r->src_base + v->gpr[GPR_ESI], bytes, false);
        if (!s)
            return false;
        if (d > s && d < s + bytes) {
            for (uint32_t k = 0; k < n; k++) {
                uint32_t x = str_load(s + k * r->size, r->size);
                memcpy(d + k * r->size, &x, r->size);
            }
        } else {
            memmove(d, s, bytes);
        }
        v->gpr[GPR_ESI] += bytes;
    }
    v->gpr[GPR_EDI] += bytes;
    return true;
}

/* One element of any of the five; false if the monitor must take over. */
static bool str_one(struct str_run *r)
{
    struct vcpu *v = r->v;
    uint32_t src_la = r->src_base + v->gpr[GPR_ESI], dst_la = r->dst_base + v->gpr[GPR_EDI];
    const uint8_t *s = NULL;
    uint8_t *d = NULL;
    bool reads_src = r->op == HELPER_STR_MOVS || r->op == HELPER_STR_LODS || r->op == HELPER_STR_CMPS;
    bool uses_dst = r->op != HELPER_STR_LODS;
    bool writes_dst = r->op == HELPER_STR_MOVS || r->op == HELPER_STR_STOS;
    /* All translations first: a fault leaves everything as it was. */
    if (reads_src && !(s = str_host(r, src_la, r->size, false)))
        return false;
    if (uses_dst && !(d = str_host(r, dst_la, r->size, writes_dst)))
        return false;
    uint32_t acc = v->gpr[GPR_EAX];
    switch (r->op) {
    case HELPER_STR_MOVS: {
        uint32_t x = str_load(s, r->size);
        memcpy(d, &x, r->size);
        break;
    }
    case HELPER_STR_STOS:
        memcpy(d, &acc, r->size);
        break;
    case HELPER_STR_LODS:
        str_set_acc(v, str_load(s, r->size), r->size);
        break;
    case HELPER_STR_CMPS: /* flags of [ESI] - [EDI] (SDM Vol. 2A CMPS) */
    case HELPER_STR_SCAS: { /* flags of AL/AX/EAX - [EDI] (SDM Vol. 2B SCAS) */
        uint32_t a = r->op == HELPER_STR_CMPS ? str_load(s, r->size) : acc & alu_mask(r->size);
        struct alu_out o = alu_run(ALU_CMP, a, str_load(d, r->size), v->eflags, r->size);
        v->eflags = (v->eflags & ~o.mask) | (o.flags & o.mask);
        break;
    }
    }
    if (reads_src)
        v->gpr[GPR_ESI] += (uint32_t)r->step;
    if (uses_dst)
        v->gpr[GPR_EDI] += (uint32_t)r->step;
    return true;
}

/* Does a repe/repne cmps or scas stop after this element (SDM Vol. 2B REP)? */
static bool str_stops(const struct str_run *r, unsigned rep)
{
    if (r->op != HELPER_STR_CMPS && r->op != HELPER_STR_SCAS)
        return false;
    bool zf = r->v->eflags & EFLAGS_ZF;
    return rep == HELPER_STR_REPE ? !zf : zf;
}

/* Run the instruction; false when it stopped for the monitor. */
static bool str_execute(struct str_run *r, unsigned rep)
{
    struct vcpu *v = r->v;
    if (rep == HELPER_STR_NOREP)
        return str_one(r);
    while (v->gpr[GPR_ECX] != 0) {
        uint32_t n = 0;
        if (r->step > 0 && (r->op == HELPER_STR_MOVS || r->op == HELPER_STR_STOS)) {
            n = str_room(r->dst_base + v->gpr[GPR_EDI], r->size);
            if (r->op == HELPER_STR_MOVS) {
                uint32_t sn = str_room(r->src_base + v->gpr[GPR_ESI], r->size);
                n = sn < n ? sn : n;
            }
            n = v->gpr[GPR_ECX] < n ? v->gpr[GPR_ECX] : n;
        }
        if (n > 1) {
            if (!str_run_forward(r, n))
                return false;
            v->gpr[GPR_ECX] -= n;
            continue;
        }
        if (!str_one(r))
            return false;
        v->gpr[GPR_ECX]--;
        if (str_stops(r, rep))
            break;
    }
    return true;
}

struct helper_ret helper_string(struct vcpu *v, uint32_t info, uint64_t ret)
{
    unsigned size = info & HELPER_STR_SIZE_MASK;
    struct str_run r = {
        .v = v,
        .op = (info >> HELPER_STR_OP_SHIFT) & 7,
        .size = size,
        .step = (v->eflags & EFLAGS_DF) ? -(int32_t)size : (int32_t)size,
        .user = info & HELPER_INFO_USER,
        .src_base = v->seg[(info >> HELPER_STR_SEG_SHIFT) & 7].base,
        .dst_base = v->seg[SREG_ES].base,
    };
    unsigned rep = (info >> HELPER_STR_REP_SHIFT) & 3;
    STAT_INC(v->vm, sm_string_helpers);
    if (!str_execute(&r, rep))
        return helper_leave(v, ret, 0);
    if (r.invalidated) { /* the code after this instruction may have changed */
        struct tblock *tb = tc_find_block(v->vm->tc, (uintptr_t)ret - 1);
        if (!tb || !tb->valid) {
            v->soft_miss.outcome = SOFTMMU_OK;
            return helper_leave(v, ret, (info >> HELPER_STR_LEN_SHIFT) & 15);
        }
    }
    /* A host signal that arrived while this helper ran found no translated
     * code to detach (signals.c), so a block looping on a string instruction
     * would never see it: leave now, the instruction done. */
    if (helper_host_event_waits(v)) {
        v->soft_miss.outcome = SOFTMMU_OK;
        return helper_leave(v, ret, (info >> HELPER_STR_LEN_SHIFT) & 15);
    }
    return (struct helper_ret){ .target = ret, .r12 = 0 };
}
