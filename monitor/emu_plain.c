/*
 * emu_plain.c: the ordinary instructions that translated code runs
 * natively but the interpreter of 16-bit and real-mode code
 * (monitor/run16.c) must emulate — lea, nop, the flag instructions, the
 * sign extensions, lahf/sahf, bswap, xlat, one-operand mul/imul/div/idiv
 * and the x87 control instructions fninit, fnclex, fnstsw, fnstcw, wait —
 * and emu_interpret(), which finds the handler of any instruction among
 * the sensitive ones (emulate.c), the memory-operand ones (emu_memop.c)
 * and these.
 *
 * Undefined flags (SF, ZF, AF, PF of mul and div; all six of div) are left
 * unchanged.  The x87 instructions work on the FXSAVE image in v->fpu,
 * which is the guest's x87 state whenever the monitor runs (monitor/vcpu.h).
 *
 *   struct event ev;
 *   if (emu_interpret(v, &d, &ev) == EMU_EVENT) cpu_deliver_event(v, &ev);
 */
#include <string.h>

#include "monitor/cpu.h"
#include "monitor/emu_alu.h"
#include "monitor/emu_memop.h"
#include "monitor/emu_near.h"

/* ---- moves and flags ---- */

/* lea r, m: the offset (with the address size) truncated to the operand size. */
static enum emu_status emu_lea(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    enum x86_sreg s;
    uint32_t ea = emu_effective_address(v, d, &d->op[1], &s);
    memop_put(v, d, &d->op[0], memop_bytes(&d->op[0]), ea, ev);
    return emu_next(v, d);
}

static enum emu_status emu_nop(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)ev;
    return emu_next(v, d);
}

/* clc, stc, cmc, cld, std. */
static enum emu_status emu_flag_op(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)ev;
    uint32_t fl = vcpu_get_eflags(v);
    switch (d->i.mnemonic) {
    case ZYDIS_MNEMONIC_CLC: fl &= ~EFLAGS_CF; break;
    case ZYDIS_MNEMONIC_STC: fl |= EFLAGS_CF; break;
    case ZYDIS_MNEMONIC_CMC: fl ^= EFLAGS_CF; break;
    case ZYDIS_MNEMONIC_CLD: fl &= ~EFLAGS_DF; break;
    default: fl |= EFLAGS_DF; break; /* std */
    }
    vcpu_set_eflags(v, fl);
    return emu_next(v, d);
}

/* cbw, cwde (sign-extend within EAX); cwd, cdq (the sign into DX/EDX). */
static enum emu_status emu_sign_extend(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)ev;
    uint32_t a = v->gpr[GPR_EAX];
    switch (d->i.mnemonic) {
    case ZYDIS_MNEMONIC_CBW: emu_reg_write(v, ZYDIS_REGISTER_AX, (uint32_t)(int32_t)(int8_t)a); break;
    case ZYDIS_MNEMONIC_CWDE: v->gpr[GPR_EAX] = (uint32_t)(int32_t)(int16_t)a; break;
    case ZYDIS_MNEMONIC_CWD: emu_reg_write(v, ZYDIS_REGISTER_DX, (a & 0x8000) ? 0xffff : 0); break;
    default: v->gpr[GPR_EDX] = (a & 0x80000000u) ? 0xffffffffu : 0; break; /* cdq */
    }
    return emu_next(v, d);
}

/* lahf: AH = SF ZF 0 AF 0 PF 1 CF; sahf: those five flags from AH. */
static enum emu_status emu_lahf_sahf(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)ev;
    const uint32_t five = EFLAGS_SF | EFLAGS_ZF | EFLAGS_AF | EFLAGS_PF | EFLAGS_CF;
    if (d->i.mnemonic == ZYDIS_MNEMONIC_LAHF)
        emu_reg_write(v, ZYDIS_REGISTER_AH, (vcpu_get_eflags(v) & five) | 2u);
    else
        emu_set_flags(v, five, (v->gpr[GPR_EAX] >> 8) & five);
    return emu_next(v, d);
}

