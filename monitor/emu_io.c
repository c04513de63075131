/*
 * emu_io.c: in and out, and the I/O permission check every port access of
 * the guest passes through.
 *
 * A port access is allowed when CPL <= IOPL; otherwise the current TSS's
 * I/O permission bitmap decides, one bit per port, every bit of a 2- or
 * 4-byte access clear (SDM Vol. 1 §19.5.1, §19.5.2).  The bitmap lives in
 * guest memory at TSS base + the 16-bit offset stored at TSS+0x66, and the
 * processor always reads two bitmap bytes, both of which must lie inside
 * the TSS limit.  Allowed accesses go to the board's port bus
 * (devices/portio.h), which answers for ports nobody decodes.
 *
 *   out 0x3f8, al  at CPL 3, IOPL 0  → bitmap bit 0x3f8 clear? portio_write : #GP(0)
 */
#include "devices/portio.h"
#include "monitor/cpu.h"
#include "monitor/emu_internal.h"
#include "shadowmm/gmem.h"

#define TSS32_IOMAP_OFFSET 0x66 /* 16-bit I/O map base (SDM Vol. 3A Figure 7-2) */
#define TSS32_MIN_LIMIT 0x67    /* a 32-bit TSS is at least 104 bytes (§7.2.2) */

/* Read the 16-bit word of the current TSS at `off` (supervisor access, as the
 * processor's own TSS reads are). */
static bool emu_tss_read(struct vcpu *v, uint32_t off, uint16_t *value, struct event *ev)
{
    uint8_t raw[2];
    if (!gmem_read_lin(v, v->tr.base + off, raw, 2, false, ev))
        return false;
    *value = raw[0] | (raw[1] << 8);
    return true;
}

static bool emu_io_bitmap_allows(struct vcpu *v, uint16_t port, unsigned size, struct event *ev)
{
    const struct seg_cache *tr = &v->tr;
    unsigned type = tr->attr & SEG_ATTR_TYPE_MASK;
    /* Only a 32-bit TSS has an I/O bitmap; with a 16-bit TSS (or none) the
     * access simply faults (§19.5.2). */
    if ((tr->attr & (SEG_ATTR_UNUSABLE | SEG_ATTR_S)) ||
        (type != SYS_TSS32_BUSY && type != SYS_TSS32_AVAIL) || tr->limit < TSS32_MIN_LIMIT) {
        *ev = event_gp(0);
        return false;
    }
    uint16_t map, bits;
    if (!emu_tss_read(v, TSS32_IOMAP_OFFSET, &map, ev))
        return false;
    uint32_t off = (uint32_t)map + port / 8;
    /* A map base at or past the limit means "no bitmap": every port faults. */
    if (off + 1 > tr->limit) {
        *ev = event_gp(0);
        return false;
    }
    if (!emu_tss_read(v, off, &bits, ev))
        return false;
    uint32_t mask = ((1u << size) - 1) << (port & 7);
    if (bits & mask) {
        *ev = event_gp(0);
        return false;
    }
    return true;
}

bool emu_io_allowed(struct vcpu *v, uint16_t port, unsigned size, struct event *ev)
{
    /* Real mode (and CPL <= IOPL) has no I/O protection (§19.5). */
    if (!emu_protected(v) || v->cpl <= vcpu_iopl(v))
        return true;
    return emu_io_bitmap_allows(v, port, size, ev);
}

/* The port of in/out: an imm8 operand or DX. */
static uint16_t emu_io_port(const struct vcpu *v, const ZydisDecodedOperand *op)
{
    if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
        return (uint16_t)(op->imm.value.u & 0xff);
    return (uint16_t)v->gpr[GPR_EDX];
}

/* in al/ax/eax, imm8|dx */
enum emu_status emu_in(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0];
    unsigned size = dst->size / 8;
    uint16_t port = emu_io_port(v, &d->op[1]);
    if (!emu_io_allowed(v, port, size, ev))
        return EMU_EVENT;
    emu_reg_write(v, dst->reg.value, portio_read(v->vm, port, size));
    return emu_next(v, d);
}

/* out imm8|dx, al/ax/eax */
enum emu_status emu_out(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *src = &d->op[1];
    unsigned size = src->size / 8;
    uint16_t port = emu_io_port(v, &d->op[0]);
    if (!emu_io_allowed(v, port, size, ev))
        return EMU_EVENT;
    portio_write(v->vm, port, size, emu_reg_read(v, src->reg.value));
    return emu_next(v, d);
}
