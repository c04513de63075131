/*
 * diff_known.c: the reviewed list of places where Unicorn (QEMU's x86 CPU
 * core, Debian's 2.0.x) is known to be wrong, so that a mismatch against the
 * Unicorn reference that one of them explains is reported as "known Unicorn
 * divergence" (a skip with that reason, counted per reason) instead of a
 * btvisor failure.
 *
 * The rule for an entry: it names the instruction forms, the SDM section
 * that settles the behaviour, and the evidence (a case on which the real CPU
 * and btvisor agree and Unicorn differs, reproducible with
 * `btv-difftest --against unicorn --seed S --case MODE:I`).  An entry is
 * applied only to a case that already mismatches and only when the
 * reference is Unicorn.  Where the bug's effect is confined (some flags,
 * some bytes), the entry corrects exactly that in a copy of Unicorn's state
 * and the case is compared again: it is "known" only if the corrected state
 * then agrees, so the entry cannot hide any other difference.  Entries that
 * cannot be corrected (the CPU faults, Unicorn runs on) skip the case.
 * docs/TESTING.md lists the entries for readers.
 *
 *   struct diff_state fixed;  bool recheck;
 *   const char *why = diff_known_unicorn(&dec, &c, &code, uc, btv, &fixed, &recheck);
 */
#include "diff_known.h"

#include <string.h>

#include "diff_sys.h"
#include "monitor/x86.h"


struct known_ctx {
    const ZydisDecoder *dec;
    const struct diff_case *c;
    const struct diff_code *code;
    const struct diff_state *uc;    /* Unicorn's final state */
    const struct diff_state *other; /* btvisor's or the real CPU's */
};

static bool known_decode(const struct known_ctx *k, uint32_t off, ZydisDecodedInstruction *in)
{
    return off < DIFF_CODE_SIZE &&
           ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(k->dec, NULL, k->code->bytes + off,
                                                      DIFF_CODE_SIZE - off, in));
}

/* Does an x87 instruction (escape opcodes D8-DF) of an item run before
 * end_off? */
static bool known_runs_x87(const struct known_ctx *k, uint32_t end_off)
{
    for (unsigned i = 0; i < k->code->n_insn && k->code->insn[i].off < end_off; i++) {
        ZydisDecodedInstruction t;
        if (k->code->insn[i].item >= 0 && known_decode(k, k->code->insn[i].off, &t) &&
            t.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && t.opcode >= 0xd8 && t.opcode <= 0xdf)
            return true;
    }
    return false;
}

/* 1. x87 stack faults.  An x87 instruction that reads an empty register or
 * pushes onto a full one is a stack fault: FSW.IE and FSW.SF are set and,
 * with IM masked (fninit's default), the result is the indefinite (SDM
 * Vol. 1 §8.5.1.1).  QEMU's x87 ignores the tag word there: no SF/IE, the
 * register's stale contents are used.  Evidence: --seed 1 --case random:0
 * (fstp m80 after emms) and random:613 (fistp m32 after emms: the CPU
 * stores the integer indefinite 0x80000000, Unicorn 0).  Condition: the
 * other side's FSW (the FP epilogue's fnstsw) has SF and Unicorn's does
 * not; or the case ended before that store and ran an x87 instruction. */
static bool known_x87_stack_fault(const struct known_ctx *k)
{
    const uint32_t fsw = DIFF_FPDUMP - DIFF_DATA_BASE;
    if (!k->c->uses_fp)
        return false;
    if (k->other->vector == DIFF_END_HALT && k->uc->vector == DIFF_END_HALT)
        return (k->other->mem[fsw] & 0x40) && !(k->uc->mem[fsw] & 0x40);
    uint32_t end = (k->other->eip < k->uc->eip ? k->other->eip : k->uc->eip) - DIFF_CODE_BASE;
    return known_runs_x87(k, end + 1);
}

/* 2. LOCK on a form that does not allow it.  LOCK is #UD unless the
 * instruction is one of the listed read-modify-write forms with a memory
 * destination (SDM Vol. 2A "LOCK—Assert LOCK# Signal Prefix"); Unicorn
 * runs e.g. `lock cmp m32, r32` as a plain cmp.  Evidence: --seed 1
 * --case random:446.  Condition: the other side ends #UD at an instruction
 * with an F0 prefix and Unicorn does not end there. */
