/*
 * fastgate.c: the cached int n and iret of a guest system call (design in
 * fastgate.h; the full paths are monitor/event.c and monitor/iret.c).
 */
#include "monitor/fastgate.h"

#include <string.h>

#include "monitor/cpu_priv.h"
#include "monitor/segcache.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"
#include "shadowmm/softmmu.h"

#define FASTGATE_FRAME 20u /* EIP, CS, EFLAGS, ESP, SS: five dwords */

/* Point r at the 8 bytes at linear la (a table the full path just read,
 * with its A bits set: the walk changes nothing).  False if they do not
 * lie in one page of guest RAM. */
static bool fastgate_ref_at(struct vcpu *v, uint32_t la, struct fastgate_ref *r)
{
    const uint8_t *host = segcache_desc_host(v, la);
    if (!host)
        return false;
    r->host = (uint64_t)(uintptr_t)host;
    memcpy(&r->value, host, 8);
    return true;
}

static bool fastgate_ref_holds(const struct fastgate_ref *r)
{
    uint64_t now;
    memcpy(&now, (const void *)(uintptr_t)r->host, 8);
    return now == r->value;
}

static bool fastgate_dtr_equal(const struct dtr *a, const struct dtr *b)
{
    return a->base == b->base && a->limit == b->limit;
}

/* A stack segment the frame may be written to with no limit checks. */
static bool fastgate_flat_stack(const struct seg_cache *ss)
{
    uint64_t b[2][2];
    vcpu_seg_bounds(ss, b);
    return ss->base == 0 && (ss->attr & SEG_ATTR_DB) && vcpu_seg_bounds_unrestricted((const uint64_t(*)[2])b, SREG_SS);
}

/* Host address of the 20-byte frame at linear la, if the supervisor TLB
 * holds its page for this kind of access. */
static uint8_t *fastgate_frame(struct vcpu *v, uint32_t la, bool write)
{
    uint32_t pa;
    if ((la & (GMEM_PAGE_SIZE - 1)) > GMEM_PAGE_SIZE - FASTGATE_FRAME || !softmmu_lookup_pa(v, la, write, false, &pa))
        return NULL;
    return v->vm->mem.ram + pa;
}

/* Nothing that would make the full path do more than its common case. */
static bool fastgate_plain_cpu(const struct vcpu *v)
{
    return v->vm->softmmu && (v->cr0 & CR0_PE) && !(v->eflags & (EFLAGS_TF | EFLAGS_VM | EFLAGS_NT)) &&
           !(v->dr[7] & 0xff);
}

void fastgate_note_delivery(struct vcpu *v, const struct event *e, uint64_t gate, unsigned old_cpl)
{
    struct fastgate_int *f = &v->fastgate.intr;
    f->valid = false;
    uint16_t cs = v->seg[SREG_CS].sel, ss = v->seg[SREG_SS].sel;
    if (!v->vm->softmmu || e->kind != EV_SOFT_INT || e->has_error || old_cpl != 3 || !gate_is32(gate) || v->cpl != 0 ||
        (cs & 4) || (ss & 4) || !fastgate_flat_stack(&v->seg[SREG_SS]))
        return;
    uint32_t esp0 = v->gpr[GPR_ESP] + FASTGATE_FRAME;
    if (!fastgate_ref_at(v, v->idtr.base + (uint32_t)e->vector * 8, &f->gate) ||
        !fastgate_ref_at(v, v->gdtr.base + (cs & ~7u), &f->cs_desc) ||
        !fastgate_ref_at(v, v->tr.base + 4 /* ESP0, SS0 */, &f->tss_stack) ||
        !fastgate_ref_at(v, v->gdtr.base + (ss & ~7u), &f->ss_desc) || (uint32_t)f->tss_stack.value != esp0)
        return;
    f->vector = e->vector;
    f->idtr = v->idtr;
    f->gdtr = v->gdtr;
    f->tr = v->tr;
    f->cs = v->seg[SREG_CS];
    f->ss = v->seg[SREG_SS];
    f->eip = v->eip;
    f->esp0 = esp0;
    f->clears_if = desc_is_sys(gate, SYS_INTGATE32);
    f->valid = true;
    STAT_INC(v->vm, fg_fills);
}

