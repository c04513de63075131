/*
 * rule_mem.c: instructions that run as they are, with their memory operands
 * moved onto the guest window.
 *
 * A guest memory operand [base + index*scale + disp] through a segment whose
 * base is 0 becomes gs:[base + index*scale + disp] with a 32-bit address
 * size: the CPU computes the 32-bit effective address, zero-extends it and
 * adds GS base = W, so the access lands on guest linear address EA and can
 * never leave the window.  With a nonzero segment base (FS/GS overrides,
 * non-flat DS/ES/SS) or 16-bit addressing, the linear address is computed
 * into r13d first with flag-preserving lea instructions and the operand
 * becomes gs:[r13d].
 *
 *   mov eax, [ebx+8]        ->  65 67 8b 43 08        mov eax, gs:[ebx+8]
 *   mov eax, fs:[ebx]       ->  lea r13d, [ebx]; mov r12d, [r15+fs_base];
 *                               lea r13d, [r13+r12]; mov eax, gs:[r13d]
 */
#include <string.h>

#include "bt/ctx.h"
#include "bt/probe.h"

enum x86_sreg bt_sreg_of(ZydisRegister r)
{
    switch (r) {
    case ZYDIS_REGISTER_ES: return SREG_ES;
    case ZYDIS_REGISTER_CS: return SREG_CS;
    case ZYDIS_REGISTER_SS: return SREG_SS;
    case ZYDIS_REGISTER_FS: return SREG_FS;
    case ZYDIS_REGISTER_GS: return SREG_GS;
    default: return SREG_DS;
    }
}

/* Is segment s known (by the block key) to have base 0? */
bool bt_seg_base_zero(const struct bt_ctx *c, enum x86_sreg s)
{
    if (s == SREG_CS)
        return c->tb->key.cs_base == 0;
    return c->flat && (s == SREG_DS || s == SREG_ES || s == SREG_SS);
}

static ZydisRegister bt_reg64(ZydisRegister r)
{
    return r == ZYDIS_REGISTER_NONE ? r : ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
}

/* r13d += base of segment s (a runtime value: the vCPU's copy). */
static void bt_add_seg_base(struct bt_ctx *c, enum x86_sreg s)
{
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(BT_R_BASE), eo_vcpu(VCPU_SEG_BASE + 4 * (int)s, 4));
    emit2(&c->e, ZYDIS_MNEMONIC_LEA, eo_reg(BT_R_ADDR),
          eo_mem(ZYDIS_REGISTER_R13, ZYDIS_REGISTER_R12, 1, 0, 0));
}

/* r13d = the 16-bit effective address of op (SDM Vol. 2A §2.1.5, Table 2-1):
 * computed at 16 bits so that it wraps at 64 KiB, then zero-extended. */
static void bt_ea16(struct bt_ctx *c, const ZydisDecodedOperand *op)
{
    emit2(&c->e, ZYDIS_MNEMONIC_LEA, eo_reg(BT_R_ADDR),
          eo_mem(bt_reg64(op->mem.base), bt_reg64(op->mem.index), 1, (int16_t)op->mem.disp.value, 0));
    emit2(&c->e, ZYDIS_MNEMONIC_MOVZX, eo_reg(BT_R_ADDR), eo_reg(ZYDIS_REGISTER_R13W));
}

static bool bt_seg_checked(const struct bt_ctx *c, enum x86_sreg s)
{
    return (c->tb->key.mode & TB_MODE_CHECK(s)) != 0;
}

/* Check the access of `size` bytes at offset r13d against segment s's
 * bounds (vcpu->seg_bounds, see monitor/vcpu.h): a violation raises #GP(0),
 * or #SS(0) for SS (SDM Vol. 3A §5.3).  The compares need the flags, so the
 * guest's are saved with pushfq on the vCPU's flag stack around them; RSP is
 * parked in scratch[0]. */