/* bswap r32 (with a 16-bit operand the result is undefined: 0, as Intel parts give). */
static enum emu_status emu_bswap(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)ev;
    ZydisRegister r = d->op[0].reg.value;
    uint32_t x = emu_reg_read(v, r);
    emu_reg_write(v, r, memop_bytes(&d->op[0]) == 4 ? __builtin_bswap32(x) : 0);
    return emu_next(v, d);
}

/* xlat: AL = [seg:(E)BX + AL] (DS unless overridden). */
static enum emu_status emu_xlat(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *m = emu_mem_operand(d);
    enum x86_sreg s = m ? emu_sreg_of(m->mem.segment) : SREG_DS;
    uint32_t off = v->gpr[GPR_EBX] + (v->gpr[GPR_EAX] & 0xff);
    if (decode_addrsize(d) == 16)
        off &= 0xffff;
    uint8_t al;
    if (!seg_read(v, s, off, &al, 1, ev))
        return EMU_EVENT;
    emu_reg_write(v, ZYDIS_REGISTER_AL, al);
    return emu_next(v, d);
}

/* ---- one-operand multiply and divide (SDM Vol. 2A MUL, IMUL, DIV, IDIV) ---- */

static int64_t plain_signed(uint64_t x, unsigned n)
{
    return n == 1 ? (int8_t)x : n == 2 ? (int16_t)x : (int64_t)(int32_t)x;
}

/* The double-width accumulator AX, DX:AX or EDX:EAX. */
static uint64_t plain_acc_get(const struct vcpu *v, unsigned n)
{
    uint32_t a = v->gpr[GPR_EAX], dx = v->gpr[GPR_EDX];
    if (n == 1)
        return a & 0xffff;
    if (n == 2)
        return ((dx & 0xffff) << 16) | (a & 0xffff);
    return ((uint64_t)dx << 32) | a;
}

/* Store low:high halves of n bytes each (AL:AH, AX:DX, EAX:EDX). */
static void plain_acc_put(struct vcpu *v, unsigned n, uint32_t low, uint32_t high)
{
    if (n == 1) {
        emu_reg_write(v, ZYDIS_REGISTER_AX, (low & 0xff) | ((high & 0xff) << 8));
        return;
    }
    emu_reg_write(v, n == 2 ? ZYDIS_REGISTER_AX : ZYDIS_REGISTER_EAX, low);
    emu_reg_write(v, n == 2 ? ZYDIS_REGISTER_DX : ZYDIS_REGISTER_EDX, high);
}

static enum emu_status emu_mul1(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned n = memop_bytes(&d->op[0]), bits = 8 * n;
    uint64_t src, a = v->gpr[GPR_EAX] & alu_mask(n);
    if (!memop_get(v, d, &d->op[0], n, &src, ev))
        return EMU_EVENT;
    uint64_t product;
    bool wide;
    if (d->i.mnemonic == ZYDIS_MNEMONIC_MUL) {
        product = a * src;
        wide = (product >> bits) != 0;
    } else {
        int64_t p = plain_signed(a, n) * plain_signed(src, n);
        product = (uint64_t)p;
        wide = plain_signed(product & alu_mask(n), n) != p;
    }
    plain_acc_put(v, n, (uint32_t)product & alu_mask(n), (uint32_t)(product >> bits) & alu_mask(n));
    emu_set_flags(v, EFLAGS_CF | EFLAGS_OF, wide ? EFLAGS_CF | EFLAGS_OF : 0);
    return emu_next(v, d);
}

