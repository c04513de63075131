/*
 * segaccess.c: memory accesses through a segment, and the stack.
 *
 * The emulator reads and writes guest memory operands with seg_read /
 * seg_write: they apply the segment's type and limit checks (SDM Vol. 3A
 * §5.3 "Limit checking", §5.4 "Type checking"), add the base, and call
 * gmem_read_lin / gmem_write_lin with the privilege of the current CPL
 * (which may raise #PF once paging is on).  Faults come back as data:
 * #GP(0), or #SS(0) for accesses through SS.
 *
 * The stack helpers work on a `struct pstack`, a copy of SS:ESP: far
 * calls, interrupt delivery and returns build or consume a frame on a copy
 * and commit ESP (and SS) only after every access succeeded, so a fault
 * leaves the registers untouched.
 *
 *   uint32_t x;
 *   if (!seg_read(v, SREG_DS, ea, &x, 4, &ev)) return EMU_EVENT;
 *   if (!stack_push(v, v->eip, 4, &ev)) return EMU_EVENT;
 */
#include "monitor/cpu_priv.h"
#include "shadowmm/gmem.h"

/* Limit check (SDM §5.3): expand-up segments allow [0, limit]; expand-down
 * data segments allow [limit + 1, 0xffff] or [limit + 1, 0xffffffff] by
 * their B flag. */
static bool seg_within_limit(const struct seg_cache *c, uint32_t off, uint32_t size)
{
    uint64_t last = (uint64_t)off + size - 1;
    bool expand_down = !(c->attr & SEG_ATTR_CODE) && (c->attr & SEG_ATTR_DC);
    if (!expand_down)
        return last <= c->limit;
    uint64_t upper = (c->attr & SEG_ATTR_DB) ? 0xffffffffull : 0xffffull;
    return off > c->limit && last <= upper;
}

/* Type check (SDM §5.4.1): no writes to code or read-only data, no reads
 * from execute-only code. */
static bool seg_type_allows(const struct seg_cache *c, bool write)
{
    if (c->attr & SEG_ATTR_CODE)
        return !write && (c->attr & SEG_ATTR_RW);
    return !write || (c->attr & SEG_ATTR_RW);
}

bool seg_check_access(const struct vcpu *v, const struct seg_cache *c, bool is_stack, uint32_t off,
                      uint32_t size, bool write, uint32_t *lin, struct event *ev)
{
    uint8_t vec = is_stack ? VEC_SS : VEC_GP;
    if (!(v->cr0 & CR0_PE)) {
        /* Real mode keeps only the limit check (SDM Vol. 3A §20.1.1). */
        if ((uint64_t)off + size - 1 > c->limit)
            return cpu_fault(ev, vec, 0);
        *lin = c->base + off;
        return true;
    }
    /* A null selector may sit in DS/ES/FS/GS; any access through it is
     * #GP(0) (SDM §5.4.1 "Null segment selector checking"). */
    if (c->attr & SEG_ATTR_UNUSABLE)
        return cpu_fault(ev, vec, 0);
    if (!seg_type_allows(c, write) || !seg_within_limit(c, off, size))
        return cpu_fault(ev, vec, 0);
    *lin = c->base + off;
    return true;
}

bool seg_linear(struct vcpu *v, enum x86_sreg s, uint32_t off, uint32_t size, bool write,
                uint32_t *lin, struct event *ev)
{
    return seg_check_access(v, &v->seg[s], s == SREG_SS, off, size, write, lin, ev);
}

bool seg_read(struct vcpu *v, enum x86_sreg s, uint32_t off, void *dst, uint32_t size, struct event *ev)
{
    uint32_t lin;
    if (!seg_linear(v, s, off, size, false, &lin, ev))
        return false;
    return gmem_read_lin(v, lin, dst, size, v->cpl == 3, ev);
}

bool seg_write(struct vcpu *v, enum x86_sreg s, uint32_t off, const void *src, uint32_t size,
               struct event *ev)
{
    uint32_t lin;
    if (!seg_linear(v, s, off, size, true, &lin, ev))
        return false;
    return gmem_write_lin(v, lin, src, size, v->cpl == 3, ev);
}

/* ---- pending stacks ---- */

struct pstack pstack_current(const struct vcpu *v)
{
    return (struct pstack){ .ss = v->seg[SREG_SS], .esp = v->gpr[GPR_ESP], .user = v->cpl == 3 };
}

/* The offset an access at ESP + delta uses: SS.B = 0 means a 16-bit SP
 * that wraps at 64 KiB (SDM Vol. 1 §6.2.3). */
static uint32_t pstack_offset(const struct pstack *s, uint32_t delta)
{
    uint32_t off = s->esp + delta;
    return (s->ss.attr & SEG_ATTR_DB) ? off : (off & 0xffff);
}

void pstack_adjust(struct pstack *s, uint32_t n)
{
    if (s->ss.attr & SEG_ATTR_DB)
        s->esp += n;
    else
        s->esp = (s->esp & 0xffff0000u) | ((s->esp + n) & 0xffff);
}

static bool pstack_access(struct vcpu *v, const struct pstack *s, uint32_t off, void *buf, unsigned size,
                          bool write, struct event *ev)
{
    uint32_t lin;
    if (!seg_check_access(v, &s->ss, true, off, size, write, &lin, ev))
        return false;
    if (write)
        return gmem_write_lin(v, lin, buf, size, s->user, ev);
    return gmem_read_lin(v, lin, buf, size, s->user, ev);
}

bool pstack_push(struct vcpu *v, struct pstack *s, uint32_t value, unsigned size, struct event *ev)
{
    uint8_t raw[4] = { (uint8_t)value, (uint8_t)(value >> 8), (uint8_t)(value >> 16),
                       (uint8_t)(value >> 24) };
    uint32_t off = pstack_offset(s, -size);
    if (!pstack_access(v, s, off, raw, size, true, ev))
        return false;
    pstack_adjust(s, -size);
    return true;
}

bool pstack_peek(struct vcpu *v, const struct pstack *s, unsigned index, unsigned size, uint32_t *value,
                 struct event *ev)
{
    uint8_t raw[4] = { 0 };
    uint32_t off = pstack_offset(s, index * size);
    if (!pstack_access(v, s, off, raw, size, false, ev))
        return false;
    *value = raw[0] | (raw[1] << 8) | ((uint32_t)raw[2] << 16) | ((uint32_t)raw[3] << 24);
    return true;
}

bool pstack_pop(struct vcpu *v, struct pstack *s, uint32_t *value, unsigned size, struct event *ev)
{
    if (!pstack_peek(v, s, 0, size, value, ev))
        return false;
    pstack_adjust(s, size);
    return true;
}

bool pstack_check_room(const struct vcpu *v, const struct pstack *s, uint32_t bytes, struct event *ev)
{
    uint32_t lin;
    return seg_check_access(v, &s->ss, true, pstack_offset(s, -bytes), bytes, true, &lin, ev);
}

bool stack_push(struct vcpu *v, uint32_t value, unsigned size, struct event *ev)
{
    struct pstack s = pstack_current(v);
    if (!pstack_push(v, &s, value, size, ev))
        return false;
    v->gpr[GPR_ESP] = s.esp;
    return true;
}

bool stack_pop(struct vcpu *v, uint32_t *value, unsigned size, struct event *ev)
{
    struct pstack s = pstack_current(v);
    if (!pstack_pop(v, &s, value, size, ev))
        return false;
    v->gpr[GPR_ESP] = s.esp;
    return true;
}