static void bt_emit_seg_check(struct bt_ctx *c, enum x86_sreg s, unsigned size, bool write)
{
    struct emitter *e = &c->e;
    int32_t bounds = VCPU_SEG_BOUNDS + (int32_t)(s * 2 + (write ? 1 : 0)) * 16;
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_vcpu(VCPU_SCRATCH, 8), eo_reg(ZYDIS_REGISTER_RSP));
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_RSP), eo_vcpu(VCPU_FLAG_STACK_TOP, 0));
    emit0(e, ZYDIS_MNEMONIC_PUSHFQ);
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R12),
          eo_mem(ZYDIS_REGISTER_R13, 0, 0, (int32_t)size - 1, 0));
    emit2(e, ZYDIS_MNEMONIC_CMP, eo_reg(ZYDIS_REGISTER_R13), eo_vcpu(bounds, 8));
    static const uint8_t jb_fail[] = { 0x72, 0x00 };  /* jb fail (rel8 patched) */
    static const uint8_t ja_fail[] = { 0x77, 0x00 };  /* ja fail */
    size_t jb_at = e->len;
    emit_bytes(e, jb_fail, sizeof jb_fail);
    emit2(e, ZYDIS_MNEMONIC_CMP, eo_reg(ZYDIS_REGISTER_R12), eo_vcpu(bounds + 8, 8));
    size_t ja_at = e->len;
    emit_bytes(e, ja_fail, sizeof ja_fail);
    emit0(e, ZYDIS_MNEMONIC_POPFQ);
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_RSP), eo_vcpu(VCPU_SCRATCH, 8));
    static const uint8_t jmp_ok[] = { 0xeb, 0x00 };   /* jmp ok */
    size_t jmp_at = e->len;
    emit_bytes(e, jmp_ok, sizeof jmp_ok);
    size_t fail = e->len;
    emit0(e, ZYDIS_MNEMONIC_POPFQ);
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_RSP), eo_vcpu(VCPU_SCRATCH, 8));
    bt_exit_raise(c, s == SREG_SS ? VEC_SS : VEC_GP, EV_FAULT, c->d->eip);
    c->ended = false; /* only the failing path left the block */
    if (e->failed)
        return;
    if (e->len - (jmp_at + 2) > 127) { /* the failing path must stay within a rel8 */
        c->failed = true;
        return;
    }
    e->buf[jb_at + 1] = (uint8_t)(fail - (jb_at + 2));
    e->buf[ja_at + 1] = (uint8_t)(fail - (ja_at + 2));
    e->buf[jmp_at + 1] = (uint8_t)(e->len - (jmp_at + 2));
}

/* The operand for an access of `size` bytes at s:[r13d], r13d holding the
 * offset within the segment: checked if the key asks for it, then rebased. */
static ZydisEncoderOperand bt_offset_operand(struct bt_ctx *c, enum x86_sreg s, uint16_t size, bool write)
{
    if (bt_seg_checked(c, s))
        bt_emit_seg_check(c, s, size, write);
    if (!bt_seg_base_zero(c, s))
        bt_add_seg_base(c, s);
    if (bt_softmmu(c))
        return bt_probe(c, size, write); /* r13d is the linear address now */
    return eo_mem(BT_R_ADDR, ZYDIS_REGISTER_NONE, 0, 0, size);
}

