/*
 * rule_exit.c: the ways out of a translated block.
 *
 * A direct exit begins with a patchable `jmp rel32`.  Unchained, it jumps to
 * the very next instruction, which stores the target EIP and returns to the
 * dispatcher through the shared exit stub with this exit's descriptor; the
 * dispatcher then chains it by pointing the rel32 at the target block:
 *
 *   E9 00000000          jmp +0            ; patched to the target's code
 *   41 C7 47 20 imm32    mov dword [r15+EIP], target
 *   49 BE imm64          mov r14, &desc
 *   E9 rel32             jmp exit_stub
 *
 * An indirect exit looks the target (r14d) up in the vCPU's indirect-branch
 * table without disturbing the guest's flags: the entry's tag holds -EIP,
 * so tag + target is zero on a hit, and jrcxz (which reads no flags) tests
 * it after swapping rcx with the scratch register.
 */
#include <stddef.h>

#include "bt/ctx.h"
#include "bt/probe.h"

static void bt_exit_store_eip(struct bt_ctx *c, uint32_t eip)
{
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_vcpu(VCPU_EIP, 4), eo_imm((int32_t)eip));
}

static void bt_exit_to_monitor(struct bt_ctx *c, struct exit_desc *x)
{
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R14), eo_imm((int64_t)(uintptr_t)x));
    emit_jmp_abs(&c->e, tc_exit_stub(c->tc));
}

static void bt_exit_direct_slot(struct bt_ctx *c, uint32_t target_eip, bool chainable)
{
    struct tblock *tb = c->tb;
    chainable = chainable && tb->nexits < TB_MAX_EXITS;
    /* Unchained exits of a block all say the same thing: share one descriptor. */
    if (!chainable && !c->unchained_desc)
        c->unchained_desc = bt_new_desc(c, EXIT_DIRECT);
    struct exit_desc *x = chainable ? bt_new_desc(c, EXIT_DIRECT) : c->unchained_desc;
    if (chainable) {
        struct tb_exit *slot = &tb->exits[tb->nexits];
        x->slot = tb->nexits++;
        slot->from = tb;
        slot->target_eip = target_eip;
        slot->jmp_off = (uint32_t)c->e.len;
        emit_jmp_abs(&c->e, emit_here(&c->e) + 5);
    } else {
        x->slot = 0xff; /* never chained */
    }
    bt_exit_store_eip(c, target_eip);
    bt_exit_to_monitor(c, x);
    c->ended = true;
}

void bt_exit_direct(struct bt_ctx *c, uint32_t target_eip)
{
    bt_exit_direct_slot(c, target_eip, true);
}

void bt_exit_direct_unchained(struct bt_ctx *c, uint32_t target_eip)
{
    bt_exit_direct_slot(c, target_eip, false);
}

void bt_exit_after_sti(struct bt_ctx *c, uint32_t target_eip)
{
    struct exit_desc *x = bt_new_desc(c, EXIT_DIRECT);
    x->slot = 0xff;
    x->flags = EXIT_F_SHADOW;
    bt_exit_store_eip(c, target_eip);
    bt_exit_to_monitor(c, x);
    c->ended = true;
}