bool fastgate_deliver(struct vcpu *v, const struct event *e)
{
    const struct fastgate_int *f = &v->fastgate.intr;
    if (!f->valid || e->kind != EV_SOFT_INT || e->vector != f->vector || e->has_error || v->cpl != 3 ||
        !fastgate_plain_cpu(v) || !fastgate_dtr_equal(&v->idtr, &f->idtr) ||
        !fastgate_dtr_equal(&v->gdtr, &f->gdtr) || !vcpu_seg_equal(&v->tr, &f->tr) ||
        !fastgate_ref_holds(&f->gate) || !fastgate_ref_holds(&f->cs_desc) || !fastgate_ref_holds(&f->tss_stack) ||
        !fastgate_ref_holds(&f->ss_desc))
        return false;
    uint32_t esp = f->esp0 - FASTGATE_FRAME;
    uint8_t *host = fastgate_frame(v, esp, true);
    if (!host)
        return false;
    /* The frame of an inter-privilege interrupt, lowest address first
     * (SDM Vol. 3A Figure 6-4): EIP, CS, EFLAGS, ESP, SS, selectors
     * zero-extended as the full path pushes them. */
    uint32_t frame[5] = { v->eip, v->seg[SREG_CS].sel, vcpu_get_eflags(v), v->gpr[GPR_ESP], v->seg[SREG_SS].sel };
    memcpy(host, frame, sizeof frame);
    vcpu_set_seg(v, SREG_SS, f->ss);
    v->gpr[GPR_ESP] = esp;
    vcpu_set_seg(v, SREG_CS, f->cs);
    v->cpl = 0;
    v->eip = f->eip;
    /* What event_clear_flags does (§6.12.1.2); TF, VM and NT are clear already. */
    v->eflags &= ~EFLAGS_RF;
    if (f->clears_if)
        v->if_mask = 0;
    STAT_INC(v->vm, fg_int_hits);
    return true;
}

void fastgate_note_iret(struct vcpu *v)
{
    struct fastgate_ret *f = &v->fastgate.ret;
    f->valid = false;
    uint16_t cs = v->seg[SREG_CS].sel, ss = v->seg[SREG_SS].sel;
    if (!v->vm->softmmu || v->cpl != 3 || (cs & 4) || (ss & 4) || !(v->seg[SREG_SS].attr & SEG_ATTR_DB) ||
        !fastgate_ref_at(v, v->gdtr.base + (cs & ~7u), &f->cs_desc) ||
        !fastgate_ref_at(v, v->gdtr.base + (ss & ~7u), &f->ss_desc))
        return;
    f->gdtr = v->gdtr;
    f->cs = v->seg[SREG_CS];
    f->ss = v->seg[SREG_SS];
    f->valid = true;
    STAT_INC(v->vm, fg_fills);
}

bool fastgate_iret(struct vcpu *v)
{
    const struct fastgate_ret *f = &v->fastgate.ret;
    if (!f->valid || v->cpl != 0 || !fastgate_plain_cpu(v) || !fastgate_dtr_equal(&v->gdtr, &f->gdtr) ||
        !fastgate_flat_stack(&v->seg[SREG_SS]))
        return false;
    const uint8_t *host = fastgate_frame(v, v->gpr[GPR_ESP], false);
    if (!host)
        return false;
    uint32_t fr[5]; /* EIP, CS, EFLAGS, ESP, SS */
    memcpy(fr, host, sizeof fr);
    if ((uint16_t)fr[1] != f->cs.sel || (uint16_t)fr[4] != f->ss.sel || (fr[2] & EFLAGS_VM) || fr[0] > f->cs.limit ||
        !fastgate_ref_holds(&f->cs_desc) || !fastgate_ref_holds(&f->ss_desc))
        return false;
    cpu_iret_set_eflags(v, fr[2], 4, 0);
    vcpu_set_seg(v, SREG_CS, f->cs);
    v->cpl = 3;
    v->eip = fr[0];
    vcpu_set_seg(v, SREG_SS, f->ss);
    v->gpr[GPR_ESP] = fr[3];
    seg_revalidate_data(v);
    STAT_INC(v->vm, fg_iret_hits);
    return true;
}

void fastgate_flush(struct vcpu *v)
{
    v->fastgate.intr.valid = false;
    v->fastgate.ret.valid = false;
}
