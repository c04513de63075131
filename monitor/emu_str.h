/*
 * emu_str.h: what the emulated string instructions share — the port forms
 * (emu_iostr.c: ins, outs) and the memory forms (emu_string.c: movs, stos,
 * lods, cmps, scas).
 *
 * The address size picks (E)SI/(E)DI and (E)CX; DF picks the direction.
 * Every element commits its own register updates, so a fault in the middle
 * of a rep leaves ECX/ESI/EDI describing exactly the elements done and EIP
 * at the instruction: delivering the fault and returning restarts the rest
 * (SDM Vol. 2 REP: "restartable").  A long rep stops after EMU_REP_CHUNK
 * elements with EIP still at the instruction, as hardware does at an
 * interrupt window, so a huge count cannot hold the vCPU in the monitor.
 *
 *   struct emu_str s = emu_str_of(d, mem);
 *   do { ...one element...; } while (emu_str_continue(v, &s, ++done));
 *   return emu_str_finish(v, d, &s);
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "monitor/emu_internal.h"

#define EMU_REP_CHUNK 4096u /* elements per emulation before yielding */

/* Shape of one string instruction. */
struct emu_str {
    unsigned size; /* bytes per element: 1, 2, 4 */
    bool addr16;   /* 16-bit address size: SI, DI, CX */
    bool rep;      /* any rep prefix (F2 acts as F3 on ins/outs) */
};

static inline struct emu_str emu_str_of(const struct decoded_insn *d, const ZydisDecodedOperand *mem)
{
    uint64_t reps = ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE;
    return (struct emu_str){ .size = mem->size / 8,
                             .addr16 = decode_addrsize(d) == 16,
                             .rep = (d->i.attributes & reps) != 0 };
}

static inline uint32_t emu_str_reg(const struct vcpu *v, const struct emu_str *s, enum x86_gpr g)
{
    return s->addr16 ? (v->gpr[g] & 0xffff) : v->gpr[g];
}

/* Add delta to an index or count register at the address size. */
static inline void emu_str_add(struct vcpu *v, const struct emu_str *s, enum x86_gpr g, uint32_t delta)
{
    if (s->addr16)
        v->gpr[g] = (v->gpr[g] & 0xffff0000u) | ((v->gpr[g] + delta) & 0xffff);
    else
        v->gpr[g] += delta;
}

static inline uint32_t emu_str_step(const struct vcpu *v, const struct emu_str *s)
{
    return (v->eflags & EFLAGS_DF) ? (uint32_t)-s->size : s->size;
}

/* After one element: count down under rep and decide whether to go on.
 * Returns false when the instruction is finished (or must yield). */
static inline bool emu_str_continue(struct vcpu *v, const struct emu_str *s, unsigned done)
{
    if (!s->rep)
        return false;
    emu_str_add(v, s, GPR_ECX, (uint32_t)-1);
    return emu_str_reg(v, s, GPR_ECX) != 0 && done < EMU_REP_CHUNK;
}

/* The end of a string instruction: past it, or still on it when a rep
 * yielded with elements left. */
static inline enum emu_status emu_str_finish(struct vcpu *v, const struct decoded_insn *d, const struct emu_str *s)
{
    if (s->rep && emu_str_reg(v, s, GPR_ECX) != 0)
        return EMU_NEXT; /* EIP unchanged: the rest runs when it is re-executed */
    return emu_next(v, d);
}

