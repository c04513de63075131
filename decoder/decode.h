/*
 * decode.h: decoding of guest instructions with Zydis 4.
 *
 * A struct decoded_insn is one guest instruction with all its operands, as
 * Zydis reports them, plus the guest EIP it was fetched from.  The
 * translator classifies it (decoder/classify.h) and the monitor emulates
 * sensitive ones from it (monitor/emulate.h).
 *
 *   struct decoded_insn d;
 *   if (!decode_insn(bytes, avail, eip, 32, &d)) -> #UD (or the fetch fell short)
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <Zydis/Zydis.h>

struct decoded_insn {
    ZydisDecodedInstruction i;
    ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT]; /* i.operand_count of them, visible ones first */
    uint32_t eip;                                    /* guest EIP of the first byte */
    uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];     /* raw guest bytes (i.length of them) */
};

/* Decode one instruction from `bytes` (avail bytes readable) in 32-bit
 * (code_size 32) or 16-bit (code_size 16) protected mode.  Returns false if
 * the bytes are not a valid instruction. */
bool decode_insn(const uint8_t *bytes, size_t avail, uint32_t eip, unsigned code_size,
                 struct decoded_insn *d);

/* Operand size in bits (16 or 32) and address size (16 or 32) of d. */
static inline unsigned decode_opsize(const struct decoded_insn *d) { return d->i.operand_width; }
static inline unsigned decode_addrsize(const struct decoded_insn *d) { return d->i.address_width; }