void bt_exit_indirect(struct bt_ctx *c)
{
    struct emitter *e = &c->e;
    c->ended = true;
    if ((c->tb->key.mode & TB_MODE_TF) || c->tb->ephemeral) {
        /* Single-stepping or a one-off block: every exit must reach the dispatcher. */
        emit_jmp_abs(e, tc_ibl_miss_stub(c->tc));
        return;
    }
    /* r13 = &table[target & 0xffff] (16-byte entries); r12 = its tag. */
    emit2(e, ZYDIS_MNEMONIC_MOVZX, eo_reg(ZYDIS_REGISTER_R13D), eo_reg(ZYDIS_REGISTER_R14W));
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R13),
          eo_mem(ZYDIS_REGISTER_R13, ZYDIS_REGISTER_R13, 1, 0, 0));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R12), eo_vcpu(VCPU_IBL, 8));
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R13),
          eo_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13, 8, 0, 0));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R12), eo_mem(ZYDIS_REGISTER_R13, 0, 0, 0, 8));
    /* r12d = tag + target: zero exactly on a hit (32-bit, so it wraps). */
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R12D),
          eo_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R14, 1, 0, 0));
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R12), eo_reg(ZYDIS_REGISTER_RCX));
    static const uint8_t jrcxz_hit[] = { 0xe3, 0x08 };           /* jrcxz +8 (to hit) */
    emit_bytes(e, jrcxz_hit, sizeof jrcxz_hit);
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R12), eo_reg(ZYDIS_REGISTER_RCX)); /* 3 bytes */
    emit_jmp_abs(e, tc_ibl_miss_stub(c->tc));                     /* 5 bytes */
    /* hit: count it (with mov/lea, which leave the flags alone) and go. */
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R12), eo_reg(ZYDIS_REGISTER_RCX));
    int32_t counter = (int32_t)(offsetof(struct vm, stats.tc_ibl_hits) - offsetof(struct vm, cpu));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R12), eo_vcpu(counter, 8));
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R12), eo_mem(ZYDIS_REGISTER_R12, 0, 0, 1, 0));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_vcpu(counter, 8), eo_reg(ZYDIS_REGISTER_R12));
    emit1(e, ZYDIS_MNEMONIC_JMP, eo_mem(ZYDIS_REGISTER_R13, 0, 0, 8, 8));
}

/* May this callout run from inside the block (in-process engine)?  Not
 * when the block single-steps (the run loop raises #DB after it), not in a
 * one-off block, not for hlt, and not when the block is out of room. */
bool bt_callout_in_block(const struct bt_ctx *c)
{
    return bt_softmmu(c) && !(c->tb->key.mode & TB_MODE_TF) && !c->tb->ephemeral && c->co_kind != CO_HLT &&
           c->ncallouts + 1 < BT_MAX_CALLOUTS && c->tb->ndescs + 4 < BT_MAX_DESCS;
}

/* A control transfer: nothing of the block follows it. */
static bool bt_callout_transfers(enum callout_kind k)
{
    return k == CO_INTERRUPT || k == CO_FAR_TRANSFER;
}

void bt_exit_callout(struct bt_ctx *c)
{
    struct exit_desc *x = bt_new_desc(c, EXIT_CALLOUT);
    x->callout_kind = (uint16_t)c->co_kind;
    x->insn = &c->callout_insns[c->ncallouts++]; /* bt_finish_callouts moves it into the block */
    *x->insn = *c->d;
    if (bt_callout_in_block(c)) {
        /* The monitor emulates the instruction from inside the block
         * (monitor/helper_callout.c) and comes back after it, or goes
         * straight on to the next block, or leaves to the dispatcher. */
        emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R13), eo_imm((int64_t)(uintptr_t)x));
        bool user = (c->tb->key.mode & TB_MODE_CPL_MASK) == 3;
        bt_emit_helper_call(c, helper_info(HELPER_CALLOUT, 0, false, user));
        c->ended = bt_callout_transfers(c->co_kind);
        if (c->ended) { /* the helper never comes back after a control transfer */
            static const uint8_t ud2[] = { 0x0f, 0x0b };
            emit_bytes(&c->e, ud2, sizeof ud2);
        }
        return;
    }
    bt_exit_store_eip(c, c->d->eip);
    bt_exit_to_monitor(c, x);
    c->ended = true;
}

void bt_exit_raise(struct bt_ctx *c, uint8_t vector, uint8_t event_kind, uint32_t eip)
{
    /* The EIP is stored by the code, so faults of one vector share a descriptor. */
    bool shareable = event_kind == EV_FAULT && vector < 32;
    struct exit_desc *x = shareable ? c->raise_desc[vector] : NULL;
    if (!x) {
        x = bt_new_desc(c, EXIT_RAISE);
        x->vector = vector;
        x->event_kind = event_kind;
        if (shareable)
            c->raise_desc[vector] = x;
    }
    bt_exit_store_eip(c, eip);
    bt_exit_to_monitor(c, x);
    c->ended = true;
}
