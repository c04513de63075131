/*
 * emit.c: the host-code emitter (see emit.h).
 *
 * Zydis cannot be asked for the 0x67 address-size prefix directly; it emits
 * one when a 32-bit base or index register demands it.  A guest memory
 * operand with neither (an absolute [disp32]) would come out as a 64-bit
 * address whose displacement is sign-extended — 0x80000000 would become
 * 0xffffffff80000000 — so emit_request() adds the prefix itself when
 * `addr32` is asked for and the encoder did not produce it.
 *
 *   emit2(&e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_ESP), eo_mem(ZYDIS_REGISTER_ESP, 0, 0, -4, 0));
 */
#include "bt/emit.h"

#include <string.h>

void emit_bytes(struct emitter *e, const void *bytes, size_t n)
{
    if (e->failed || e->cap - e->len < n) {
        e->failed = true;
        return;
    }
    memcpy(e->buf + e->len, bytes, n);
    e->len += n;
}

ZydisEncoderOperand eo_reg(ZydisRegister r)
{
    ZydisEncoderOperand o;
    memset(&o, 0, sizeof o);
    o.type = ZYDIS_OPERAND_TYPE_REGISTER;
    o.reg.value = r;
    return o;
}

ZydisEncoderOperand eo_imm(int64_t v)
{
    ZydisEncoderOperand o;
    memset(&o, 0, sizeof o);
    o.type = ZYDIS_OPERAND_TYPE_IMMEDIATE;
    o.imm.s = v;
    return o;
}

ZydisEncoderOperand eo_mem(ZydisRegister base, ZydisRegister index, uint8_t scale, int64_t disp,
                           uint16_t size)
{
    ZydisEncoderOperand o;
    memset(&o, 0, sizeof o);
    o.type = ZYDIS_OPERAND_TYPE_MEMORY;
    o.mem.base = base;
    o.mem.index = index;
    o.mem.scale = index ? (scale ? scale : 1) : 0;
    o.mem.displacement = disp;
    o.mem.size = size;
    return o;
}

ZydisEncoderOperand eo_vcpu(int32_t off, uint16_t size)
{
    return eo_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_NONE, 0, off, size);
}

static bool emit_is_legacy_prefix(uint8_t b)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
        return true;
    default:
        return false;
    }
}

/* Zydis wants the "size" of lea's memory operand to be the address size
 * (the width of its base or index register); callers write 0 there. */
static void emit_fix_lea_size(ZydisEncoderRequest *req, bool addr32)
{
    if (req->mnemonic != ZYDIS_MNEMONIC_LEA || req->operand_count != 2 || req->operands[1].mem.size != 0)
        return;
    ZydisRegister r = req->operands[1].mem.base ? req->operands[1].mem.base : req->operands[1].mem.index;
    ZyanU16 bits = r ? ZydisRegisterGetWidth(ZYDIS_MACHINE_MODE_LONG_64, r) : (addr32 ? 32 : 64);
    req->operands[1].mem.size = (ZyanU16)(bits / 8);
}

void emit_request(struct emitter *e, ZydisEncoderRequest *req, bool addr32)
{
    uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH + 1];
    ZyanUSize n = ZYDIS_MAX_INSTRUCTION_LENGTH;
    req->machine_mode = ZYDIS_MACHINE_MODE_LONG_64;
    emit_fix_lea_size(req, addr32);
    if (addr32)
        req->address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32;
    if (ZYAN_FAILED(ZydisEncoderEncodeInstruction(req, buf + 1, &n))) {
        if (!e->failed)
            e->refused = req->mnemonic;
        e->failed = true;
        return;
    }
    bool has67 = false;
    for (ZyanUSize i = 1; i <= n && emit_is_legacy_prefix(buf[i]); i++)
        has67 |= buf[i] == 0x67;
    if (addr32 && !has67) {
        buf[0] = 0x67; /* legacy prefixes may come in any order, before REX */
        emit_bytes(e, buf, n + 1);
    } else {
        emit_bytes(e, buf + 1, n);
    }
}

void emit_insn(struct emitter *e, ZydisMnemonic m, ZydisInstructionAttributes prefixes, bool addr32,
               unsigned n, const ZydisEncoderOperand *ops)
{
    ZydisEncoderRequest req;
    memset(&req, 0, sizeof req);
    req.mnemonic = m;
    req.prefixes = prefixes;
    req.operand_count = (ZyanU8)n;
    for (unsigned i = 0; i < n; i++)
        req.operands[i] = ops[i];
    emit_request(e, &req, addr32);
}

size_t emit_jmp_abs(struct emitter *e, const uint8_t *target)
{
    size_t at = e->len;
    emit_u8(e, 0xe9);
    emit_u32(e, (uint32_t)(target - (emit_here(e) + 4)));
    return at;
}

void emit_jcc_abs(struct emitter *e, uint8_t cc, const uint8_t *target)
{
    emit_u8(e, 0x0f);
    emit_u8(e, (uint8_t)(0x80 | (cc & 0xf)));
    emit_u32(e, (uint32_t)(target - (emit_here(e) + 4)));
}

void emit_patch_jmp(uint8_t *jmp, const uint8_t *target)
{
    int32_t rel = (int32_t)(target - (jmp + 5));
    /* A 4-byte aligned store would be atomic; the vCPU thread is the only
     * one executing this code and it is not inside the jump while patched. */
    memcpy(jmp + 1, &rel, 4);
}

ZydisRegister emit_host_gpr(unsigned g, unsigned bits)
{
    static const ZydisRegister r32[8] = { ZYDIS_REGISTER_EAX, ZYDIS_REGISTER_ECX, ZYDIS_REGISTER_EDX,
                                          ZYDIS_REGISTER_EBX, ZYDIS_REGISTER_ESP, ZYDIS_REGISTER_EBP,
                                          ZYDIS_REGISTER_ESI, ZYDIS_REGISTER_EDI };
    static const ZydisRegister r16[8] = { ZYDIS_REGISTER_AX, ZYDIS_REGISTER_CX, ZYDIS_REGISTER_DX,
                                          ZYDIS_REGISTER_BX, ZYDIS_REGISTER_SP, ZYDIS_REGISTER_BP,
                                          ZYDIS_REGISTER_SI, ZYDIS_REGISTER_DI };
    static const ZydisRegister r64[8] = { ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RDX,
                                          ZYDIS_REGISTER_RBX, ZYDIS_REGISTER_RSP, ZYDIS_REGISTER_RBP,
                                          ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI };
    g &= 7;
    return bits == 64 ? r64[g] : bits == 16 ? r16[g] : r32[g];
}
