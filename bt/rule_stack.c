/*
 * rule_stack.c: push, pop, leave, and the flag instructions pushf, popf,
 * cli, sti.
 *
 * In 64-bit mode push/pop move RSP by 8 and address host memory, so every
 * stack operation becomes an explicit access to gs:[esp+disp] and an lea
 * that moves ESP.  The store (or load) comes first: if it faults, ESP is
 * still the guest's, so the exception is precise without any fix-up.
 *
 *   push ebx   ->  mov gs:[esp-4], ebx ; lea esp, [esp-4]
 *   pop ebx    ->  mov ebx, gs:[esp]   ; lea esp, [esp+4]
 *
 * pushf/popf/cli/sti at CPL 0 are inline on the virtual flags (IF in
 * vcpu->if_mask, the other system flags in vcpu->eflags); the host's own
 * flags are read and written with pushfq/popfq on a 16-byte stack inside
 * the vCPU, since RSP holds the guest ESP.  Outside ring 0 they need IOPL
 * checks and are callouts.
 */
#include <stddef.h>
#include <string.h>

#include "bt/ctx.h"

/* lea esp, [esp + delta]: moves ESP without touching flags; the 32-bit
 * destination keeps RSP's upper half zero. */
static void bt_move_esp(struct bt_ctx *c, int32_t delta)
{
    emit_insn(&c->e, ZYDIS_MNEMONIC_LEA, 0, true, 2,
              (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_ESP), eo_mem(ZYDIS_REGISTER_ESP, 0, 0, delta, 0) });
}

static ZydisRegister bt_data_reg(unsigned bytes)
{
    return bytes == 2 ? ZYDIS_REGISTER_R14W : ZYDIS_REGISTER_R14D;
}

/* Check `bytes` at gs:[esp - bytes], store `src` (register or immediate,
 * `stored` bytes wide) at their start, then move ESP. */
static void bt_push_stored(struct bt_ctx *c, ZydisEncoderOperand src, unsigned bytes, unsigned stored)
{
    ZydisEncoderOperand slot = bt_stack_mem(c, -(int32_t)bytes, (uint16_t)bytes, true);
    slot.mem.size = (uint16_t)stored;
    bt_emit_guest(c, ZYDIS_MNEMONIC_MOV, 2, (ZydisEncoderOperand[]){ slot, src });
    bt_move_esp(c, -(int32_t)bytes);
}

static void bt_push_value(struct bt_ctx *c, ZydisEncoderOperand src, unsigned bytes)
{
    bt_push_stored(c, src, bytes, bytes);
}

/* push Sreg: the selector comes from the vCPU, not from a host segment
 * register.  With a 32-bit operand size ESP moves by 4 and the checks
 * cover 4 bytes, but only the selector's 2 bytes are written: "all recent
 * Core and Atom processors perform a 16-bit move, leaving the upper portion
 * of the stack location unmodified" (SDM Vol. 2B PUSH), as
 * monitor/emu_seg.c emulates it.  Linux's system-call entry pushes three. */
static void bt_push_sreg(struct bt_ctx *c, enum x86_sreg s, unsigned bytes)
{
    int32_t sel_at = (int32_t)(offsetof(struct vcpu, seg) + (size_t)s * sizeof(struct seg_cache) +
                               offsetof(struct seg_cache, sel));
    emit2(&c->e, ZYDIS_MNEMONIC_MOVZX, eo_reg(ZYDIS_REGISTER_R14D), eo_vcpu(sel_at, 2));
    bt_push_stored(c, eo_reg(ZYDIS_REGISTER_R14W), bytes, 2);
}

