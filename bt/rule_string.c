/*
 * rule_string.c: movs, stos, lods, cmps, scas, with or without rep.
 *
 * The destination of a string instruction is always ES:EDI and cannot take
 * a segment override, and in 64-bit mode ES has base 0 (SDM Vol. 1 §3.4.2.1),
 * so GS cannot rebase it.  Instead the translation runs the string
 * instruction with 64-bit addresses and biases the pointer registers for
 * its duration: RSI = W + segment base + ESI, RDI = W + ES base + EDI.
 * A fault in the middle of a rep leaves them biased; the PC map marks the
 * instruction BT_FIX_STRING so the signal handler subtracts the bias again
 * and the guest sees exact, restartable ESI/EDI/ECX.
 *
 *   rep movsd  ->  mov ecx, ecx ; mov esi, esi ; lea rsi, [rsi+W]
 *                  mov edi, edi ; lea rdi, [rdi+W] ; rep movsd
 *                  lea esi, [rsi-W] ; lea edi, [rdi-W]
 */
#include "bt/ctx.h"
#include "bt/probe.h"

#define BT_W ((int32_t)GMEM_WINDOW_BASE)

static enum x86_sreg bt_string_src_seg(const struct decoded_insn *d)
{
    for (unsigned i = 0; i < d->i.operand_count; i++) {
        const ZydisDecodedOperand *op = &d->op[i];
        if (op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
            (op->mem.base == ZYDIS_REGISTER_ESI || op->mem.base == ZYDIS_REGISTER_SI)) {
            return bt_sreg_of(op->mem.segment);
        }
    }
    return SREG_DS;
}

static bool bt_string_uses(const struct decoded_insn *d, ZydisRegister base)
{
    for (unsigned i = 0; i < d->i.operand_count; i++)
        if (d->op[i].type == ZYDIS_OPERAND_TYPE_MEMORY && d->op[i].mem.base == base)
            return true;
    return false;
}


/* reg64 = W + seg base + reg32 */
static void bt_string_bias(struct bt_ctx *c, ZydisRegister r32, ZydisRegister r64, enum x86_sreg s)
{
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(r32), eo_reg(r32));
    if (bt_seg_base_zero(c, s)) {
        emit2(&c->e, ZYDIS_MNEMONIC_LEA, eo_reg(r64), eo_mem(r64, 0, 0, BT_W, 0));
        return;
    }
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(BT_R_BASE), eo_vcpu(VCPU_SEG_BASE + 4 * (int)s, 4));
    emit2(&c->e, ZYDIS_MNEMONIC_LEA, eo_reg(r64), eo_mem(r64, ZYDIS_REGISTER_R12, 1, BT_W, 0));
}

/* reg32 = (reg64 - W - seg base) mod 2^32, without touching the flags the
 * instruction just produced: -base is computed as ~base + 1 (not sets no flags). */
static void bt_string_unbias(struct bt_ctx *c, ZydisRegister r32, ZydisRegister r64, enum x86_sreg s)
{
    if (bt_seg_base_zero(c, s)) {
        emit2(&c->e, ZYDIS_MNEMONIC_LEA, eo_reg(r32), eo_mem(r64, 0, 0, -BT_W, 0));
        return;
    }
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(BT_R_BASE), eo_vcpu(VCPU_SEG_BASE + 4 * (int)s, 4));
    emit1(&c->e, ZYDIS_MNEMONIC_NOT, eo_reg(BT_R_BASE));
    emit2(&c->e, ZYDIS_MNEMONIC_LEA, eo_reg(r32), eo_mem(r64, ZYDIS_REGISTER_R12, 1, 1 - BT_W, 0));
}

/* The guest's prefixes minus segment overrides and 0x67, then the opcode. */
static void bt_string_emit_insn(struct bt_ctx *c)
{
    const struct decoded_insn *d = c->d;
    unsigned np = d->i.raw.prefix_count;
    for (unsigned i = 0; i < np; i++) {
        uint8_t p = d->bytes[i];
        if (p == 0xf2 || p == 0xf3 || p == 0x66)
            emit_u8(&c->e, p);
    }
    emit_u8(&c->e, d->bytes[np]);
}

/* The in-process engine: every element needs its own soft-MMU translation,
 * so the whole instruction runs in the monitor's string helper without
 * leaving the block (monitor/helper_string.c). */
