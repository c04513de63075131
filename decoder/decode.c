/*
 * decode.c: one guest instruction through Zydis 4.
 *
 * The decoder is configured for the guest's code size (32-bit protected mode
 * normally, 16-bit for CS.D = 0) and decodes all operands, hidden ones
 * included, because the translator must see implicit memory accesses (stack,
 * string operations, xlat) to rewrite them.
 *
 *   struct decoded_insn d;
 *   decode_insn(bytes, 15, 0x100000, 32, &d);   // d.i.mnemonic, d.op[0..]
 */
#include "decoder/decode.h"

#include <string.h>

bool decode_insn(const uint8_t *bytes, size_t avail, uint32_t eip, unsigned code_size,
                 struct decoded_insn *d)
{
    ZydisDecoder dec;
    ZydisMachineMode mode = code_size == 16 ? ZYDIS_MACHINE_MODE_LEGACY_16 : ZYDIS_MACHINE_MODE_LEGACY_32;
    ZydisStackWidth sw = code_size == 16 ? ZYDIS_STACK_WIDTH_16 : ZYDIS_STACK_WIDTH_32;
    if (ZYAN_FAILED(ZydisDecoderInit(&dec, mode, sw)))
        return false;
    if (avail > ZYDIS_MAX_INSTRUCTION_LENGTH)
        avail = ZYDIS_MAX_INSTRUCTION_LENGTH;
    if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, bytes, avail, &d->i, d->op)))
        return false;
    d->eip = eip;
    memset(d->bytes, 0, sizeof d->bytes);
    memcpy(d->bytes, bytes, d->i.length);
    return true;
}