void bt_rule_push(struct bt_ctx *c)
{
    const ZydisDecodedOperand *op = &c->d->op[0];
    unsigned bytes = c->d->i.operand_width / 8;
    switch (op->type) {
    case ZYDIS_OPERAND_TYPE_REGISTER:
        if (ZydisRegisterGetClass(op->reg.value) == ZYDIS_REGCLASS_SEGMENT) {
            bt_push_sreg(c, bt_sreg_of(op->reg.value), bytes);
            break;
        }
        bt_push_value(c, eo_reg(op->reg.value), bytes);
        break;
    case ZYDIS_OPERAND_TYPE_IMMEDIATE:
        bt_push_value(c, eo_imm(bytes == 2 ? (int16_t)op->imm.value.s : (int32_t)op->imm.value.s), bytes);
        break;
    case ZYDIS_OPERAND_TYPE_MEMORY: {
        ZydisEncoderOperand m;
        bt_guest_mem(c, op, 0, &m);
        bt_emit_guest(c, ZYDIS_MNEMONIC_MOV, 2, (ZydisEncoderOperand[]){ eo_reg(bt_data_reg(bytes)), m });
        bt_push_value(c, eo_reg(bt_data_reg(bytes)), bytes);
        break;
    }
    default:
        bt_exit_callout(c);
    }
}

void bt_rule_pop(struct bt_ctx *c)
{
    const ZydisDecodedOperand *op = &c->d->op[0];
    unsigned bytes = c->d->i.operand_width / 8;
    ZydisEncoderOperand top = bt_stack_mem(c, 0, (uint16_t)bytes, false);
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER && op->reg.value != ZYDIS_REGISTER_ESP &&
        op->reg.value != ZYDIS_REGISTER_SP) {
        bt_emit_guest(c, ZYDIS_MNEMONIC_MOV, 2, (ZydisEncoderOperand[]){ eo_reg(op->reg.value), top });
        bt_move_esp(c, (int32_t)bytes);
        return;
    }
    /* pop esp: ESP gets the loaded value, the increment is lost (SDM POP). */
    bt_emit_guest(c, ZYDIS_MNEMONIC_MOV, 2, (ZydisEncoderOperand[]){ eo_reg(bt_data_reg(bytes)), top });
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
        emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(op->reg.value), eo_reg(bt_data_reg(bytes)));
        return;
    }
    /* pop m: an ESP-based address is computed with ESP already incremented
     * (SDM Vol. 2B POP, "If the ESP register is used as a base register...").
     * Store before moving ESP so that a fault leaves ESP unchanged. */
    ZydisEncoderOperand m;
    bt_guest_mem(c, op, (int32_t)bytes, &m);
    bt_emit_guest(c, ZYDIS_MNEMONIC_MOV, 2, (ZydisEncoderOperand[]){ m, eo_reg(bt_data_reg(bytes)) });
    bt_move_esp(c, (int32_t)bytes);
}

/* leave: ESP = EBP, then pop EBP (16-bit operand: BP). */
void bt_rule_leave(struct bt_ctx *c)
{
    unsigned bytes = c->d->i.operand_width / 8;
    ZydisEncoderOperand m = bt_seg_mem_at(c, SREG_SS, ZYDIS_REGISTER_EBP, 0, (uint16_t)bytes, false);
    bt_emit_guest(c, ZYDIS_MNEMONIC_MOV, 2, (ZydisEncoderOperand[]){ eo_reg(bt_data_reg(bytes)), m });
    emit_insn(&c->e, ZYDIS_MNEMONIC_LEA, 0, true, 2,
              (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_ESP), eo_mem(ZYDIS_REGISTER_EBP, 0, 0, (int32_t)bytes, 0) });
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(bytes == 2 ? ZYDIS_REGISTER_BP : ZYDIS_REGISTER_EBP),
          eo_reg(bt_data_reg(bytes)));
}

/* Switch RSP to the vCPU's flag stack (guest ESP saved in r13d) and back. */
static void bt_flag_stack_enter(struct bt_ctx *c)
{
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R13D), eo_reg(ZYDIS_REGISTER_ESP));
    emit2(&c->e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_RSP), eo_vcpu(VCPU_FLAG_STACK_TOP, 0));
}

static void bt_flag_stack_leave(struct bt_ctx *c)
{
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_ESP), eo_reg(ZYDIS_REGISTER_R13D));
}

#define BT_HOST_LIVE ((int32_t)EFLAGS_HOST_LIVE)

/* pushf at CPL 0: the image is the host's status flags and DF, the virtual
 * system flags and IF; VM and RF read as 0 in it (SDM Vol. 2B PUSHF). */
