/*
 * emu_memop.h: what the files of the memory-instruction emulator share
 * (emu_memop.c: dispatch, moves, stack, setcc/cmovcc; emu_memop_arith.c:
 * ALU, inc/dec/neg/not, xchg, xadd, cmpxchg, cmpxchg8b; emu_memop_bits.c:
 * bt, bts, btr, btc, bsf, bsr; emu_memop_mul.c: two- and three-operand imul, shld, shrd;
 * emu_memop_shift.c: shl/shr/sar/rol/ror/rcl/rcr; emu_memop_stack.c: push and
 * pop of registers and immediates, leave, near call/jmp/ret, xlat;
 * emu_memop_sse.c: 128-bit SSE moves).
 *
 * An operand is read and written at an explicit width (1, 2, 4, or 8 for
 * cmpxchg8b) through memop_get / memop_put: registers with emu_reg_read /
 * emu_reg_write, immediates as Zydis sign- or zero-extended them, memory
 * through seg_read / seg_write (so the access reaches RAM, MMIO devices and
 * page-table tracing like any other monitor access).  Handlers read
 * everything, compute, then write memory, and only then registers and
 * flags: a fault leaves the vCPU as it was.
 *
 *   uint64_t a;
 *   if (!memop_get(v, d, &d->op[0], 4, &a, ev)) return EMU_EVENT;
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "monitor/emu_internal.h"

/* Operand width in bytes as Zydis reports it (8/16/32/64 bits). */
static inline unsigned memop_bytes(const ZydisDecodedOperand *op) { return op->size / 8; }

static inline bool memop_is_mem(const ZydisDecodedOperand *op)
{
    return op->type == ZYDIS_OPERAND_TYPE_MEMORY;
}

/* A general register, memory or immediate operand: the kinds these
 * instructions take (segment, control and x87/SSE registers are not). */
bool memop_plain(const ZydisDecodedOperand *op);

/* Read `bytes` of an operand (zero-extended). */
bool memop_get(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op, unsigned bytes,
               uint64_t *value, struct event *ev);
/* Write `bytes` of an operand (8- and 16-bit registers keep their other bits). */
bool memop_put(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op, unsigned bytes,
               uint64_t value, struct event *ev);
/* Memory at an explicit segment offset (bit-string addressing). */
bool memop_read_at(struct vcpu *v, enum x86_sreg s, uint32_t off, unsigned bytes, uint64_t *value,
                   struct event *ev);
bool memop_write_at(struct vcpu *v, enum x86_sreg s, uint32_t off, unsigned bytes, uint64_t value,
                    struct event *ev);
/* A read-modify-write destination must be writable before it is read: the
 * hardware checks the write permission of such an operand up front —
 * segment type and limit (SDM Vol. 3A §5.4.1) and, with paging, the page
 * (§4.7: the fault has W/R = 1) — so a device never sees the read of an
 * access that then faults. */
bool memop_check_write_at(struct vcpu *v, enum x86_sreg s, uint32_t off, unsigned bytes, struct event *ev);
bool memop_check_write(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                       unsigned bytes, struct event *ev);

/* ---- emu_memop_arith.c ---- */
enum emu_status memop_alu(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_unary(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_xchg(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_xadd(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_cmpxchg(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_cmpxchg8b(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_memop_bits.c ---- */
enum emu_status memop_bit(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_bitscan(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_memop_mul.c ---- */
enum emu_status memop_imul(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_shift_double(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_memop_shift.c ---- */
enum emu_status memop_shift(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_memop_stack.c ---- */
enum emu_status memop_push_value(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_pop_reg(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_leave(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_call_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_jmp_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_ret_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status memop_xlat(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_memop_sse.c ---- */
enum emu_status memop_sse_move(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
