/*
 * rule_sreg.c: mov Sreg, r and pop Sreg — inline from the segment-descriptor
 * cache (monitor/segcache.h), with the monitor's full load as the fallback.
 *
 * For mov ds, eax in a flat CPL 0 block the translation is
 *
 *   movzx r14d, ax                      ; the selector
 *   rorx r8d, r14d, 3 ; movzx r8d, r8b  ; entry index: selector bits 3..10
 *   lea r8, [r8*8]                      ; entry = r15 + CACHE + r8*8 (64 bytes)
 *   mov r10d, [entry.tag_flat]
 *   lea r10d, [r10 + r14 + KEY]         ; 0 exactly when key and tag match
 *   xchg r10, rcx ; jrcxz +5 ; xchg r10, rcx ; jmp miss
 *   xchg r10, rcx
 *   mov r10, [entry.desc_host] ; mov r10, [r10]   ; the descriptor now
 *   mov r12, [entry.desc_neg] ; lea r10, [r10 + r12]
 *   xchg r10, rcx ; jrcxz +5 ; xchg r10, rcx ; jmp miss
 *   xchg r10, rcx
 *   mov r10, [entry.image]   ; mov [seg[DS]], r10     ; selector, base
 *   mov r10, [entry.image+8] ; mov [seg[DS]+8], r10   ; limit, attributes
 *   mov r10d, [entry.image.base] ; mov [seg_base[DS]], r10d
 *   (count it) ; jmp done
 * miss:
 *   the callout (helper_callout.c): the monitor loads DS and fills the entry
 * done:
 *
 * No instruction on the way touches the guest's flags (lea, mov, xchg,
 * jrcxz, rorx, movzx).  pop Sreg reads the selector from the stack first
 * (the probe: a #PF there comes before any segment check, as on the CPU)
 * and moves ESP on the hit path; the callout redoes the whole instruction.
 */
#include <stddef.h>

#include "bt/ctx.h"
#include "monitor/segcache.h"

/* r/m offsets of the entry fields from r15, for an index in r8 scaled by 8. */
static ZydisEncoderOperand bt_sc_field(size_t field, uint16_t size)
{
    int32_t at = (int32_t)(offsetof(struct vcpu, segcache) + field);
    return eo_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_R8, 8, at, size);
}

/* The segment registers a cached load may change without changing the
 * block's mode: never CS or SS (mov ss blocks interrupts for an
 * instruction), and only one unrestricted now (its bit in the key clear). */
static bool bt_sreg_inline_ok(const struct bt_ctx *c, enum x86_sreg s)
{
    if (s != SREG_DS && s != SREG_ES && s != SREG_FS && s != SREG_GS)
        return false;
    return bt_softmmu(c) && bt_callout_in_block(c) && !(c->tb->key.mode & TB_MODE_CHECK(s));
}

/* xchg r10, rcx ; jrcxz over the miss jump ; xchg back ; jmp rel32 miss
 * (patched later) ; then the hit's xchg.  Returns where the rel32 is. */
static size_t bt_sc_branch_on_r10(struct bt_ctx *c)
{
    struct emitter *e = &c->e;
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R10), eo_reg(ZYDIS_REGISTER_RCX));
    static const uint8_t jrcxz_hit[] = { 0xe3, 0x08 }; /* over xchg (3) and jmp rel32 (5) */
    emit_bytes(e, jrcxz_hit, sizeof jrcxz_hit);
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R10), eo_reg(ZYDIS_REGISTER_RCX));
    static const uint8_t jmp_miss[] = { 0xe9, 0, 0, 0, 0 };
    size_t rel = e->len + 1;
    emit_bytes(e, jmp_miss, sizeof jmp_miss);
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R10), eo_reg(ZYDIS_REGISTER_RCX));
    return rel;
}

static void bt_patch_rel32(struct emitter *e, size_t rel, size_t target)
{
    if (e->failed)
        return;
    int32_t d = (int32_t)(target - (rel + 4));
    for (unsigned i = 0; i < 4; i++)
        e->buf[rel + i] = (uint8_t)((uint32_t)d >> (8 * i));
}

