/*
 * diff_flags.c: the undefined-flag analysis (see diff_flags.h).
 *
 * Usage: the comparison masks diff_flags_undefined(dec, code, end) from
 * both sides' EFLAGS before comparing them.
 */
#include "diff_flags.h"

#include "monitor/x86.h"

/* Count that a shift or rotate uses, or -1 when unknown; *width receives
 * the operand width.  The count operand is the last visible one: an
 * immediate (including the implicit 1 of D0/D1) or CL. */
static int flags_shift_count(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *op,
                             int16_t hint)
{
    const ZydisDecodedOperand *last = &op[in->operand_count_visible - 1];
    if (last->type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
        return (int)(last->imm.value.u & 0xff);
    return hint;
}

static bool flags_is_shift(ZydisMnemonic m)
{
    switch (m) {
    case ZYDIS_MNEMONIC_SHL: case ZYDIS_MNEMONIC_SHR: case ZYDIS_MNEMONIC_SAR:
    case ZYDIS_MNEMONIC_ROL: case ZYDIS_MNEMONIC_ROR: case ZYDIS_MNEMONIC_RCL:
    case ZYDIS_MNEMONIC_RCR: case ZYDIS_MNEMONIC_SHLD: case ZYDIS_MNEMONIC_SHRD:
        return true;
    default:
        return false;
    }
}

/*
 * Count-dependent flag rules (SDM Vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/
 * ROR", "SHLD", "SHRD"): the count is masked to 5 bits; a masked count of 0
 * changes no flag; OF is defined only for 1-bit shifts; for SHL/SHR a count
 * of at least the operand width leaves CF undefined.  Returns false when the
 * instruction writes no flag at run time.  *maybe is set when the count is
 * unknown.
 */
static bool flags_shift_rules(const ZydisDecodedInstruction *in, const ZydisDecodedOperand *op,
                              int16_t hint, uint32_t *undef_w, bool *maybe)
{
    int count = flags_shift_count(in, op, hint);
    if (count < 0) {
        *maybe = true;
        *undef_w |= EFLAGS_OF | EFLAGS_CF;
        return true;
    }
    count &= 0x1f;
    if (count == 0)
        return false;
    if (count != 1)
        *undef_w |= EFLAGS_OF;
    if ((in->mnemonic == ZYDIS_MNEMONIC_SHL || in->mnemonic == ZYDIS_MNEMONIC_SHR) &&
        count >= in->operand_width)
        *undef_w |= EFLAGS_CF;
    return true;
}

/* REPE/REPNE CMPS and SCAS with ECX = 0 change no flag (SDM Vol. 2B "REP"). */
static bool flags_rep_rules(const ZydisDecodedInstruction *in, int16_t hint, bool *maybe)
{
    if (!(in->attributes & (ZYDIS_ATTRIB_HAS_REPE | ZYDIS_ATTRIB_HAS_REPNE)))
        return true;
    if (hint < 0)
        *maybe = true;
    return hint != 0;
}

bool diff_flags_step(const ZydisDecoder *dec, const uint8_t *bytes, unsigned len, uint8_t iflags,
                     int16_t count, uint32_t *undef, uint32_t *tested)
{
    ZydisDecodedInstruction in;
    ZydisDecodedOperand op[ZYDIS_MAX_OPERAND_COUNT];
    if (tested)
        *tested = 0;
    if (ZYAN_FAILED(ZydisDecoderDecodeFull(dec, bytes, len, &in, op)))
        return false;
    if (!in.cpu_flags)
        return true;
    const uint32_t arith = EFLAGS_ARITH;
    uint32_t written = (in.cpu_flags->modified | in.cpu_flags->set_0 | in.cpu_flags->set_1 |
                        in.cpu_flags->undefined) & arith;
    uint32_t undef_w = in.cpu_flags->undefined & arith;
    bool maybe = (iflags & DIFF_INSN_MAYBE) != 0;
    if (tested)
        *tested = in.cpu_flags->tested & arith;
    if (flags_is_shift(in.mnemonic) && !flags_shift_rules(&in, op, count, &undef_w, &maybe))
        return true;
    if ((in.mnemonic == ZYDIS_MNEMONIC_CMPSB || in.mnemonic == ZYDIS_MNEMONIC_CMPSW ||
         in.mnemonic == ZYDIS_MNEMONIC_CMPSD || in.mnemonic == ZYDIS_MNEMONIC_SCASB ||
         in.mnemonic == ZYDIS_MNEMONIC_SCASW || in.mnemonic == ZYDIS_MNEMONIC_SCASD) &&
        !flags_rep_rules(&in, count, &maybe))
        return true;
    if (maybe)
        *undef |= undef_w;
    else
        *undef = (*undef & ~written) | undef_w;
    return true;
}

uint32_t diff_flags_undefined(const ZydisDecoder *dec, const struct diff_code *code, uint32_t end_off)
{
    uint32_t undef = 0;
    for (unsigned i = 0; i < code->n_insn && code->insn[i].off < end_off; i++)
        diff_flags_step(dec, code->bytes + code->insn[i].off, code->insn[i].len,
                        code->insn[i].flags, code->insn[i].count, &undef, NULL);
    return undef;
}