static bool known_lock_ud(const struct known_ctx *k)
{
    if (k->other->vector != VEC_UD || (k->uc->vector == VEC_UD && k->uc->eip == k->other->eip))
        return false;
    uint32_t off = k->other->eip - DIFF_CODE_BASE;
    for (unsigned n = 0; off + n < DIFF_CODE_SIZE && n < 15; n++) {
        uint8_t b = k->code->bytes[off + n];
        if (b == 0xf0)
            return true;
        if (b != 0x66 && b != 0x67 && b != 0xf2 && b != 0xf3 && b != 0x26 && b != 0x2e &&
            b != 0x36 && b != 0x3e && b != 0x64 && b != 0x65)
            return false;
    }
    return false;
}

/* Decode the case's instruction at eip (inside the code region). */
static bool known_decode_at(const struct known_ctx *k, uint32_t eip, ZydisDecodedInstruction *in,
                            ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT])
{
    uint32_t off = eip - DIFF_CODE_BASE;
    return off < DIFF_CODE_SIZE &&
           ZYAN_SUCCESS(ZydisDecoderDecodeFull(k->dec, k->code->bytes + off, DIFF_CODE_SIZE - off, in, ops));
}

/* 5. SSE alignment.  A 16-byte SSE memory operand of an aligned form
 * (movaps, movdqa, the packed arithmetic forms without VEX) that is not
 * 16-byte aligned is #GP(0) (SDM Vol. 1 §10.4.1.1, Vol. 2A "MOVAPS");
 * Unicorn performs the access.  Evidence: --seed 1 --case random:4348
 * (movaps xmm6, [0x2013e8]).  Condition: the other side ends #GP(0) at an
 * SSE instruction with a memory operand, Unicorn does not.  In flat ring 0
 * nothing else makes such an instruction #GP. */
static bool known_sse_alignment(const struct known_ctx *k)
{
    if (k->other->vector != VEC_GP || k->other->error_code != 0 || k->uc->vector == VEC_GP)
        return false;
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!known_decode_at(k, k->other->eip, &in, ops))
        return false;
    bool sse = in.meta.isa_ext == ZYDIS_ISA_EXT_SSE || in.meta.isa_ext == ZYDIS_ISA_EXT_SSE2 ||
               in.meta.isa_ext == ZYDIS_ISA_EXT_SSE3 || in.meta.isa_ext == ZYDIS_ISA_EXT_SSSE3 ||
               in.meta.isa_ext == ZYDIS_ISA_EXT_SSE4;
    if (!sse)
        return false;
    for (unsigned i = 0; i < in.operand_count; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[i].size == 128)
            return true;
    return false;
}

/* 3. EFLAGS after cmpxchg8b and lock neg.  CMPXCHG8B writes only ZF (SDM
 * Vol. 2A "CMPXCHG8B": "CF, PF, AF, SF, and OF are unaffected"); Unicorn
 * changes the others, DF and even TF.  Evidence: --seed 1 --case
 * random:1840 (Unicorn 0x400, CPU 0x95), random:7911 (DF set after cld),
 * random:1660 (a later adc reads the wrong CF), --seed 7 --case
 * random:68105 (TF set: Unicorn single-steps into #DB).  LOCK NEG sets SF
 * and PF from the result like NEG (SDM Vol. 2A "NEG"); Unicorn's locked
 * form gets them wrong.  Evidence: --seed 1 --case random:1074 (lock neg
 * m8: Unicorn 0x11, CPU 0x95).  The wrong flags flow into anything that
 * follows, so a mismatching case that runs either form is skipped. */
static bool known_flag_corrupters(const struct known_ctx *k, uint32_t end_off)
{
    for (unsigned i = 0; i < k->code->n_insn && k->code->insn[i].off < end_off; i++) {
        ZydisDecodedInstruction t;
        if (!known_decode(k, k->code->insn[i].off, &t))
            continue;
        if (t.mnemonic == ZYDIS_MNEMONIC_CMPXCHG8B ||
            (t.mnemonic == ZYDIS_MNEMONIC_NEG && (t.attributes & ZYDIS_ATTRIB_HAS_LOCK)))
            return true;
    }
    return false;
}