/* div/idiv: #DE for a zero divisor or a quotient that does not fit. */
static enum emu_status emu_div1(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned n = memop_bytes(&d->op[0]);
    uint64_t src, acc = plain_acc_get(v, n), q, r;
    if (!memop_get(v, d, &d->op[0], n, &src, ev))
        return EMU_EVENT;
    if (src == 0)
        return emu_raise(ev, event_fault(VEC_DE, false, 0));
    if (d->i.mnemonic == ZYDIS_MNEMONIC_DIV) {
        q = acc / src;
        r = acc % src;
        if (q > alu_mask(n))
            return emu_raise(ev, event_fault(VEC_DE, false, 0));
    } else {
        /* AX, DX:AX or EDX:EAX as a signed number */
        int64_t dividend = n == 4 ? (int64_t)acc : n == 2 ? (int32_t)acc : (int16_t)acc;
        int64_t divisor = plain_signed(src, n);
        if (divisor == -1 && dividend == INT64_MIN)
            return emu_raise(ev, event_fault(VEC_DE, false, 0));
        int64_t sq = dividend / divisor, sr = dividend % divisor;
        int64_t lim = (int64_t)alu_sign(n);
        if (sq >= lim || sq < -lim)
            return emu_raise(ev, event_fault(VEC_DE, false, 0));
        q = (uint64_t)sq;
        r = (uint64_t)sr;
    }
    plain_acc_put(v, n, (uint32_t)q & alu_mask(n), (uint32_t)r & alu_mask(n));
    return emu_next(v, d);
}

/* ---- x87 control (SDM Vol. 1 §8.1; FXSAVE layout Vol. 2A Table 3-53) ---- */

#define FXS_FCW 0
#define FXS_FSW 2
#define FXS_FTW 4 /* abridged: one bit per register, 0 = empty */

static uint16_t plain_fpu16(const struct vcpu *v, unsigned at)
{
    uint16_t x;
    memcpy(&x, &v->fpu[at], 2);
    return x;
}

static enum emu_status emu_x87_control(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint16_t fsw = plain_fpu16(v, FXS_FSW);
    switch (d->i.mnemonic) {
    case ZYDIS_MNEMONIC_FNINIT: {
        /* FCW 037Fh, FSW 0, every register empty, pointers and opcode 0;
         * MXCSR is not part of the x87 state (SDM Vol. 2A FINIT). */
        uint16_t fcw = 0x037f;
        memset(&v->fpu[0], 0, 24);
        memcpy(&v->fpu[FXS_FCW], &fcw, 2);
        break;
    }
    case ZYDIS_MNEMONIC_FNCLEX:
        fsw &= 0x7f00; /* PE..ES and B cleared; C0-C3 and TOP stay */
        memcpy(&v->fpu[FXS_FSW], &fsw, 2);
        break;
    case ZYDIS_MNEMONIC_FNSTSW:
    case ZYDIS_MNEMONIC_FNSTCW: {
        uint16_t x = d->i.mnemonic == ZYDIS_MNEMONIC_FNSTSW ? fsw : plain_fpu16(v, FXS_FCW);
        if (!memop_put(v, d, &d->op[0], 2, x, ev))
            return EMU_EVENT;
        break;
    }
    default: /* wait/fwait: no unmasked exception is ever pending here */
        break;
    }
    return emu_next(v, d);
}

/* ---- dispatch ---- */