/* With the selector in r14d: the lookup, the copy on a hit, the callout on a miss. */
static void bt_sreg_cached_load(struct bt_ctx *c, enum x86_sreg s, int32_t esp_delta)
{
    struct emitter *e = &c->e;
    bool flat = c->flat && (s == SREG_DS || s == SREG_ES);
    unsigned cpl = c->tb->key.mode & TB_MODE_CPL_MASK;
    int32_t key = (int32_t)segcache_key(0, cpl, flat);
    emit_insn(e, ZYDIS_MNEMONIC_RORX, 0, false, 3,
              (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_R8D), eo_reg(ZYDIS_REGISTER_R14D), eo_imm(3) });
    emit2(e, ZYDIS_MNEMONIC_MOVZX, eo_reg(ZYDIS_REGISTER_R8D), eo_reg(ZYDIS_REGISTER_R8B));
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R8), eo_mem(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_R8, 8, 0, 0));
    size_t tag = flat ? offsetof(struct segcache_entry, tag_flat) : offsetof(struct segcache_entry, tag_any);
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R10D), bt_sc_field(tag, 4));
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R10D),
          eo_mem(ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R14, 1, key, 0));
    size_t miss_tag = bt_sc_branch_on_r10(c);
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R10),
          bt_sc_field(offsetof(struct segcache_entry, desc_host), 8));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R10), eo_mem(ZYDIS_REGISTER_R10, 0, 0, 0, 8));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R12),
          bt_sc_field(offsetof(struct segcache_entry, desc_neg), 8));
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R10), eo_mem(ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R12, 1, 0, 0));
    size_t miss_desc = bt_sc_branch_on_r10(c);
    /* Hit: the register's hidden part (16 bytes) and the base copy. */
    size_t img = offsetof(struct segcache_entry, image);
    int32_t seg_at = (int32_t)(offsetof(struct vcpu, seg) + (size_t)s * sizeof(struct seg_cache));
    _Static_assert(sizeof(struct seg_cache) == 16, "two 8-byte moves copy a seg_cache");
    for (int32_t half = 0; half < 16; half += 8) {
        emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R10), bt_sc_field(img + (size_t)half, 8));
        emit2(e, ZYDIS_MNEMONIC_MOV, eo_vcpu(seg_at + half, 8), eo_reg(ZYDIS_REGISTER_R10));
    }
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R10D),
          bt_sc_field(img + offsetof(struct seg_cache, base), 4));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_vcpu(VCPU_SEG_BASE + 4 * (int32_t)s, 4), eo_reg(ZYDIS_REGISTER_R10D));
    if (esp_delta)
        emit_insn(e, ZYDIS_MNEMONIC_LEA, 0, true, 2,
                  (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_ESP),
                                           eo_mem(ZYDIS_REGISTER_ESP, 0, 0, esp_delta, 0) });
    int32_t counter = (int32_t)(offsetof(struct vm, stats.seg_inline_loads) - offsetof(struct vm, cpu));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R10), eo_vcpu(counter, 8));
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R10), eo_mem(ZYDIS_REGISTER_R10, 0, 0, 1, 0));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_vcpu(counter, 8), eo_reg(ZYDIS_REGISTER_R10));
    static const uint8_t jmp_done[] = { 0xe9, 0, 0, 0, 0 };
    size_t done = e->len + 1;
    emit_bytes(e, jmp_done, sizeof jmp_done);
    bt_patch_rel32(e, miss_tag, e->len);
    bt_patch_rel32(e, miss_desc, e->len);
    bt_exit_callout(c); /* in the block: comes back right here */
    bt_patch_rel32(e, done, e->len);
}

/* The 16-bit register naming the same GPR as r (ax for eax or ax). */
static ZydisRegister bt_reg16(ZydisRegister r)
{
    return ZydisRegisterEncode(ZYDIS_REGCLASS_GPR16, ZydisRegisterGetId(r));
}

void bt_rule_load_sreg(struct bt_ctx *c)
{
    const struct decoded_insn *d = c->d;
    const ZydisDecodedOperand *dst = &d->op[0];
    if (dst->type != ZYDIS_OPERAND_TYPE_REGISTER || ZydisRegisterGetClass(dst->reg.value) != ZYDIS_REGCLASS_SEGMENT) {
        bt_exit_callout(c); /* mov r/m, Sreg */
        return;
    }
    enum x86_sreg s = bt_sreg_of(dst->reg.value);
    if (!bt_sreg_inline_ok(c, s)) {
        bt_exit_callout(c);
        return;
    }
    if (d->i.mnemonic == ZYDIS_MNEMONIC_POP) {
        unsigned bytes = d->i.operand_width / 8;
        ZydisEncoderOperand top = bt_stack_mem(c, 0, (uint16_t)bytes, false);
        top.mem.size = 2; /* the selector: the low word of what is popped */
        bt_emit_guest(c, ZYDIS_MNEMONIC_MOVZX, 2, (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_R14D), top });
        bt_sreg_cached_load(c, s, (int32_t)bytes);
        return;
    }
    const ZydisDecodedOperand *src = &d->op[1];
    if (src->type != ZYDIS_OPERAND_TYPE_REGISTER) {
        bt_exit_callout(c); /* mov Sreg, m16 */
        return;
    }
    emit2(&c->e, ZYDIS_MNEMONIC_MOVZX, eo_reg(ZYDIS_REGISTER_R14D), eo_reg(bt_reg16(src->reg.value)));
    bt_sreg_cached_load(c, s, 0);
}