/* 9. Invalid operands of fbstp and of fld m32/m64.  FBSTP of a NaN or of
 * a value beyond 18 digits is invalid: IE and, masked, the packed-BCD
 * indefinite is stored (SDM Vol. 2A "FBSTP"); Unicorn stores other bytes.
 * Evidence: --seed 20261207 --case random:40475 (movd then fbstp of the
 * MMX-written register).  FLD m32/m64 of an SNaN is invalid: IE, and the
 * value is loaded quieted (SDM Vol. 1 §4.8.3.4, Vol. 2A "FLD"); Unicorn
 * neither sets IE nor quiets it.  Evidence: --seed 20261207 --case
 * random:52164 (fld m32: FSW 0x3801 and mantissa 0xd426.. on the CPU,
 * 0x3800 and 0x9426.. on Unicorn).  FISTTP out of range stores the
 * integer indefinite with IE (SDM Vol. 2A "FISTTP"); Unicorn saturates
 * (0x7fffffff) without IE: --seed 20261208 --case random:42460.
 * Condition: fbstp ran; or fld m32/m64 or fisttp ran and the other side's
 * FSW has IE and Unicorn's does not; skipped. */
static bool known_x87_invalid_operand(const struct known_ctx *k)
{
    const uint32_t fsw = DIFF_FPDUMP - DIFF_DATA_BASE;
    if (!k->c->uses_fp)
        return false;
    bool ie_missing = (k->other->mem[fsw] & 0x01) && !(k->uc->mem[fsw] & 0x01);
    uint32_t end = (k->other->eip < k->uc->eip ? k->other->eip : k->uc->eip) - DIFF_CODE_BASE + 1;
    for (unsigned i = 0; i < k->code->n_insn && k->code->insn[i].off < end; i++) {
        ZydisDecodedInstruction t;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        uint32_t off = k->code->insn[i].off;
        if (k->code->insn[i].item < 0 ||
            !ZYAN_SUCCESS(ZydisDecoderDecodeFull(k->dec, k->code->bytes + off, DIFF_CODE_SIZE - off, &t, ops)))
            continue;
        if (t.mnemonic == ZYDIS_MNEMONIC_FBSTP || (ie_missing && t.mnemonic == ZYDIS_MNEMONIC_FISTTP))
            return true;
        for (unsigned j = 0; ie_missing && t.mnemonic == ZYDIS_MNEMONIC_FLD && j < t.operand_count; j++)
            if (ops[j].type == ZYDIS_OPERAND_TYPE_MEMORY && (ops[j].size == 32 || ops[j].size == 64))
                return true;
    }
    return false;
}

/* 10. Constants and the rounding control.  FLDL2T, FLDL2E, FLDPI, FLDLG2
 * and FLDLN2 round the constant per FCW.RC (SDM Vol. 2A "FLD1/FLDL2T/
 * FLDL2E/FLDPI/FLDLG2/FLDLN2/FLDZ", "rounded ... according to the RC
 * field"); Unicorn always rounds to nearest.  Evidence: --seed 20261208
 * --case random:79925 (fldcw 0x0e7f; fldl2e: mantissa ...bb on the CPU,
 * ...bc on Unicorn).  Condition: one of them ran and the other side's final
 * FCW (the FP epilogue's fnstcw) has RC != 0; skipped. */