void bt_rule_pushf(struct bt_ctx *c)
{
    if ((c->tb->key.mode & TB_MODE_CPL_MASK) != 0) {
        bt_exit_callout(c);
        return;
    }
    unsigned bytes = c->d->i.operand_width / 8;
    struct emitter *e = &c->e;
    bt_flag_stack_enter(c);
    emit0(e, ZYDIS_MNEMONIC_PUSHFQ);
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R14), eo_mem(ZYDIS_REGISTER_RSP, 0, 0, 0, 8));
    emit2(e, ZYDIS_MNEMONIC_AND, eo_reg(ZYDIS_REGISTER_R14D), eo_imm(BT_HOST_LIVE));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R12D), eo_vcpu(VCPU_EFLAGS, 4));
    emit2(e, ZYDIS_MNEMONIC_AND, eo_reg(ZYDIS_REGISTER_R12D),
          eo_imm((int32_t)~(EFLAGS_HOST_LIVE | EFLAGS_IF | EFLAGS_VM | EFLAGS_RF)));
    emit2(e, ZYDIS_MNEMONIC_OR, eo_reg(ZYDIS_REGISTER_R14D), eo_reg(ZYDIS_REGISTER_R12D));
    emit2(e, ZYDIS_MNEMONIC_OR, eo_reg(ZYDIS_REGISTER_R14D), eo_vcpu(VCPU_IF_MASK, 4));
    emit0(e, ZYDIS_MNEMONIC_POPFQ);
    bt_flag_stack_leave(c);
    bt_push_value(c, eo_reg(bt_data_reg(bytes)), bytes);
}

/* jnz rel32 with the displacement to fill in later; returns its offset. */
static size_t bt_emit_jnz_rel32(struct emitter *e)
{
    emit_u8(e, 0x0f);
    emit_u8(e, 0x85);
    size_t at = e->len;
    emit_u32(e, 0);
    return at;
}

/* Point the rel32 at buffer offset `at` to buffer offset `target`. */
static void bt_patch_rel32(struct emitter *e, size_t at, size_t target)
{
    int32_t rel = (int32_t)(target - (at + 4));
    memcpy(e->buf + at, &rel, 4);
}

/* Load the host flags from r14 (status flags and DF already masked in). */
static void bt_load_host_flags(struct bt_ctx *c)
{
    bt_flag_stack_enter(c);
    emit1(&c->e, ZYDIS_MNEMONIC_PUSH, eo_reg(ZYDIS_REGISTER_R14));
    emit0(&c->e, ZYDIS_MNEMONIC_POPFQ);
    bt_flag_stack_leave(c);
}

/* popf at CPL 0 changes every flag but VM, VIP, VIF and clears RF (SDM Vol.
 * 2B POPF, "CPL = 0").  A 16-bit popf changes only the low 16 bits. */