static bool bt_operand_writes(const ZydisDecodedOperand *op)
{
    return (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
}

bool bt_guest_mem(struct bt_ctx *c, const ZydisDecodedOperand *op, int32_t esp_bias, ZydisEncoderOperand *out)
{
    enum x86_sreg s = bt_sreg_of(op->mem.segment);
    uint16_t size = (uint16_t)(op->size / 8);
    int64_t disp = op->mem.disp.value;
    if (s == SREG_CS && bt_operand_writes(op)) {
        /* Code segments are never writable in protected mode (SDM Vol. 3A
         * §5.4.1): the instruction always faults. */
        bt_exit_raise(c, VEC_GP, EV_FAULT, c->d->eip);
        c->ended = false; /* what follows is never reached */
    }
    if (op->mem.base == ZYDIS_REGISTER_ESP)
        disp += esp_bias;
    if (c->d->i.address_width == 16) {
        bt_ea16(c, op);
    } else if (bt_seg_base_zero(c, s) && !bt_seg_checked(c, s) && !bt_softmmu(c)) {
        *out = eo_mem(op->mem.base, op->mem.index, op->mem.scale, (int32_t)disp, size);
        return true;
    } else {
        ZydisEncoderOperand ea = eo_mem(op->mem.base, op->mem.index, op->mem.scale, (int32_t)disp, 0);
        emit_insn(&c->e, ZYDIS_MNEMONIC_LEA, 0, true, 2, (ZydisEncoderOperand[]){ eo_reg(BT_R_ADDR), ea });
    }
    *out = bt_offset_operand(c, s, size ? size : 1, bt_operand_writes(op));
    out->mem.size = size;
    return true;
}

ZydisEncoderOperand bt_seg_mem_at(struct bt_ctx *c, enum x86_sreg s, ZydisRegister base, int32_t disp,
                                  uint16_t size, bool write)
{
    if (bt_seg_base_zero(c, s) && !bt_seg_checked(c, s) && !bt_softmmu(c))
        return eo_mem(base, ZYDIS_REGISTER_NONE, 0, disp, size);
    emit_insn(&c->e, ZYDIS_MNEMONIC_LEA, 0, true, 2,
              (ZydisEncoderOperand[]){ eo_reg(BT_R_ADDR), eo_mem(base, 0, 0, disp, 0) });
    return bt_offset_operand(c, s, size, write);
}

ZydisEncoderOperand bt_stack_mem(struct bt_ctx *c, int32_t disp, uint16_t size, bool write)
{
    return bt_seg_mem_at(c, SREG_SS, ZYDIS_REGISTER_ESP, disp, size, write);
}

void bt_emit_guest(struct bt_ctx *c, ZydisMnemonic m, unsigned n, const ZydisEncoderOperand *ops)
{
    if (bt_softmmu(c)) /* the operand is [r12 + r13], a host address */
        emit_insn(&c->e, m, 0, false, n, ops);
    else
        emit_insn(&c->e, m, ZYDIS_ATTRIB_HAS_SEGMENT_GS, true, n, ops);
}

/* Opcodes that decode differently in 64-bit mode even without memory
 * operands: 0x40-0x4f are REX prefixes there (inc/dec r32 must use FF /0,
 * FF /1), and 0x82 (an alias of 0x80) is invalid (SDM Vol. 2D, Table A-2, i64). */
static bool bt_needs_reencode(const struct decoded_insn *d)
{
    uint8_t op = d->bytes[d->i.raw.prefix_count];
    return (op >= 0x40 && op <= 0x4f) || op == 0x82;
}

void bt_rule_copy(struct bt_ctx *c)
{
    const struct decoded_insn *d = c->d;
    if (!bt_needs_reencode(d)) {
        emit_bytes(&c->e, d->bytes, d->i.length);
        return;
    }
    ZydisEncoderRequest req;
    if (ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(&d->i, d->op, d->i.operand_count_visible, &req))) {
        c->failed = true;
        return;
    }
    /* These forms have no memory operand, so an address-size prefix (67 40,
     * 67 82 c0 00) changes nothing on the CPU (SDM Vol. 2A §2.1.1); the
     * encoder would refuse a hint it cannot apply. */
    req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_NONE;
    emit_request(&c->e, &req, false);
}

#define BT_SEGMENT_PREFIXES                                                                        \
    (ZYDIS_ATTRIB_HAS_SEGMENT_CS | ZYDIS_ATTRIB_HAS_SEGMENT_SS | ZYDIS_ATTRIB_HAS_SEGMENT_DS |   \
     ZYDIS_ATTRIB_HAS_SEGMENT_ES | ZYDIS_ATTRIB_HAS_SEGMENT_FS | ZYDIS_ATTRIB_HAS_SEGMENT_GS)

/* Memory operands that name an address but access nothing: the multi-byte
 * nop (0F 1F /0) and the prefetch hints, which never fault (SDM Vol. 2B
 * PREFETCHh: "does not ... cause a page fault").  The soft MMU must not
 * probe them: a probe could raise a #PF the instruction never raises. */
static bool bt_mem_is_hint(const struct decoded_insn *d)
{
    switch (d->i.mnemonic) {
    case ZYDIS_MNEMONIC_NOP:
    case ZYDIS_MNEMONIC_PREFETCHNTA:
    case ZYDIS_MNEMONIC_PREFETCHT0:
    case ZYDIS_MNEMONIC_PREFETCHT1:
    case ZYDIS_MNEMONIC_PREFETCHT2:
    case ZYDIS_MNEMONIC_PREFETCHW:
    case ZYDIS_MNEMONIC_PREFETCH:
        return true;
    default:
        return false;
    }
}

/* bt/bts/btr/btc with a register bit offset address memory beyond the
 * operand: the offset selects any bit within ±2^31 of it (SDM Vol. 2A BT,
 * "Bit(BitBase, BitOffset)").  The probe covers only the operand itself. */