static bool known_x87_constant_rounding(const struct known_ctx *k)
{
    const uint32_t fcw = DIFF_FPDUMP - DIFF_DATA_BASE + 4;
    if (!k->c->uses_fp || !(k->other->mem[fcw + 1] & 0x0c))
        return false;
    uint32_t end = (k->other->eip < k->uc->eip ? k->other->eip : k->uc->eip) - DIFF_CODE_BASE + 1;
    for (unsigned i = 0; i < k->code->n_insn && k->code->insn[i].off < end; i++) {
        ZydisDecodedInstruction t;
        if (k->code->insn[i].item >= 0 && known_decode(k, k->code->insn[i].off, &t) &&
            (t.mnemonic == ZYDIS_MNEMONIC_FLDL2T || t.mnemonic == ZYDIS_MNEMONIC_FLDL2E ||
             t.mnemonic == ZYDIS_MNEMONIC_FLDPI || t.mnemonic == ZYDIS_MNEMONIC_FLDLG2 ||
             t.mnemonic == ZYDIS_MNEMONIC_FLDLN2))
            return true;
    }
    return false;
}

/* 8. FST/FSTP ST(i) and the tag word.  Storing into ST(i) makes it valid
 * (SDM Vol. 1 §8.1.7); QEMU copies the value but leaves ST(i)'s tag empty,
 * so fxsave (from which the Unicorn server writes the FP epilogue's stores,
 * diff_uc.c) shows it empty and the epilogue stores the indefinite.
 * Evidence: --seed 7 --case random:7725 (fld m64; fstp st7).  Correction:
 * when an fst/fstp to a register ran, an epilogue register that Unicorn
 * stored as the indefinite takes the other side's value. */
static bool known_fst_sti_tag(const struct known_ctx *k, struct diff_state *fixed)
{
    static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
    if (!k->c->uses_fp)
        return false;
    bool ran = false;
    uint32_t end = fixed->eip - DIFF_CODE_BASE;
    for (unsigned i = 0; i < k->code->n_insn && k->code->insn[i].off < end && !ran; i++) {
        ZydisDecodedInstruction t;
        const uint8_t *b = k->code->bytes + k->code->insn[i].off;
        ran = known_decode(k, k->code->insn[i].off, &t) && k->code->insn[i].item >= 0 &&
              (t.mnemonic == ZYDIS_MNEMONIC_FST || t.mnemonic == ZYDIS_MNEMONIC_FSTP) &&
              t.opcode == 0xdd && b[t.length - 1] >= 0xd0;
    }
    bool changed = false;
    for (unsigned i = 0; ran && i < 8; i++) {
        uint32_t at = DIFF_FPDUMP - DIFF_DATA_BASE + 16 + 10 * i;
        if (!memcmp(fixed->mem + at, indefinite, 10) && memcmp(k->other->mem + at, indefinite, 10)) {
            memcpy(fixed->mem + at, k->other->mem + at, 10);
            changed = true;
        }
    }
    return changed;
}

/* 6. Exception flags of x87 stores to memory.  FIST/FISTP out of range.  A value that does not fit the
 * destination is an invalid-operation exception: FSW.IE is set and, masked,
 * the integer indefinite is stored (SDM Vol. 2A "FIST/FISTP", Vol. 1
 * §4.8.3.7 "integer indefinite").  Unicorn stores the indefinite
 * but leaves IE clear; an inexact conversion leaves PE (precision, SDM
 * Vol. 1 §8.5.6) clear too.  Evidence: --seed 1 --case random:211 (fild
 * m64; fist m32: FSW 0x3801 on the CPU, 0x3800 on Unicorn), --seed 7
 * --case random:13479 (fld m64 of a denormal; fist m32: 0x22 against 0).
 * The same for fst/fstp m32/m64: an inexact store sets PE (--seed 7 --case
 * random:47794, fldl2e; fst m64: 0x20 against 0), an SNaN source sets IE
 * (--seed 7 --case random:17674, movd then fstp m64 of an MMX-written
 * register).  Correction: IE, OE, UE and PE from the other side, when an x87
 * store to memory (fst, fstp, fist, fistp, fisttp) ran; OE and UE too (a
 * tiny m80 stored as m64 underflows: --seed 20261208 --case random:1650,
 * FSW 0x3830 against 0x3800), and C1 with PE (rounded up: --seed 20261208
 * --case random:37571, fldpi; fstp m32: 0x0220 against 0). */