static const emu_handler_fn plain_rules[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {
    [ZYDIS_MNEMONIC_LEA] = emu_lea,
    [ZYDIS_MNEMONIC_NOP] = emu_nop,
    [ZYDIS_MNEMONIC_PAUSE] = emu_nop,
    [ZYDIS_MNEMONIC_CLC] = emu_flag_op,
    [ZYDIS_MNEMONIC_STC] = emu_flag_op,
    [ZYDIS_MNEMONIC_CMC] = emu_flag_op,
    [ZYDIS_MNEMONIC_CLD] = emu_flag_op,
    [ZYDIS_MNEMONIC_STD] = emu_flag_op,
    [ZYDIS_MNEMONIC_CBW] = emu_sign_extend,
    [ZYDIS_MNEMONIC_CWDE] = emu_sign_extend,
    [ZYDIS_MNEMONIC_CWD] = emu_sign_extend,
    [ZYDIS_MNEMONIC_CDQ] = emu_sign_extend,
    [ZYDIS_MNEMONIC_LAHF] = emu_lahf_sahf,
    [ZYDIS_MNEMONIC_SAHF] = emu_lahf_sahf,
    [ZYDIS_MNEMONIC_BSWAP] = emu_bswap,
    [ZYDIS_MNEMONIC_XLAT] = emu_xlat,
    [ZYDIS_MNEMONIC_MUL] = emu_mul1,
    [ZYDIS_MNEMONIC_DIV] = emu_div1,
    [ZYDIS_MNEMONIC_IDIV] = emu_div1,
    [ZYDIS_MNEMONIC_LEAVE] = emu_leave,
    [ZYDIS_MNEMONIC_UD0] = emu_invalid_opcode,
    [ZYDIS_MNEMONIC_UD1] = emu_invalid_opcode,
    [ZYDIS_MNEMONIC_UD2] = emu_invalid_opcode,
    [ZYDIS_MNEMONIC_FNINIT] = emu_x87_control,
    [ZYDIS_MNEMONIC_FNCLEX] = emu_x87_control,
    [ZYDIS_MNEMONIC_FNSTSW] = emu_x87_control,
    [ZYDIS_MNEMONIC_FNSTCW] = emu_x87_control,
    [ZYDIS_MNEMONIC_FWAIT] = emu_x87_control,
};

static bool plain_is_far(const struct decoded_insn *d) { return d->i.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR; }

static bool plain_first_is_sreg(const struct decoded_insn *d)
{
    return d->op[0].type == ZYDIS_OPERAND_TYPE_REGISTER && emu_is_sreg(d->op[0].reg.value);
}

/* The handler of the near or general-register form of an instruction the
 * emulator's table (emulate.c) holds only in its sensitive form, or NULL. */
static emu_handler_fn plain_near_form(const struct decoded_insn *d)
{
    switch (d->i.mnemonic) {
    case ZYDIS_MNEMONIC_JMP: return plain_is_far(d) ? NULL : emu_jmp_near;
    case ZYDIS_MNEMONIC_CALL: return plain_is_far(d) ? NULL : emu_call_near;
    case ZYDIS_MNEMONIC_RET: return plain_is_far(d) ? NULL : emu_ret_near;
    case ZYDIS_MNEMONIC_PUSH:
        if (plain_first_is_sreg(d))
            return NULL;
        return memop_is_mem(&d->op[0]) ? emu_memop_handler(d) : emu_push_plain;
    case ZYDIS_MNEMONIC_POP:
        if (plain_first_is_sreg(d))
            return NULL;
        return memop_is_mem(&d->op[0]) ? emu_memop_handler(d) : emu_pop_plain;
    case ZYDIS_MNEMONIC_MOV: return emu_mov_is_plain(d) ? emu_memop_handler(d) : NULL;
    case ZYDIS_MNEMONIC_IMUL: return d->i.operand_count_visible == 1 ? emu_mul1 : emu_memop_handler(d);
    default: return NULL;
    }
}

enum emu_status emu_interpret(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    *ev = (struct event){ .kind = EV_NONE };
    emu_handler_fn run = plain_near_form(d);
    if (!run && emu_has_rule(d))
        return emu_execute(v, d, ev); /* the sensitive ones; counts the callout */
    if (!emu_isa_advertised(v, d))
        return emu_invalid_opcode(v, d, ev);
    if (!run && d->i.meta.category == ZYDIS_CATEGORY_COND_BR)
        run = emu_jcc;
    if (!run)
        run = emu_memop_handler(d);
    if (!run && (unsigned)d->i.mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE)
        run = plain_rules[d->i.mnemonic];
    if (!run)
        return emu_unsupported(v, d);
    return run(v, d, ev);
}