static bool bt_mem_is_bit_string(const struct decoded_insn *d)
{
    switch (d->i.mnemonic) {
    case ZYDIS_MNEMONIC_BT:
    case ZYDIS_MNEMONIC_BTS:
    case ZYDIS_MNEMONIC_BTR:
    case ZYDIS_MNEMONIC_BTC:
        return d->op[1].type == ZYDIS_OPERAND_TYPE_REGISTER;
    default:
        return false;
    }
}

/* Can the instruction be encoded with its memory operand as [base + index]?
 * [r12 + r13] needs a REX prefix, and no REX-prefixed instruction can name
 * AH, CH, DH or BH (SDM Vol. 2A §2.2.1.2). */
static bool bt_soft_encodable_as(const ZydisEncoderRequest *orig, ZydisRegister base, ZydisRegister index)
{
    ZydisEncoderRequest req = *orig;
    for (unsigned i = 0; i < req.operand_count; i++)
        if (req.operands[i].type == ZYDIS_OPERAND_TYPE_MEMORY) {
            uint16_t size = req.operands[i].mem.size;
            req.operands[i] = eo_mem(base, index, index ? 1 : 0, 0, size);
        }
    req.prefixes &= ~BT_SEGMENT_PREFIXES;
    req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_NONE;
    uint8_t tmp[ZYDIS_MAX_INSTRUCTION_LENGTH + 1];
    struct emitter side = emit_init(tmp, sizeof tmp);
    emit_request(&side, &req, false);
    return !side.failed;
}

static bool bt_soft_encodable(const ZydisEncoderRequest *req)
{
    return bt_soft_encodable_as(req, ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13);
}

/* An instruction naming a high-byte register (mov ah, [esp+0x40] in Linux's
 * system-call exit) cannot address [r12 + r13].  It runs on [rsi] instead:
 * rsi is saved in the free scratch r14 around it and holds the host address
 * the probe found.  No instruction naming AH..BH can name SIL, and only
 * mov, lea and the register save touch rsi, so the flags and every other
 * register are the guest's.  The access cannot fault (the probe hit). */
static bool bt_soft_via_rsi(const ZydisEncoderRequest *req)
{
    return !bt_soft_encodable(req) && bt_soft_encodable_as(req, ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_NONE);
}

static void bt_emit_via_rsi(struct bt_ctx *c, ZydisEncoderRequest *req)
{
    for (unsigned i = 0; i < req->operand_count; i++)
        if (req->operands[i].type == ZYDIS_OPERAND_TYPE_MEMORY) {
            uint16_t size = req->operands[i].mem.size;
            req->operands[i] = eo_mem(ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_NONE, 0, 0, size);
        }
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R14), eo_reg(ZYDIS_REGISTER_RSI));
    emit2(&c->e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_RSI),
          eo_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13, 1, 0, 0));
    emit_request(&c->e, req, false);
    emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_RSI), eo_reg(ZYDIS_REGISTER_R14));
}

void bt_rule_mem(struct bt_ctx *c)
{
    const struct decoded_insn *d = c->d;
    ZydisEncoderRequest req;
    if (ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(&d->i, d->op, d->i.operand_count_visible, &req))) {
        bt_exit_callout(c);
        return;
    }
    if (bt_softmmu(c)) {
        if (bt_mem_is_hint(d))
            return; /* nothing to do: no access, no fault */
        if (bt_mem_is_bit_string(d) || (!bt_soft_encodable(&req) && !bt_soft_via_rsi(&req))) {
            c->co_kind = CO_MEMOP;
            bt_exit_callout(c);
            return;
        }
    }
    for (unsigned i = 0; i < req.operand_count; i++)
        if (req.operands[i].type == ZYDIS_OPERAND_TYPE_MEMORY && !bt_guest_mem(c, &d->op[i], 0, &req.operands[i])) {
            bt_exit_callout(c);
            return;
        }
    bool soft = bt_softmmu(c);
    req.prefixes &= ~BT_SEGMENT_PREFIXES;
    if (soft)
        req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_NONE; /* [r12 + r13]: 64-bit */
    else
        req.prefixes |= ZYDIS_ATTRIB_HAS_SEGMENT_GS;
    if (soft && bt_soft_via_rsi(&req)) {
        bt_emit_via_rsi(c, &req);
        return;
    }
    /* Encode on the side: an impossible form (e.g. AH with a REX-only
     * address register) falls back to the monitor. */
    uint8_t tmp[ZYDIS_MAX_INSTRUCTION_LENGTH + 1];
    struct emitter side = emit_init(tmp, sizeof tmp);
    emit_request(&side, &req, !soft);
    if (side.failed) {
        c->co_kind = CO_MEMOP; /* e.g. AH with a REX-only address register: the monitor emulates it */
        bt_exit_callout(c);
        return;
    }
    emit_bytes(&c->e, tmp, side.len);
}