static bool known_fist_invalid(const struct known_ctx *k, struct diff_state *fixed)
{
    const uint32_t fsw = DIFF_FPDUMP - DIFF_DATA_BASE;
    uint8_t missing = k->other->mem[fsw] & ~fixed->mem[fsw] & 0x39; /* IE, OE, UE, PE */
    if (!k->c->uses_fp || !missing)
        return false;
    uint32_t end = fixed->eip - DIFF_CODE_BASE;
    for (unsigned i = 0; i < k->code->n_insn && k->code->insn[i].off < end; i++) {
        ZydisDecodedInstruction t;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        uint32_t off = k->code->insn[i].off;
        if (ZYAN_SUCCESS(ZydisDecoderDecodeFull(k->dec, k->code->bytes + off, DIFF_CODE_SIZE - off, &t, ops)) &&
            (t.mnemonic == ZYDIS_MNEMONIC_FIST || t.mnemonic == ZYDIS_MNEMONIC_FISTP ||
             t.mnemonic == ZYDIS_MNEMONIC_FISTTP || t.mnemonic == ZYDIS_MNEMONIC_FST ||
             t.mnemonic == ZYDIS_MNEMONIC_FSTP) &&
            ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY) {
            fixed->mem[fsw] |= missing;
            if (missing & 0x20) /* C1: the inexact result was rounded up */
                fixed->mem[fsw + 1] = (fixed->mem[fsw + 1] & ~0x02) | (k->other->mem[fsw + 1] & 0x02);
            return true;
        }
    }
    return false;
}

/* 7. The x87 denormal-operand flag.  An arithmetic x87 instruction with a
 * denormal operand sets FSW.DE (SDM Vol. 1 §8.5.2); QEMU's softfloat has
 * no such flag for x87 and never sets it.  Evidence: --seed 1 --case
 * random:7510 (FSW 0x..02 on the CPU, 0x..00 on Unicorn).  Correction: DE
 * from the other side in the stored FSW. */
static bool known_x87_denormal(const struct known_ctx *k, struct diff_state *fixed)
{
    const uint32_t fsw = DIFF_FPDUMP - DIFF_DATA_BASE;
    if (!k->c->uses_fp || !(k->other->mem[fsw] & 0x02) || (fixed->mem[fsw] & 0x02))
        return false;
    fixed->mem[fsw] |= 0x02;
    return true;
}

/* 4. MMX writes and the x87 exponent.  An MMX instruction that writes an
 * MMX register sets bits 79:64 of the x87 register to all ones (SDM Vol. 1
 * §9.5.1); QEMU writes only bits 63:0.  Evidence: --seed 1 --case random:3
 * (any MMX write; fstp m80 in the FP epilogue stores exponent 0xffff on the
 * CPU, the stale exponent on Unicorn).  Correction: an epilogue register
 * whose mantissa agrees and whose exponent is all ones on the other side. */
static bool known_mmx_exponent(const struct known_ctx *k, struct diff_state *fixed)
{
    bool changed = false;
    for (unsigned i = 0; k->c->uses_fp && i < 8; i++) {
        uint32_t at = DIFF_FPDUMP - DIFF_DATA_BASE + 16 + 10 * i;
        if (!memcmp(fixed->mem + at, k->other->mem + at, 8) && k->other->mem[at + 8] == 0xff &&
            k->other->mem[at + 9] == 0xff && (fixed->mem[at + 8] != 0xff || fixed->mem[at + 9] != 0xff)) {
            fixed->mem[at + 8] = fixed->mem[at + 9] = 0xff;
            changed = true;
        }
    }
    return changed;
}

/* Segment limits and null selectors on data accesses.  A data access
 * beyond a segment's limit (an expand-down segment: at or below it), or
 * through a segment register holding a null selector, is #GP(0), #SS(0)
 * through SS (SDM Vol. 3A §5.3, §3.4.2); QEMU's TCG does not check segment
 * limits or null data segments on accesses, so Unicorn performs the access.
 * Evidence: --seed 1 --case enum:16474 (mov es, si with a null selector;
 * mov ebp, es:[ecx]: btvisor #GP(0), Unicorn reads).  Skip when the other
 * side ends #GP(0)/#SS(0) at an instruction with a memory operand in a
 * system case and Unicorn does not end there. */
