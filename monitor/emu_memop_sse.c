/*
 * emu_memop_sse.c: the 128-bit SSE moves between an XMM register and
 * memory (movups, movupd, movdqu and the aligned movaps, movapd, movdqa),
 * for the memory emulator (emu_memop.c) — what a guest uses to copy
 * to and from device memory.
 *
 * The guest's XMM registers are in vcpu->fpu in the FXSAVE layout (XMMn at
 * byte 160 + 16n, SDM Vol. 1 §10.5.1 Table 10-2) whenever the monitor runs:
 * every exit from translated code saves them there and the next entry
 * loads them again.  The aligned forms raise #GP(0) on an operand that is
 * not 16-byte aligned (SDM Vol. 2B MOVAPS, "Protected Mode Exceptions"); a
 * store checks both halves for writability before it writes either.
 *
 *   movdqu [ebx], xmm1 with EBX in pc-testdev memory → 16 bytes reach the device
 */
#include <string.h>

#include "monitor/emu_memop.h"

#define FXSAVE_XMM0 160u

static uint8_t *memop_xmm(struct vcpu *v, ZydisRegister r)
{
    return v->fpu + FXSAVE_XMM0 + 16u * (unsigned)(r - ZYDIS_REGISTER_XMM0);
}

static bool memop_sse_aligned_form(ZydisMnemonic m)
{
    return m == ZYDIS_MNEMONIC_MOVAPS || m == ZYDIS_MNEMONIC_MOVAPD || m == ZYDIS_MNEMONIC_MOVDQA;
}

static bool memop_is_xmm(const ZydisDecodedOperand *op)
{
    return op->type == ZYDIS_OPERAND_TYPE_REGISTER && op->reg.value >= ZYDIS_REGISTER_XMM0 &&
           op->reg.value <= ZYDIS_REGISTER_XMM7;
}

enum emu_status memop_sse_move(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    bool store = memop_is_mem(dst) && memop_is_xmm(src);
    const ZydisDecodedOperand *mem = store ? dst : src, *reg = store ? src : dst;
    if (!memop_is_mem(mem) || !memop_is_xmm(reg) || mem->size != 128)
        return emu_bounce(v, d, ev);
    enum x86_sreg s;
    uint32_t ea = emu_effective_address(v, d, mem, &s);
    if (memop_sse_aligned_form(d->i.mnemonic) && (v->seg[s].base + ea) % 16) {
        *ev = event_fault(VEC_GP, true, 0);
        return EMU_EVENT;
    }
    uint8_t *x = memop_xmm(v, reg->reg.value);
    uint64_t lo, hi;
    if (store) {
        memcpy(&lo, x, 8);
        memcpy(&hi, x + 8, 8);
        if (!memop_check_write_at(v, s, ea, 16, ev) || !memop_write_at(v, s, ea, 8, lo, ev) ||
            !memop_write_at(v, s, ea + 8, 8, hi, ev))
            return EMU_EVENT;
    } else {
        if (!memop_read_at(v, s, ea, 8, &lo, ev) || !memop_read_at(v, s, ea + 8, 8, &hi, ev))
            return EMU_EVENT;
        memcpy(x, &lo, 8);
        memcpy(x + 8, &hi, 8);
    }
    return emu_next(v, d);
}