void bt_rule_popf(struct bt_ctx *c)
{
    if ((c->tb->key.mode & TB_MODE_CPL_MASK) != 0) {
        bt_exit_callout(c);
        return;
    }
    struct emitter *e = &c->e;
    unsigned bytes = c->d->i.operand_width / 8;
    ZydisEncoderOperand top = bt_stack_mem(c, 0, (uint16_t)bytes, false);
    if (bytes == 2) {
        bt_emit_guest(c, ZYDIS_MNEMONIC_MOVZX, 2, (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_R14D), top });
        emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R13D), eo_vcpu(VCPU_EFLAGS, 4));
        emit2(e, ZYDIS_MNEMONIC_AND, eo_reg(ZYDIS_REGISTER_R13D), eo_imm((int32_t)0xffff0000));
        emit2(e, ZYDIS_MNEMONIC_OR, eo_reg(ZYDIS_REGISTER_R14D), eo_reg(ZYDIS_REGISTER_R13D));
    } else {
        bt_emit_guest(c, ZYDIS_MNEMONIC_MOV, 2, (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_R14D), top });
    }
    bt_move_esp(c, (int32_t)bytes);
    /* From here the host flags are dead: popf replaces them all. */
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R13D), eo_reg(ZYDIS_REGISTER_R14D));
    emit2(e, ZYDIS_MNEMONIC_AND, eo_reg(ZYDIS_REGISTER_R13D), eo_imm((int32_t)EFLAGS_IF));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_vcpu(VCPU_IF_MASK, 4), eo_reg(ZYDIS_REGISTER_R13D));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R13D), eo_reg(ZYDIS_REGISTER_R14D));
    emit2(e, ZYDIS_MNEMONIC_AND, eo_reg(ZYDIS_REGISTER_R13D),
          eo_imm((int32_t)(EFLAGS_TF | EFLAGS_IOPL | EFLAGS_NT | EFLAGS_AC | EFLAGS_ID)));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R12D), eo_vcpu(VCPU_EFLAGS, 4));
    emit2(e, ZYDIS_MNEMONIC_AND, eo_reg(ZYDIS_REGISTER_R12D),
          eo_imm((int32_t)(EFLAGS_VM | EFLAGS_VIF | EFLAGS_VIP)));
    emit2(e, ZYDIS_MNEMONIC_OR, eo_reg(ZYDIS_REGISTER_R12D), eo_reg(ZYDIS_REGISTER_R13D));
    emit2(e, ZYDIS_MNEMONIC_OR, eo_reg(ZYDIS_REGISTER_R12D), eo_imm((int32_t)EFLAGS_FIXED));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_vcpu(VCPU_EFLAGS, 4), eo_reg(ZYDIS_REGISTER_R12D));
    emit2(e, ZYDIS_MNEMONIC_AND, eo_reg(ZYDIS_REGISTER_R14D), eo_imm(BT_HOST_LIVE));
    emit2(e, ZYDIS_MNEMONIC_OR, eo_reg(ZYDIS_REGISTER_R14D), eo_imm(0x202));
    /* Leave through the dispatcher when popf set TF (the following code
     * must be translated one instruction per block, then #DB) or set IF
     * while an interrupt waits (it must be taken now). */
    emit2(e, ZYDIS_MNEMONIC_TEST, eo_reg(ZYDIS_REGISTER_R12D), eo_imm((int32_t)EFLAGS_TF));
    size_t jnz_tf = bt_emit_jnz_rel32(e);
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R13D), eo_vcpu(VCPU_IF_MASK, 4));
    emit2(e, ZYDIS_MNEMONIC_TEST, eo_vcpu(VCPU_IRQ_PENDING, 4), eo_reg(ZYDIS_REGISTER_R13D));
    size_t jnz_irq = bt_emit_jnz_rel32(e);
    bt_load_host_flags(c);
    emit_u8(e, 0xe9); /* jmp rel32 over the slow path */
    size_t jmp_at = e->len;
    emit_u32(e, 0);
    if (e->failed)
        return;
    bt_patch_rel32(e, jnz_tf, e->len);
    bt_patch_rel32(e, jnz_irq, e->len);
    bt_load_host_flags(c);
    bt_exit_direct_unchained(c, c->next_eip);
    c->ended = false; /* the fast path goes on translating */
    bt_patch_rel32(e, jmp_at, e->len);
}

/* cli/sti at CPL 0: one store to the virtual IF.  After sti, a waiting
 * interrupt sends the block to the dispatcher, flag-free: rcx borrows the
 * pending word for jrcxz (which reads no flags). */
void bt_rule_cli_sti(struct bt_ctx *c)
{
    if ((c->tb->key.mode & TB_MODE_CPL_MASK) != 0) {
        bt_exit_callout(c);
        return;
    }
    struct emitter *e = &c->e;
    int32_t value = c->rule == RULE_STI ? (int32_t)EFLAGS_IF : 0;
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_vcpu(VCPU_IF_MASK, 4), eo_imm(value));
    if (c->rule != RULE_STI)
        return;
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R12), eo_reg(ZYDIS_REGISTER_RCX));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_ECX), eo_vcpu(VCPU_IRQ_PENDING, 4));
    emit_u8(e, 0xe3); /* jrcxz none_waiting */
    size_t rel_at = e->len;
    emit_u8(e, 0);
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R12), eo_reg(ZYDIS_REGISTER_RCX));
    bt_exit_after_sti(c, c->next_eip);
    if (e->failed)
        return;
    if (e->len - (rel_at + 1) > 127) {
        c->failed = true;
        return;
    }
    e->buf[rel_at] = (uint8_t)(e->len - (rel_at + 1));
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R12), eo_reg(ZYDIS_REGISTER_RCX));
    /* One sti per block keeps the block's exit descriptors bounded. */
    bt_exit_direct(c, c->next_eip);
}
