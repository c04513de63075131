/*
 * emu_memop.c: emulation of ordinary instructions with a memory operand —
 * the accesses translated code cannot make itself because they touch a
 * memory-mapped device or a guest page table the monitor traces.
 *
 * The host faults on such an access; the run loop decodes the guest
 * instruction and calls emu_memop(), which performs it on struct vcpu with
 * every memory access going through seg_read/seg_write → gmem_*_lin →
 * gmem_*_phys, where RAM, MMIO devices and tracing are told apart.  The
 * row of memop_rules for the mnemonic names the handler; setcc and cmovcc
 * go by their Zydis category, the string instructions to emu_string().
 * What has no row — x87, MMX, SSE, one-operand mul/div, ... — the host CPU
 * runs on a copy of its memory operand (emu_bounce, monitor/run_bounce.c).
 *
 * Handlers "compute fully, then commit": read every operand, compute, write
 * the memory destination, and only then the registers, EFLAGS and EIP, so
 * a fault (*ev) leaves the vCPU exactly as it was and the instruction can
 * be restarted after the guest handled it.  A lock prefix is ignored: one
 * vCPU, and the monitor runs the whole instruction with the guest stopped,
 * which is as atomic as a locked bus cycle.
 *
 *   struct event ev;
 *   if (emu_memop(v, &d, &ev) == EMU_EVENT) cpu_deliver_event(v, &ev);
 */
#include "monitor/emu_memop.h"

#include "monitor/cpu.h"
#include "monitor/emu_alu.h"
#include "monitor/vm.h"
#include "shadowmm/walk.h"

/* ---- operands ---- */

bool memop_plain(const ZydisDecodedOperand *op)
{
    switch (op->type) {
    case ZYDIS_OPERAND_TYPE_MEMORY:
    case ZYDIS_OPERAND_TYPE_IMMEDIATE:
        return true;
    case ZYDIS_OPERAND_TYPE_REGISTER:
        switch (ZydisRegisterGetClass(op->reg.value)) {
        case ZYDIS_REGCLASS_GPR8:
        case ZYDIS_REGCLASS_GPR16:
        case ZYDIS_REGCLASS_GPR32:
            return true;
        default:
            return false;
        }
    default:
        return false;
    }
}