static void bt_string_helper(struct bt_ctx *c, enum x86_sreg sseg)
{
    const struct decoded_insn *d = c->d;
    unsigned op;
    switch (d->i.mnemonic) {
    case ZYDIS_MNEMONIC_MOVSB: case ZYDIS_MNEMONIC_MOVSW: case ZYDIS_MNEMONIC_MOVSD: op = HELPER_STR_MOVS; break;
    case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_STOSW: case ZYDIS_MNEMONIC_STOSD: op = HELPER_STR_STOS; break;
    case ZYDIS_MNEMONIC_LODSB: case ZYDIS_MNEMONIC_LODSW: case ZYDIS_MNEMONIC_LODSD: op = HELPER_STR_LODS; break;
    case ZYDIS_MNEMONIC_CMPSB: case ZYDIS_MNEMONIC_CMPSW: case ZYDIS_MNEMONIC_CMPSD: op = HELPER_STR_CMPS; break;
    case ZYDIS_MNEMONIC_SCASB: case ZYDIS_MNEMONIC_SCASW: case ZYDIS_MNEMONIC_SCASD: op = HELPER_STR_SCAS; break;
    default:
        bt_exit_callout(c);
        return;
    }
    /* F3 is rep (repe for cmps/scas), F2 repne; on movs/stos/lods both
     * repeat on ECX alone. */
    unsigned rep = HELPER_STR_NOREP;
    if (d->i.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE))
        rep = HELPER_STR_REPE;
    else if (d->i.attributes & ZYDIS_ATTRIB_HAS_REPNE)
        rep = op == HELPER_STR_CMPS || op == HELPER_STR_SCAS ? HELPER_STR_REPNE : HELPER_STR_REPE;
    unsigned size = d->i.operand_width / 8;
    bool user = (c->tb->key.mode & TB_MODE_CPL_MASK) == 3;
    uint32_t info = ((uint32_t)HELPER_STRING << HELPER_INFO_KIND_SHIFT) | size | (op << HELPER_STR_OP_SHIFT) |
                    (rep << HELPER_STR_REP_SHIFT) | ((uint32_t)sseg << HELPER_STR_SEG_SHIFT) |
                    ((uint32_t)d->i.length << HELPER_STR_LEN_SHIFT) | (user ? HELPER_INFO_USER : 0);
    bt_emit_helper_call(c, info);
}

void bt_rule_string(struct bt_ctx *c)
{
    const struct decoded_insn *d = c->d;
    if (d->i.address_width == 16) {
        bt_exit_callout(c); /* SI/DI/CX wrap at 64 KiB: the monitor emulates it */
        return;
    }

    bool rep = d->i.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE);
    bool src = bt_string_uses(d, ZYDIS_REGISTER_ESI);
    bool dst = bt_string_uses(d, ZYDIS_REGISTER_EDI);
    enum x86_sreg sseg = bt_string_src_seg(d);
    uint32_t mode = c->tb->key.mode;
    if ((src && (mode & TB_MODE_CHECK(sseg))) || (dst && (mode & TB_MODE_CHECK(SREG_ES)))) {
        bt_exit_callout(c); /* limits to check on every element: the monitor emulates it */
        return;
    }
    if (bt_softmmu(c)) {
        bt_string_helper(c, sseg);
        return;
    }
    if (rep)
        emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_ECX), eo_reg(ZYDIS_REGISTER_ECX));
    if (src)
        bt_string_bias(c, ZYDIS_REGISTER_ESI, ZYDIS_REGISTER_RSI, sseg);
    if (dst)
        bt_string_bias(c, ZYDIS_REGISTER_EDI, ZYDIS_REGISTER_RDI, SREG_ES);
    bt_pcmap_mark(c, (uint8_t)((src ? BT_FIX_STRING_SRC : 0) | (dst ? BT_FIX_STRING_DST : 0) |
                               (sseg << BT_FIX_SEG_SHIFT)));
    bt_string_emit_insn(c);
    if (src)
        bt_string_unbias(c, ZYDIS_REGISTER_ESI, ZYDIS_REGISTER_RSI, sseg);
    if (dst)
        bt_string_unbias(c, ZYDIS_REGISTER_EDI, ZYDIS_REGISTER_RDI, SREG_ES);
    bt_pcmap_mark(c, BT_FIX_NONE);
}