void bt_rule_lea(struct bt_ctx *c)
{
    const struct decoded_insn *d = c->d;
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    if (d->i.address_width == 16) {
        bt_ea16(c, src);
        ZydisRegister r13 = dst->size == 16 ? ZYDIS_REGISTER_R13W : ZYDIS_REGISTER_R13D;
        emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(dst->reg.value), eo_reg(r13));
        return;
    }
    ZydisEncoderOperand ea = eo_mem(src->mem.base, src->mem.index, src->mem.scale, (int32_t)src->mem.disp.value, 0);
    emit_insn(&c->e, ZYDIS_MNEMONIC_LEA, 0, true, 2, (ZydisEncoderOperand[]){ eo_reg(dst->reg.value), ea });
}

/* xlat: al = [seg:ebx + zero-extended al] (SDM Vol. 2B XLAT). */
void bt_rule_xlat(struct bt_ctx *c)
{
    const struct decoded_insn *d = c->d;
    ZydisRegister seg = ZYDIS_REGISTER_DS;
    for (unsigned i = 0; i < d->i.operand_count; i++)
        if (d->op[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
            seg = d->op[i].mem.segment;
    emit2(&c->e, ZYDIS_MNEMONIC_MOVZX, eo_reg(BT_R_ADDR), eo_reg(ZYDIS_REGISTER_AL));
    emit2(&c->e, ZYDIS_MNEMONIC_LEA, eo_reg(BT_R_ADDR), eo_mem(ZYDIS_REGISTER_RBX, ZYDIS_REGISTER_R13, 1, 0, 0));
    if (d->i.address_width == 16) /* [bx + al] wraps at 64 KiB */
        emit2(&c->e, ZYDIS_MNEMONIC_MOVZX, eo_reg(BT_R_ADDR), eo_reg(ZYDIS_REGISTER_R13W));
    ZydisEncoderOperand m = bt_offset_operand(c, bt_sreg_of(seg), 1, false);
    bt_emit_guest(c, ZYDIS_MNEMONIC_MOV, 2, (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_AL), m });
}

/* The instruction with its memory operand at the host address c->bounce
 * (bt_translate_bounce, monitor/emu_bounce.c).  A visible operand becomes
 * [rip + rel32]: no base, no index and so no REX, which every form of the
 * guest instruction can take.  The implicit DS:EDI of maskmovq/maskmovdqu
 * is RDI in 64-bit mode: pointed at the buffer for the one instruction and
 * restored after it (mov leaves the flags alone). */
void bt_rule_bounce(struct bt_ctx *c)
{
    const struct decoded_insn *d = c->d;
    ZydisEncoderRequest req;
    if (ZYAN_FAILED(ZydisEncoderDecodedInstructionToEncoderRequest(&d->i, d->op, d->i.operand_count_visible, &req))) {
        c->failed = true;
        return;
    }
    int mem = -1;
    for (unsigned i = 0; i < req.operand_count; i++)
        if (req.operands[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
            mem = (int)i;
    req.prefixes &= ~BT_SEGMENT_PREFIXES;
    req.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_NONE;
    if (mem < 0) {
        emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_vcpu(VCPU_SCRATCH + 8, 8), eo_reg(ZYDIS_REGISTER_RDI));
        emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_RDI), eo_imm((int64_t)(uintptr_t)c->bounce));
        emit_request(&c->e, &req, false);
        emit2(&c->e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_RDI), eo_vcpu(VCPU_SCRATCH + 8, 8));
        return;
    }
    req.operands[mem] = eo_mem(ZYDIS_REGISTER_RIP, ZYDIS_REGISTER_NONE, 0, 0, req.operands[mem].mem.size);
    ZydisEncoderRequest first = req;
    uint8_t tmp[ZYDIS_MAX_INSTRUCTION_LENGTH + 1];
    struct emitter side = emit_init(tmp, sizeof tmp);
    emit_request(&side, &first, false); /* its length: rel32 counts from its end */
    if (side.failed) {
        c->failed = true;
        return;
    }
    req.operands[mem].mem.displacement = c->bounce - (emit_here(&c->e) + side.len);
    emit_request(&c->e, &req, false);
}