static uint64_t memop_mask(unsigned bytes)
{
    return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

bool memop_read_at(struct vcpu *v, enum x86_sreg s, uint32_t off, unsigned bytes, uint64_t *value,
                   struct event *ev)
{
    uint8_t raw[8] = { 0 };
    if (bytes > 8 || !seg_read(v, s, off, raw, bytes, ev))
        return false;
    uint64_t x = 0;
    for (unsigned i = 0; i < bytes; i++)
        x |= (uint64_t)raw[i] << (8 * i);
    *value = x;
    return true;
}

bool memop_write_at(struct vcpu *v, enum x86_sreg s, uint32_t off, unsigned bytes, uint64_t value,
                    struct event *ev)
{
    uint8_t raw[8];
    if (bytes > 8)
        return false;
    for (unsigned i = 0; i < bytes; i++)
        raw[i] = (uint8_t)(value >> (8 * i));
    return seg_write(v, s, off, raw, bytes, ev);
}

bool memop_get(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op, unsigned bytes,
               uint64_t *value, struct event *ev)
{
    enum x86_sreg s;
    uint32_t ea;
    switch (op->type) {
    case ZYDIS_OPERAND_TYPE_MEMORY:
        ea = emu_effective_address(v, d, op, &s);
        return memop_read_at(v, s, ea, bytes, value, ev);
    case ZYDIS_OPERAND_TYPE_IMMEDIATE:
        /* Zydis sign-extends imm8 of 83 /r and friends to 64 bits. */
        *value = op->imm.value.u & memop_mask(bytes);
        return true;
    default:
        *value = emu_reg_read(v, op->reg.value) & memop_mask(bytes);
        return true;
    }
}

bool memop_put(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op, unsigned bytes,
               uint64_t value, struct event *ev)
{
    if (op->type == ZYDIS_OPERAND_TYPE_MEMORY) {
        enum x86_sreg s;
        uint32_t ea = emu_effective_address(v, d, op, &s);
        return memop_write_at(v, s, ea, bytes, value, ev);
    }
    emu_reg_write(v, op->reg.value, (uint32_t)value);
    return true;
}

bool memop_check_write_at(struct vcpu *v, enum x86_sreg s, uint32_t off, unsigned bytes, struct event *ev)
{
    uint32_t lin;
    if (!seg_linear(v, s, off, bytes, true, &lin, ev))
        return false;
    if (!(v->cr0 & CR0_PG))
        return true;
    /* The pages too: a read-modify-write of a read-only or absent page is a
     * #PF with W/R = 1 before anything is read (SDM Vol. 3A §4.7).  The walk
     * sets A and D as the write that follows would. */
    struct walk_range r;
    return walk_guest_range(v, lin, bytes, WALK_WRITE, v->cpl == 3, &r, ev);
}

bool memop_check_write(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                       unsigned bytes, struct event *ev)
{
    if (!memop_is_mem(op))
        return true;
    enum x86_sreg s;
    uint32_t ea = emu_effective_address(v, d, op, &s);
    return memop_check_write_at(v, s, ea, bytes, ev);
}

/* ---- moves ---- */

/* mov r/m, r; mov r, r/m; mov r/m, imm; mov al..eax, moffs and back. */
static enum emu_status memop_mov(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    if (!memop_plain(dst) || !memop_plain(src))
        return emu_unsupported(v, d);
    unsigned n = memop_bytes(dst);
    uint64_t x;
    if (!memop_get(v, d, src, n, &x, ev) || !memop_put(v, d, dst, n, x, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

/* movzx/movsx r, r/m8 or r/m16: the source widened to the destination. */
static enum emu_status memop_movx(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    unsigned n = memop_bytes(src);
    uint64_t x;
    if (!memop_get(v, d, src, n, &x, ev))
        return EMU_EVENT;
    if (d->i.mnemonic == ZYDIS_MNEMONIC_MOVSX && (x & alu_sign(n)))
        x |= ~memop_mask(n);
    memop_put(v, d, dst, memop_bytes(dst), x, ev);
    return emu_next(v, d);
}

/* setcc r/m8: 1 if the condition in the opcode's low nibble holds. */
static enum emu_status memop_setcc(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint64_t x = alu_cond(vcpu_get_eflags(v), d->i.opcode & 0xf);
    if (!memop_put(v, d, &d->op[0], 1, x, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

/* cmovcc r, r/m: the source is read whatever the condition, so a bad
 * address faults even when nothing moves (SDM Vol. 2A CMOVcc, "Operation":
 * temp ← SRC comes first). */
static enum emu_status memop_cmovcc(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned n = memop_bytes(&d->op[0]);
    uint64_t x;
    if (!memop_get(v, d, &d->op[1], n, &x, ev))
        return EMU_EVENT;
    if (alu_cond(vcpu_get_eflags(v), d->i.opcode & 0xf))
        memop_put(v, d, &d->op[0], n, x, ev);
    return emu_next(v, d);
}

/* push r/m: the operand is read with ESP as it was before the push (SDM
 * Vol. 2B PUSH: "If ESP is used as a base register ... the value of the
 * ESP register before the instruction is executed"). */
static enum emu_status memop_push(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned n = emu_opbytes(d);
    uint64_t x;
    if (!memop_is_mem(&d->op[0]))
        return memop_push_value(v, d, ev);
    if (!memop_get(v, d, &d->op[0], n, &x, ev) || !stack_push(v, (uint32_t)x, n, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

/* pop r/m: the destination's address is computed with ESP already
 * incremented (SDM Vol. 2B POP: "If the ESP register is used as a base
 * register for addressing a destination operand in memory, the POP
 * instruction computes the effective address of the operand after it
 * increments the ESP register"); a faulting store puts ESP back. */
static enum emu_status memop_pop(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned n = emu_opbytes(d);
    uint32_t esp = v->gpr[GPR_ESP], x;
    if (!memop_is_mem(&d->op[0]))
        return memop_pop_reg(v, d, ev);
    if (!stack_pop(v, &x, n, ev))
        return EMU_EVENT;
    if (!memop_put(v, d, &d->op[0], n, x, ev)) {
        v->gpr[GPR_ESP] = esp;
        return EMU_EVENT;
    }
    return emu_next(v, d);
}

/* ---- dispatch ---- */

/* One row per mnemonic; setcc and cmovcc are found by category. */
static const emu_handler_fn memop_rules[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {
    [ZYDIS_MNEMONIC_MOV] = memop_mov,
    [ZYDIS_MNEMONIC_MOVZX] = memop_movx,
    [ZYDIS_MNEMONIC_MOVSX] = memop_movx,
    [ZYDIS_MNEMONIC_PUSH] = memop_push,
    [ZYDIS_MNEMONIC_POP] = memop_pop,
    /* the other stack users, near branches, xlat (emu_memop_stack.c) */
    [ZYDIS_MNEMONIC_LEAVE] = memop_leave,
    [ZYDIS_MNEMONIC_PUSHF] = emu_pushf,
    [ZYDIS_MNEMONIC_PUSHFD] = emu_pushf,
    [ZYDIS_MNEMONIC_POPF] = emu_popf,
    [ZYDIS_MNEMONIC_POPFD] = emu_popf,
    [ZYDIS_MNEMONIC_CALL] = memop_call_near,
    [ZYDIS_MNEMONIC_JMP] = memop_jmp_near,
    [ZYDIS_MNEMONIC_RET] = memop_ret_near,
    [ZYDIS_MNEMONIC_XLAT] = memop_xlat,
    /* ALU (emu_memop_arith.c) */
    [ZYDIS_MNEMONIC_ADD] = memop_alu,
    [ZYDIS_MNEMONIC_OR] = memop_alu,
    [ZYDIS_MNEMONIC_ADC] = memop_alu,
    [ZYDIS_MNEMONIC_SBB] = memop_alu,
    [ZYDIS_MNEMONIC_AND] = memop_alu,
    [ZYDIS_MNEMONIC_SUB] = memop_alu,
    [ZYDIS_MNEMONIC_XOR] = memop_alu,
    [ZYDIS_MNEMONIC_CMP] = memop_alu,
    [ZYDIS_MNEMONIC_TEST] = memop_alu,
    [ZYDIS_MNEMONIC_INC] = memop_unary,
    [ZYDIS_MNEMONIC_DEC] = memop_unary,
    [ZYDIS_MNEMONIC_NEG] = memop_unary,
    [ZYDIS_MNEMONIC_NOT] = memop_unary,
    [ZYDIS_MNEMONIC_XCHG] = memop_xchg,
    [ZYDIS_MNEMONIC_XADD] = memop_xadd,
    [ZYDIS_MNEMONIC_CMPXCHG] = memop_cmpxchg,
    [ZYDIS_MNEMONIC_CMPXCHG8B] = memop_cmpxchg8b,
    /* bit strings (emu_memop_bits.c) */
    [ZYDIS_MNEMONIC_BT] = memop_bit,
    [ZYDIS_MNEMONIC_BTS] = memop_bit,
    [ZYDIS_MNEMONIC_BTR] = memop_bit,
    [ZYDIS_MNEMONIC_BTC] = memop_bit,
    [ZYDIS_MNEMONIC_BSF] = memop_bitscan,
    [ZYDIS_MNEMONIC_BSR] = memop_bitscan,
    [ZYDIS_MNEMONIC_IMUL] = memop_imul, /* two- and three-operand forms */
    [ZYDIS_MNEMONIC_SHLD] = memop_shift_double,
    [ZYDIS_MNEMONIC_SHRD] = memop_shift_double,
    /* shifts and rotates (emu_memop_shift.c) */
    [ZYDIS_MNEMONIC_SHL] = memop_shift,
    [ZYDIS_MNEMONIC_SHR] = memop_shift,
    [ZYDIS_MNEMONIC_SAR] = memop_shift,
    [ZYDIS_MNEMONIC_ROL] = memop_shift,
    [ZYDIS_MNEMONIC_ROR] = memop_shift,
    [ZYDIS_MNEMONIC_RCL] = memop_shift,
    [ZYDIS_MNEMONIC_RCR] = memop_shift,
    [ZYDIS_MNEMONIC_MOVUPS] = memop_sse_move,
    [ZYDIS_MNEMONIC_MOVUPD] = memop_sse_move,
    [ZYDIS_MNEMONIC_MOVDQU] = memop_sse_move,
    [ZYDIS_MNEMONIC_MOVAPS] = memop_sse_move,
    [ZYDIS_MNEMONIC_MOVAPD] = memop_sse_move,
    [ZYDIS_MNEMONIC_MOVDQA] = memop_sse_move,
    /* string instructions, element by element (emu_string.c) */
    [ZYDIS_MNEMONIC_MOVSB] = emu_string,
    [ZYDIS_MNEMONIC_MOVSW] = emu_string,
    [ZYDIS_MNEMONIC_MOVSD] = emu_string,
    [ZYDIS_MNEMONIC_STOSB] = emu_string,
    [ZYDIS_MNEMONIC_STOSW] = emu_string,
    [ZYDIS_MNEMONIC_STOSD] = emu_string,
    [ZYDIS_MNEMONIC_LODSB] = emu_string,
    [ZYDIS_MNEMONIC_LODSW] = emu_string,
    [ZYDIS_MNEMONIC_LODSD] = emu_string,
    [ZYDIS_MNEMONIC_CMPSB] = emu_string,
    [ZYDIS_MNEMONIC_CMPSW] = emu_string,
    [ZYDIS_MNEMONIC_CMPSD] = emu_string,
    [ZYDIS_MNEMONIC_SCASB] = emu_string,
    [ZYDIS_MNEMONIC_SCASW] = emu_string,
    [ZYDIS_MNEMONIC_SCASD] = emu_string,
};

emu_handler_fn emu_memop_handler(const struct decoded_insn *d)
{
    /* Zydis names SSE2's movsd/cmpsd (F2 0F 10/11, F2 0F C2) like the
     * string instructions: those are for the bounce run. */
    if ((d->i.mnemonic == ZYDIS_MNEMONIC_MOVSD || d->i.mnemonic == ZYDIS_MNEMONIC_CMPSD) &&
        d->i.meta.isa_ext != ZYDIS_ISA_EXT_BASE)
        return NULL;
    if ((unsigned)d->i.mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE && memop_rules[d->i.mnemonic])
        return memop_rules[d->i.mnemonic];
    if (d->i.meta.category == ZYDIS_CATEGORY_SETCC)
        return memop_setcc;
    if (d->i.meta.category == ZYDIS_CATEGORY_CMOV)
        return memop_cmovcc;
    return NULL;
}

enum emu_status emu_memop(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    *ev = (struct event){ .kind = EV_NONE };
    /* The run loop calls this directly, not through emu_execute(), so the
     * callout is counted here. */
    STAT_INC(v->vm, co_total);
    STAT_INC(v->vm, co_other);
    if (!emu_isa_advertised(v, d))
        return emu_invalid_opcode(v, d, ev); /* e.g. vmread on a device or nonexistent memory */
    emu_handler_fn run = emu_memop_handler(d);
    if (!run)
        return emu_bounce(v, d, ev); /* the host runs it on a copy of the operand (run_bounce.c) */
    return run(v, d, ev);
}
