/*
 * emit.h: writing x86-64 host code into a buffer.
 *
 * Instructions are encoded by the Zydis 4 encoder from mnemonic + operands,
 * so that the translator reads like assembly and no encoding is written by
 * hand; the few fixed-layout pieces the cache patches later (jmp rel32 for
 * chaining) are written as raw bytes with their layout spelled out.
 *
 *   struct emitter e = emit_init(buf, cap);
 *   emit2(&e, ZYDIS_MNEMONIC_MOV, eo_vcpu(VCPU_EIP, 4), eo_imm(0x100000));
 *   if (e.failed) ... ran out of room or an encoding was impossible
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <Zydis/Zydis.h>

struct emitter {
    uint8_t *buf;   /* start of the output */
    size_t cap;     /* bytes available */
    size_t len;     /* bytes written */
    bool failed;    /* out of room, or the encoder refused an instruction */
    ZydisMnemonic refused; /* the first instruction the encoder refused (diagnostics) */
};

static inline struct emitter emit_init(uint8_t *buf, size_t cap)
{
    return (struct emitter){ .buf = buf, .cap = cap };
}

void emit_bytes(struct emitter *e, const void *bytes, size_t n);
static inline void emit_u8(struct emitter *e, uint8_t b) { emit_bytes(e, &b, 1); }
static inline void emit_u32(struct emitter *e, uint32_t v) { emit_bytes(e, &v, 4); }
static inline void emit_u64(struct emitter *e, uint64_t v) { emit_bytes(e, &v, 8); }

/* Operands. */
ZydisEncoderOperand eo_reg(ZydisRegister r);
ZydisEncoderOperand eo_imm(int64_t v);
/* [base + index*scale + disp], `size` bytes (0 for lea). */
ZydisEncoderOperand eo_mem(ZydisRegister base, ZydisRegister index, uint8_t scale, int64_t disp,
                           uint16_t size);
/* A field of struct vcpu: [r15 + off]. */
ZydisEncoderOperand eo_vcpu(int32_t off, uint16_t size);

/* Encode one instruction in 64-bit mode.  `prefixes` are ZYDIS_ATTRIB_HAS_*
 * (segment overrides, rep, lock).  `addr32` forces 32-bit address size (the
 * 0x67 prefix) even when no register in the memory operand implies it. */
void emit_insn(struct emitter *e, ZydisMnemonic m, ZydisInstructionAttributes prefixes, bool addr32,
               unsigned n, const ZydisEncoderOperand *ops);
/* Encode a prepared request (64-bit mode is set here). */
void emit_request(struct emitter *e, ZydisEncoderRequest *req, bool addr32);

static inline void emit0(struct emitter *e, ZydisMnemonic m) { emit_insn(e, m, 0, false, 0, NULL); }
static inline void emit1(struct emitter *e, ZydisMnemonic m, ZydisEncoderOperand a)
{
    emit_insn(e, m, 0, false, 1, &a);
}
static inline void emit2(struct emitter *e, ZydisMnemonic m, ZydisEncoderOperand a, ZydisEncoderOperand b)
{
    ZydisEncoderOperand ops[2] = { a, b };
    emit_insn(e, m, 0, false, 2, ops);
}
/* Same, for an instruction whose memory operand is a guest address (GS, 32-bit). */
static inline void emit2_guest(struct emitter *e, ZydisMnemonic m, ZydisEncoderOperand a,
                               ZydisEncoderOperand b)
{
    ZydisEncoderOperand ops[2] = { a, b };
    emit_insn(e, m, ZYDIS_ATTRIB_HAS_SEGMENT_GS, true, 2, ops);
}

/* jmp rel32 to absolute host address `target`; returns the offset of the E9 byte. */
size_t emit_jmp_abs(struct emitter *e, const uint8_t *target);
/* jcc rel32 (cc = low nibble of the 0F 8x opcode) to `target`. */
void emit_jcc_abs(struct emitter *e, uint8_t cc, const uint8_t *target);
/* Point the rel32 of the jmp at buf[jmp_off] to `target`. */
void emit_patch_jmp(uint8_t *jmp, const uint8_t *target);
/* Current output address. */
static inline uint8_t *emit_here(const struct emitter *e) { return e->buf + e->len; }

/* The host register that holds guest register g (enum x86_gpr), at a width. */
ZydisRegister emit_host_gpr(unsigned g, unsigned bits);