static bool known_segment_limit(const struct known_ctx *k)
{
    const struct diff_state *o = k->other;
    if (!k->c->env || (o->vector != VEC_GP && o->vector != VEC_SS) || o->error_code != 0 ||
        (k->uc->vector == o->vector && k->uc->eip == o->eip))
        return false;
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!known_decode_at(k, o->eip, &in, ops))
        return false;
    for (unsigned i = 0; i < in.operand_count; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[i].mem.type == ZYDIS_MEMOP_TYPE_MEM)
            return true;
    return false;
}

/* Segment descriptors' accessed bit on CS and stack-switch SS loads.  The
 * CPU sets the accessed bit (type bit 0) of a descriptor whenever it loads
 * a selector for it into a segment register (SDM Vol. 3A §3.4.5.1), CS
 * included; QEMU sets it only in its data-segment load helper: a far
 * jmp/call/ret, iret or a gate (the system prologue's far jmp to KCODE
 * first of all) leaves the code descriptor's bit clear, and so does the SS
 * of a stack switch.  Evidence: every system case, e.g. --seed 1 --case
 * enum:19058 (GDT byte 0x22000d: Unicorn 9a, btvisor 9b).  Corrected: the
 * bit of a code descriptor, or of the final SS's or a TSS stack segment's
 * descriptor, in the GDT or LDT, where only the other side set it. */
static bool known_cs_accessed(const struct known_ctx *k, struct diff_state *fixed)
{
    if (!k->c->env)
        return false;
    bool any = false;
    const uint32_t tables[2][2] = { { DIFF_SYS_GDT, SYS_GDT_LIMIT + 1 }, { DIFF_SYS_LDT, SYS_LDT_LIMIT + 1 } };
    for (unsigned t = 0; t < 2; t++) {
        for (uint32_t d = 0; d < tables[t][1]; d += 8) {
            uint32_t at = tables[t][0] - DIFF_DATA_BASE + d + 5;
            uint8_t u = k->uc->mem[at], o = k->other->mem[at];
            if (u == o || (u | 1) != o || !(u & 0x10))
                continue; /* only a segment descriptor (S = 1) whose A bit alone differs */
            uint16_t sel = (uint16_t)(d | (t ? 4 : 0));
            bool code = u & 0x08;
            bool stack = (k->other->seg[2] & ~3u) == sel || sel == SYS_SEL_KDATA ||
                         sel == SYS_SEL_R1DATA || sel == SYS_SEL_R2DATA;
            if (code || stack) {
                fixed->mem[at] = o;
                any = true;
            }
        }
    }
    return any;
}

/* Copy the other side's A and D bits (bits 5 and 6, nothing else) of the
 * 32-bit entry at guest-physical pa into *fixed, if pa is compared. */
static void known_copy_entry_ad(const struct known_ctx *k, struct diff_state *fixed, uint32_t pa)
{
    if (pa < DIFF_DATA_BASE || pa - DIFF_DATA_BASE > DIFF_MEM_SIZE - 4)
        return;
    uint8_t *f = fixed->mem + (pa - DIFF_DATA_BASE);
    f[0] = (uint8_t)((f[0] & ~0x60u) | (k->other->mem[pa - DIFF_DATA_BASE] & 0x60u));
}

/* The A and D bits of the PDE for la and, when that PDE references a page
 * table (the other side's view), of the PTE that maps la. */
static void known_copy_ad(const struct known_ctx *k, struct diff_state *fixed, uint32_t la)
{
    uint32_t pde_pa = DIFF_SYS_PD + (la >> 22) * 4;
    known_copy_entry_ad(k, fixed, pde_pa);
    if (pde_pa < DIFF_DATA_BASE || pde_pa - DIFF_DATA_BASE > DIFF_MEM_SIZE - 4)
        return;
    uint32_t pde;
    memcpy(&pde, k->other->mem + (pde_pa - DIFF_DATA_BASE), sizeof pde);
    bool large = (k->c->env & DIFF_ENV_PSE) && (pde & 0x80u);
    if ((pde & 1u) && !large)
        known_copy_entry_ad(k, fixed, (pde & 0xfffff000u) + ((la >> 12) & 0x3ffu) * 4);
}

