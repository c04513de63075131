/*
 * rule_branch.c: near control transfers — jmp, jcc, loop/jecxz, call, ret.
 *
 * Each ends the block.  Direct targets become direct exits (chainable);
 * computed targets are loaded into r14d and leave through the inline
 * indirect-branch lookup.  call and ret do their stack work the same
 * store-first way as push and pop (rule_stack.c), and a target loaded from
 * memory is read before anything changes, so every fault is precise.
 *
 *   jz L        ->  jz taken ; <exit to next> ; taken: <exit to L>
 *   call L      ->  mov dword gs:[esp-4], next ; lea esp, [esp-4] ; <exit to L>
 *   ret         ->  mov r14d, gs:[esp] ; lea esp, [esp+4] ; <indirect exit>
 */
#include <string.h>

#include "bt/ctx.h"

static uint32_t bt_branch_target(const struct bt_ctx *c)
{
    ZyanU64 target = 0;
    ZydisCalcAbsoluteAddress(&c->d->i, &c->d->op[0], c->d->eip, &target);
    /* A 16-bit operand size truncates EIP to 16 bits (SDM Vol. 2A JMP). */
    return c->d->i.operand_width == 16 ? (uint32_t)target & 0xffffu : (uint32_t)target;
}

static bool bt_is_direct(const struct bt_ctx *c)
{
    return c->d->op[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE;
}

/* r14d = the computed target of an indirect jmp/call (register or memory). */
static void bt_load_target(struct bt_ctx *c)
{
    const ZydisDecodedOperand *op = &c->d->op[0];
    bool narrow = c->d->i.operand_width == 16;
    ZydisMnemonic m = narrow ? ZYDIS_MNEMONIC_MOVZX : ZYDIS_MNEMONIC_MOV;
    if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
        emit2(&c->e, m, eo_reg(BT_R_DATA), eo_reg(op->reg.value));
        return;
    }
    ZydisEncoderOperand mem;
    bt_guest_mem(c, op, 0, &mem);
    bt_emit_guest(c, m, 2, (ZydisEncoderOperand[]){ eo_reg(BT_R_DATA), mem });
}

void bt_rule_jmp(struct bt_ctx *c)
{
    if (bt_is_direct(c)) {
        bt_exit_direct(c, bt_branch_target(c));
        return;
    }
    bt_load_target(c);
    bt_exit_indirect(c);
}

/* The condition nibble: 7x rel8 and 0F 8x rel32 share it (SDM Vol. 2A Jcc). */
static uint8_t bt_jcc_condition(const struct decoded_insn *d)
{
    unsigned np = d->i.raw.prefix_count;
    return d->bytes[np] == 0x0f ? d->bytes[np + 1] & 0xf : d->bytes[np] & 0xf;
}

void bt_rule_jcc(struct bt_ctx *c)
{
    struct emitter *e = &c->e;
    uint32_t taken = bt_branch_target(c);
    emit_u8(e, 0x0f);
    emit_u8(e, (uint8_t)(0x80 | bt_jcc_condition(c->d)));
    size_t rel_at = e->len;
    emit_u32(e, 0);
    bt_exit_direct(c, c->next_eip);
    if (e->failed)
        return;
    int32_t rel = (int32_t)(e->len - (rel_at + 4));
    memcpy(e->buf + rel_at, &rel, 4);
    bt_exit_direct(c, taken);
}

/* loop/loope/loopne/jecxz with ECX: the same opcode with an address-size
 * prefix uses ECX in 64-bit mode (SDM Vol. 2A LOOPcc, "address size").  It
 * jumps over a short jmp to the taken exit. */
void bt_rule_loop(struct bt_ctx *c)
{
    struct emitter *e = &c->e;
    if (c->d->i.address_width == 16) {
        bt_exit_callout(c); /* CX-based forms */
        return;
    }
    uint32_t taken = bt_branch_target(c);
    uint8_t op = c->d->bytes[c->d->i.raw.prefix_count];
    const uint8_t head[] = { 0x67, op, 0x02 }; /* loopcc/jecxz +2: skip the jmp below */
    emit_bytes(e, head, sizeof head);
    emit_u8(e, 0xeb); /* jmp short over the taken exit */
    size_t rel_at = e->len;
    emit_u8(e, 0);
    bt_exit_direct(c, taken);
    if (e->failed)
        return;
    size_t span = e->len - (rel_at + 1);
    if (span > 127) {
        c->failed = true;
        return;
    }
    e->buf[rel_at] = (uint8_t)span;
    bt_exit_direct(c, c->next_eip);
}

static void bt_push_return(struct bt_ctx *c)
{
    unsigned bytes = c->d->i.operand_width / 8;
    uint32_t ret = bytes == 2 ? c->next_eip & 0xffffu : c->next_eip;
    ZydisEncoderOperand slot = bt_stack_mem(c, -(int32_t)bytes, (uint16_t)bytes, true);
    bt_emit_guest(c, ZYDIS_MNEMONIC_MOV, 2,
                  (ZydisEncoderOperand[]){ slot, eo_imm(bytes == 2 ? (int16_t)ret : (int32_t)ret) });
    emit_insn(&c->e, ZYDIS_MNEMONIC_LEA, 0, true, 2,
              (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_ESP), eo_mem(ZYDIS_REGISTER_ESP, 0, 0, -(int32_t)bytes, 0) });
}

void bt_rule_call(struct bt_ctx *c)
{
    if (bt_is_direct(c)) {
        uint32_t target = bt_branch_target(c);
        bt_push_return(c);
        bt_exit_direct(c, target);
        return;
    }
    bt_load_target(c); /* before the push: an ESP-based operand sees the old ESP */
    bt_push_return(c);
    bt_exit_indirect(c);
}

void bt_rule_ret(struct bt_ctx *c)
{
    unsigned bytes = c->d->i.operand_width / 8;
    int32_t pop = (int32_t)bytes;
    if (c->d->i.operand_count_visible > 0 && c->d->op[0].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
        pop += (int32_t)(uint16_t)c->d->op[0].imm.value.u;
    ZydisEncoderOperand top = bt_stack_mem(c, 0, (uint16_t)bytes, false);
    ZydisMnemonic m = bytes == 2 ? ZYDIS_MNEMONIC_MOVZX : ZYDIS_MNEMONIC_MOV;
    bt_emit_guest(c, m, 2, (ZydisEncoderOperand[]){ eo_reg(BT_R_DATA), top });
    emit_insn(&c->e, ZYDIS_MNEMONIC_LEA, 0, true, 2,
              (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_ESP), eo_mem(ZYDIS_REGISTER_ESP, 0, 0, pop, 0) });
    bt_exit_indirect(c);
}