/* The linear address of a 32-bit-addressed memory operand from the other
 * side's registers at the fault (a fault leaves them as they were before
 * the instruction) and its segment's base in the GDT or LDT. */
static bool known_operand_la(const struct known_ctx *k, const ZydisDecodedInstruction *in,
                             const ZydisDecodedOperand *m, uint32_t *la)
{
    const struct diff_state *o = k->other;
    if (in->address_width != 32 || m->mem.segment < ZYDIS_REGISTER_ES || m->mem.segment > ZYDIS_REGISTER_GS)
        return false;
    uint32_t a = (uint32_t)m->mem.disp.value;
    if (m->mem.base != ZYDIS_REGISTER_NONE) {
        if (m->mem.base < ZYDIS_REGISTER_EAX || m->mem.base > ZYDIS_REGISTER_EDI)
            return false;
        a += o->gpr[m->mem.base - ZYDIS_REGISTER_EAX];
    }
    if (m->mem.index != ZYDIS_REGISTER_NONE) {
        if (m->mem.index < ZYDIS_REGISTER_EAX || m->mem.index > ZYDIS_REGISTER_EDI)
            return false;
        a += o->gpr[m->mem.index - ZYDIS_REGISTER_EAX] * m->mem.scale;
    }
    uint16_t sel = o->seg[m->mem.segment - ZYDIS_REGISTER_ES];
    uint32_t table = sel & 4 ? DIFF_SYS_LDT : DIFF_SYS_GDT, limit = sel & 4 ? SYS_LDT_LIMIT : SYS_GDT_LIMIT;
    if ((sel & ~7u) + 7 > limit)
        return false;
    const uint8_t *d = o->mem + (table - DIFF_DATA_BASE) + (sel & ~7u);
    *la = a + (uint32_t)(d[2] | d[3] << 8 | d[4] << 16 | (uint32_t)d[7] << 24);
    return true;
}

/* Read-modify-write operands and paging.  An instruction that reads and
 * writes the same memory operand (add m, r; xchg m, r; inc m; ...) makes
 * one access with write intent: the walk checks every page of the operand
 * for writing before a byte is read, a fault has W/R = 1 whether the page
 * is missing, supervisor or read-only (SDM Vol. 3A §4.7: W/R "describes the
 * access causing the page-fault exception"; §6.5: nothing is accessed), and
 * the entry that maps the page gets A (and D) only when the write is
 * permitted (§4.8).  Bochs does the same (cpu/paging.cc: "write or r-m-w").
 * QEMU's TCG splits the instruction into a load and a store: the load
 * faults with W/R = 0 on a missing or supervisor page; on a read-only page
 * it succeeds and sets the leaf's A bit before the store faults; on an
 * operand that crosses pages the load walks both pages for reading and may
 * fault on the second where the write check faults on the first.
 * Evidence (seed 1; no real-CPU side: system cases run on the emulators
 * only): enum:19614 (add [edi], ecx on a not-present page: Unicorn error 0,
 * btvisor 0x2), enum:19654 (CPL 3 on a supervisor page: 0x5 against 0x7),
 * enum:19694 (read-only page, WP = 1: the same 0x3, PTE 0x..25 on Unicorn,
 * 0x..05 on btvisor), enum:19806 (a read-only 4 MiB page: the PDE's A bit),
 * enum:20206 (read-only page, then a missing one: Unicorn 0 at the second
 * page, btvisor 0x3 at the first), enum:19697 (writable page, then a
 * missing one: the first PTE's D bit, set by the write walk as for a plain
 * store that crosses into a missing page).  Condition: both sides end #PF
 * at the same instruction, which has a read-and-write memory operand of s
 * bytes and both CR2s inside it; the error codes differ at most in W/R
 * (Unicorn's clear) and, when the CR2s differ, in P, and then only as the
 * two models explain it: btvisor's CR2 is the operand's first byte (the
 * write check refused the first page, present) and Unicorn's the start
 * of the second page (the load read the first).
 * Correction: the error code and CR2 from the other side, and the A and D
 * bits of the PDEs and PTEs that map the operand's pages. */
static bool known_rmw_page_fault(const struct known_ctx *k, struct diff_state *fixed)
{
    const struct diff_state *o = k->other, *u = k->uc;
    if (!(k->c->env & DIFF_ENV_PG) || o->vector != VEC_PF || u->vector != VEC_PF || o->eip != u->eip ||
        !(o->error_code & PFEC_W))
        return false;
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (!known_decode_at(k, o->eip, &in, ops))
        return false;
    const ZydisDecodedOperand *m = NULL;
    for (unsigned i = 0; i < in.operand_count; i++)
        if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[i].mem.type == ZYDIS_MEMOP_TYPE_MEM &&
            (ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_READ) && (ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
            m = &ops[i];
    uint32_t la, size = m ? m->size / 8u : 0;
    if (!size || !known_operand_la(k, &in, m, &la) || o->cr2 - la >= size || u->cr2 - la >= size)
        return false;
    /* Different CR2s only as the two models explain them: the write check
     * refused the operand's first page (present, so P = 1), which the load
     * read before faulting at the start of the second. */
    bool crossed = o->cr2 != u->cr2;
    if (crossed && (o->cr2 != la || u->cr2 != ((la + size - 1) & ~0xfffu) || !(o->error_code & PFEC_P)))
        return false;
    uint32_t may_differ = PFEC_W | (crossed ? PFEC_P : 0);
    if ((o->error_code ^ u->error_code) & ~may_differ)
        return false;
    fixed->error_code = o->error_code;
    fixed->cr2 = o->cr2;
    known_copy_ad(k, fixed, la);
    if (((la + size - 1) ^ la) & ~0xfffu)
        known_copy_ad(k, fixed, la + size - 1);
    return true;
}

const char *diff_known_unicorn(const ZydisDecoder *dec, const struct diff_case *c,
                               const struct diff_code *code, const struct diff_state *uc,
                               const struct diff_state *other, struct diff_state *fixed, bool *recheck)
{
    struct known_ctx k = { dec, c, code, uc, other };
    *recheck = false;
    if (known_lock_ud(&k))
        return "LOCK prefix on a form that does not allow it runs instead of #UD";
    if (known_sse_alignment(&k))
        return "misaligned 16-byte SSE operand accessed instead of #GP(0)";
    if (known_segment_limit(&k))
        return "segment limit / null data segment not checked on accesses";
    if (known_x87_stack_fault(&k))
        return "x87 stack fault (empty or full register) not modelled";
    if (known_x87_constant_rounding(&k))
        return "x87 constants (fldpi, fldl2e, ...) ignore the rounding control";
    if (known_x87_invalid_operand(&k))
        return "fbstp / fisttp / fld m32 m64 invalid operand not handled";
    *fixed = *uc;
    const char *why = NULL;
    if (known_flag_corrupters(&k, (uc->eip < other->eip ? uc->eip : other->eip) - DIFF_CODE_BASE + 1))
        return "cmpxchg8b / lock neg corrupt EFLAGS";
    if (known_fst_sti_tag(&k, fixed))
        why = "fst/fstp st(i) leaves the tag of st(i) empty";
    if (known_fist_invalid(&k, fixed))
        why = why ? "several: see diff_known.c" : "x87 stores to memory leave FSW.IE/OE/UE/PE clear";
    if (known_x87_denormal(&k, fixed))
        why = why ? "several: see diff_known.c" : "x87 denormal-operand flag (FSW.DE) never set";
    if (known_rmw_page_fault(&k, fixed))
        why = why ? "several: see diff_known.c" : "read-modify-write operand faults as a read first (#PF W/R = 0, leaf A set)";
    if (known_cs_accessed(&k, fixed))
        why = why ? "several: see diff_known.c" : "far transfers leave the CS (and stack-switch SS) descriptor's accessed bit clear";
    if (known_mmx_exponent(&k, fixed))
        why = why ? "several: see diff_known.c"
                  : "MMX writes leave the x87 exponent (bits 79:64) unchanged";
    *recheck = why != NULL;
    return why;
}
