/*
 * classify.c: the rule table.
 *
 * One row per mnemonic that the default ("copy it, rebasing explicit memory
 * operands onto the guest window") would get wrong, because the instruction
 * is sensitive (it reads or writes state the monitor virtualizes: SDM Vol.
 * 3A §2.8 system instructions, I/O, flags IF/IOPL), it uses the stack or the
 * ES segment implicitly (64-bit mode changes both), it transfers control,
 * or it does not exist in 64-bit mode (SDM Vol. 2 "Opcode Map" entries
 * marked i64).
 *
 *   enum callout_kind k;
 *   classify_insn(&d, &k) == RULE_CALLOUT  // for "cli" at CPL > 0 too: see bt/
 */
#include "decoder/classify.h"

#define ROW(m, r, k) [ZYDIS_MNEMONIC_##m] = { RULE_##r, CO_##k }

static const struct rule_row classify_rows[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {
    /* Address arithmetic: no access, no segment. */
    ROW(LEA, LEA, OTHER),
    /* Stack: 64-bit push/pop would move RSP by 8 and address the host. */
    ROW(PUSH, PUSH, SEGMENT),   /* push sreg is a callout (see classify_insn) */
    ROW(POP, POP, SEGMENT),     /* pop sreg too */
    ROW(LEAVE, LEAVE, OTHER),
    ROW(ENTER, CALLOUT, OTHER),
    ROW(PUSHA, CALLOUT, OTHER), ROW(PUSHAD, CALLOUT, OTHER),  /* i64 */
    ROW(POPA, CALLOUT, OTHER), ROW(POPAD, CALLOUT, OTHER),    /* i64 */
    /* Flags: IF and IOPL are virtual. */
    ROW(PUSHF, PUSHF, FLAGS), ROW(PUSHFD, PUSHF, FLAGS),
    ROW(POPF, POPF, FLAGS), ROW(POPFD, POPF, FLAGS),
    ROW(CLI, CLI, FLAGS), ROW(STI, STI, FLAGS),
    /* String operations: ES:EDI cannot be rebased with a segment override. */
    ROW(MOVSB, STRING, OTHER), ROW(MOVSW, STRING, OTHER), ROW(MOVSD, STRING, OTHER),
    ROW(STOSB, STRING, OTHER), ROW(STOSW, STRING, OTHER), ROW(STOSD, STRING, OTHER),
    ROW(LODSB, STRING, OTHER), ROW(LODSW, STRING, OTHER), ROW(LODSD, STRING, OTHER),
    ROW(CMPSB, STRING, OTHER), ROW(CMPSW, STRING, OTHER), ROW(CMPSD, STRING, OTHER),
    ROW(SCASB, STRING, OTHER), ROW(SCASW, STRING, OTHER), ROW(SCASD, STRING, OTHER),
    ROW(XLAT, XLAT, OTHER),
    /* Near control flow. */
    ROW(JMP, JMP, FAR_TRANSFER), /* far forms are callouts (see classify_insn) */
    ROW(JB, JCC, OTHER), ROW(JBE, JCC, OTHER), ROW(JL, JCC, OTHER), ROW(JLE, JCC, OTHER),
    ROW(JNB, JCC, OTHER), ROW(JNBE, JCC, OTHER), ROW(JNL, JCC, OTHER), ROW(JNLE, JCC, OTHER),
    ROW(JNO, JCC, OTHER), ROW(JNP, JCC, OTHER), ROW(JNS, JCC, OTHER), ROW(JNZ, JCC, OTHER),
    ROW(JO, JCC, OTHER), ROW(JP, JCC, OTHER), ROW(JS, JCC, OTHER), ROW(JZ, JCC, OTHER),
    ROW(LOOP, LOOP, OTHER), ROW(LOOPE, LOOP, OTHER), ROW(LOOPNE, LOOP, OTHER),
    ROW(JCXZ, LOOP, OTHER), ROW(JECXZ, LOOP, OTHER),
    ROW(CALL, CALL, FAR_TRANSFER),
    ROW(RET, RET, OTHER),
    /* Far control flow, interrupts. */
    ROW(IRET, CALLOUT, FAR_TRANSFER), ROW(IRETD, CALLOUT, FAR_TRANSFER),
    ROW(INT, CALLOUT, INTERRUPT), ROW(INT3, CALLOUT, INTERRUPT), ROW(INTO, CALLOUT, INTERRUPT),
    ROW(INT1, CALLOUT, INTERRUPT),
    ROW(SYSENTER, CALLOUT, FAR_TRANSFER), ROW(SYSEXIT, CALLOUT, FAR_TRANSFER),
    ROW(SYSCALL, CALLOUT, FAR_TRANSFER), ROW(SYSRET, CALLOUT, FAR_TRANSFER),
    /* Segment registers. */
    ROW(MOV, DEFAULT, SEGMENT),  /* mov sreg, mov crN, mov drN: see classify_insn */
    ROW(LDS, CALLOUT, SEGMENT), ROW(LES, CALLOUT, SEGMENT), ROW(LFS, CALLOUT, SEGMENT),
    ROW(LGS, CALLOUT, SEGMENT), ROW(LSS, CALLOUT, SEGMENT),
    ROW(LAR, CALLOUT, SEGMENT), ROW(LSL, CALLOUT, SEGMENT), ROW(VERR, CALLOUT, SEGMENT),
    ROW(VERW, CALLOUT, SEGMENT), ROW(ARPL, CALLOUT, SEGMENT),
    /* System state. */
    ROW(LGDT, CALLOUT, SYSTEM), ROW(LIDT, CALLOUT, SYSTEM), ROW(LLDT, CALLOUT, SYSTEM),
    ROW(LTR, CALLOUT, SYSTEM), ROW(SGDT, CALLOUT, SYSTEM), ROW(SIDT, CALLOUT, SYSTEM),
    ROW(SLDT, CALLOUT, SYSTEM), ROW(STR, CALLOUT, SYSTEM), ROW(SMSW, CALLOUT, SYSTEM),
    ROW(LMSW, CALLOUT, SYSTEM), ROW(CLTS, CALLOUT, SYSTEM), ROW(INVLPG, CALLOUT, SYSTEM),
    ROW(INVD, CALLOUT, SYSTEM), ROW(WBINVD, CALLOUT, SYSTEM),
    ROW(RDTSC, RDTSC, OTHER), ROW(RDTSCP, CALLOUT, OTHER), ROW(RDPMC, CALLOUT, OTHER),
    ROW(RDPID, CALLOUT, OTHER), /* #UD unless the -cpu model has it */
    ROW(STAC, CALLOUT, FLAGS), ROW(CLAC, CALLOUT, FLAGS), /* EFLAGS.AC is virtual (SMAP) */
    ROW(CPUID, CALLOUT, CPUID),
    ROW(RDMSR, CALLOUT, MSR), ROW(WRMSR, CALLOUT, MSR),
    ROW(HLT, CALLOUT, HLT),
    ROW(MONITOR, CALLOUT, OTHER), ROW(MWAIT, CALLOUT, OTHER),
    /* I/O. */
    ROW(IN, CALLOUT, IO), ROW(OUT, CALLOUT, IO),
    ROW(INSB, CALLOUT, IO), ROW(INSW, CALLOUT, IO), ROW(INSD, CALLOUT, IO),
    ROW(OUTSB, CALLOUT, IO), ROW(OUTSW, CALLOUT, IO), ROW(OUTSD, CALLOUT, IO),
    /* Opcodes invalid in 64-bit mode (i64). */
    ROW(DAA, CALLOUT, OTHER), ROW(DAS, CALLOUT, OTHER), ROW(AAA, CALLOUT, OTHER),
    ROW(AAS, CALLOUT, OTHER), ROW(AAM, CALLOUT, OTHER), ROW(AAD, CALLOUT, OTHER),
    ROW(SALC, CALLOUT, OTHER), ROW(BOUND, CALLOUT, OTHER),
    /* Always #UD. */
    ROW(UD0, UD, OTHER), ROW(UD1, UD, OTHER), ROW(UD2, UD, OTHER),
};

bool classify_isa_absent(const struct decoded_insn *d)
{
    /* Extensions no CPU btvisor models has (monitor/cpuid.c advertises a
     * P6-family CPU with SSE2): on such a CPU these opcodes raise #UD (SDM
     * Vol. 2, each instruction's "Protected Mode Exceptions": "#UD If
     * CPUID.xx:ECX.yy[bit n] = 0" / VMX instructions: "#UD If not in VMX
     * operation").  The translator must not let the host run them. */
    switch (d->i.meta.isa_set) {
    case ZYDIS_ISA_SET_VTX: case ZYDIS_ISA_SET_SVM: case ZYDIS_ISA_SET_SMX: case ZYDIS_ISA_SET_VMFUNC:
    case ZYDIS_ISA_SET_XSAVE: case ZYDIS_ISA_SET_XSAVEC: case ZYDIS_ISA_SET_XSAVEOPT:
    case ZYDIS_ISA_SET_XSAVES: case ZYDIS_ISA_SET_RDRAND: case ZYDIS_ISA_SET_RDSEED:
    case ZYDIS_ISA_SET_RDWRFSGS: case ZYDIS_ISA_SET_PKU: case ZYDIS_ISA_SET_SGX:
    case ZYDIS_ISA_SET_SGX_ENCLV: case ZYDIS_ISA_SET_TDX: case ZYDIS_ISA_SET_SNP:
    case ZYDIS_ISA_SET_INVPCID: case ZYDIS_ISA_SET_RTM: case ZYDIS_ISA_SET_WAITPKG:
    case ZYDIS_ISA_SET_UINTR: case ZYDIS_ISA_SET_SERIALIZE: case ZYDIS_ISA_SET_HRESET:
    case ZYDIS_ISA_SET_KEYLOCKER: case ZYDIS_ISA_SET_KEYLOCKER_WIDE: case ZYDIS_ISA_SET_ENQCMD:
    case ZYDIS_ISA_SET_MOVDIR: case ZYDIS_ISA_SET_PCONFIG: case ZYDIS_ISA_SET_CLZERO:
    case ZYDIS_ISA_SET_MONITORX: case ZYDIS_ISA_SET_RDPRU: case ZYDIS_ISA_SET_AMD_INVLPGB:
    case ZYDIS_ISA_SET_MCOMMIT: case ZYDIS_ISA_SET_TSX_LDTRK: case ZYDIS_ISA_SET_PT:
        return true;
    default:
        return false;
    }
}

static bool classify_has_operand(const struct decoded_insn *d, ZydisOperandType t, bool hidden_only)
{
    for (unsigned i = 0; i < d->i.operand_count; i++) {
        const ZydisDecodedOperand *op = &d->op[i];
        if (op->type != t)
            continue;
        if (hidden_only && op->visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT)
            continue;
        return true;
    }
    return false;
}

static bool classify_touches_sreg(const struct decoded_insn *d)
{
    for (unsigned i = 0; i < d->i.operand_count_visible; i++)
        if (d->op[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
            ZydisRegisterGetClass(d->op[i].reg.value) == ZYDIS_REGCLASS_SEGMENT)
            return true;
    return false;
}

/* mov Sreg, r/m or pop Sreg: the destination is a segment register. */
static bool classify_loads_sreg(const struct decoded_insn *d)
{
    return d->i.operand_count_visible > 0 && d->op[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
           ZydisRegisterGetClass(d->op[0].reg.value) == ZYDIS_REGCLASS_SEGMENT;
}

static bool classify_touches_ctrl_or_debug(const struct decoded_insn *d)
{
    for (unsigned i = 0; i < d->i.operand_count_visible; i++) {
        if (d->op[i].type != ZYDIS_OPERAND_TYPE_REGISTER)
            continue;
        ZydisRegisterClass c = ZydisRegisterGetClass(d->op[i].reg.value);
        if (c == ZYDIS_REGCLASS_CONTROL || c == ZYDIS_REGCLASS_DEBUG || c == ZYDIS_REGCLASS_TEST)
            return true;
    }
    return false;
}

enum bt_rule classify_insn(const struct decoded_insn *d, enum callout_kind *kind)
{
    const struct rule_row *row = &classify_rows[d->i.mnemonic];
    enum bt_rule rule = (enum bt_rule)row->rule;
    *kind = (enum callout_kind)row->callout_kind;
    if (classify_isa_absent(d))
        return RULE_UD;
    bool far = d->i.meta.branch_type == ZYDIS_BRANCH_TYPE_FAR;
    switch (d->i.mnemonic) {
    case ZYDIS_MNEMONIC_MOV:
        if (classify_touches_ctrl_or_debug(d)) {
            *kind = CO_SYSTEM;
            return RULE_CALLOUT;
        }
        if (classify_touches_sreg(d)) /* CO_SEGMENT */
            return classify_loads_sreg(d) ? RULE_LOAD_SREG : RULE_CALLOUT;
        rule = RULE_DEFAULT;
        break;
    case ZYDIS_MNEMONIC_PUSH:
        break; /* push Sreg only reads the selector: translated (bt/rule_stack.c) */
    case ZYDIS_MNEMONIC_POP:
        if (classify_loads_sreg(d))
            return RULE_LOAD_SREG;
        break;
    case ZYDIS_MNEMONIC_JMP:
    case ZYDIS_MNEMONIC_CALL:
        if (far)
            return RULE_CALLOUT;
        break;
    case ZYDIS_MNEMONIC_MOVSD:
    case ZYDIS_MNEMONIC_CMPSD:
        /* Zydis names the SSE2 scalar-double move and compare (F2 0F 10/11,
         * F2 0F C2) like the string instructions; only the base-ISA ones
         * are string operations. */
        if (d->i.meta.isa_ext != ZYDIS_ISA_EXT_BASE)
            rule = RULE_DEFAULT;
        break;
    case ZYDIS_MNEMONIC_RET:
        if (far) { /* retf decodes as RET with a far branch type */
            *kind = CO_FAR_TRANSFER;
            return RULE_CALLOUT;
        }
        break;
    default:
        break;
    }
    if (rule != RULE_DEFAULT)
        return rule;
    *kind = CO_OTHER;
    if (classify_has_operand(d, ZYDIS_OPERAND_TYPE_MEMORY, true))
        return RULE_CALLOUT; /* an implicit access no rule knows: let the monitor decide */
    if (classify_has_operand(d, ZYDIS_OPERAND_TYPE_MEMORY, false))
        return RULE_MEM;
    return RULE_COPY;
}

const char *classify_rule_name(enum bt_rule r)
{
    static const char *const names[] = {
        [RULE_DEFAULT] = "default", [RULE_COPY] = "copy", [RULE_MEM] = "mem-rebase",
        [RULE_LEA] = "lea", [RULE_PUSH] = "push", [RULE_POP] = "pop", [RULE_LEAVE] = "leave",
        [RULE_PUSHF] = "pushf", [RULE_POPF] = "popf", [RULE_CLI] = "cli", [RULE_STI] = "sti",
        [RULE_STRING] = "string", [RULE_XLAT] = "xlat", [RULE_JMP] = "jmp", [RULE_JCC] = "jcc",
        [RULE_LOOP] = "loop", [RULE_CALL] = "call", [RULE_RET] = "ret",
        [RULE_CALLOUT] = "callout", [RULE_UD] = "raise-ud", [RULE_RDTSC] = "rdtsc",
        [RULE_LOAD_SREG] = "load-sreg",
    };
    return (unsigned)r < sizeof names / sizeof names[0] && names[r] ? names[r] : "?";
}

enum fpu_class classify_fpu(const struct decoded_insn *d)
{
    if (d->i.mnemonic == ZYDIS_MNEMONIC_FWAIT)
        return FPU_WAIT;
    switch (d->i.meta.isa_ext) {
    case ZYDIS_ISA_EXT_X87:
        return FPU_X87;
    case ZYDIS_ISA_EXT_MMX:
    case ZYDIS_ISA_EXT_SSE:
    case ZYDIS_ISA_EXT_SSE2:
    case ZYDIS_ISA_EXT_SSE3:
    case ZYDIS_ISA_EXT_SSSE3:
    case ZYDIS_ISA_EXT_SSE4:
        /* sfence, prefetch and clflush need no FPU state. */
        return d->i.meta.category == ZYDIS_CATEGORY_MISC || d->i.meta.category == ZYDIS_CATEGORY_PREFETCH
                   ? FPU_NONE
                   : FPU_SIMD;
    default:
        return FPU_NONE;
    }
}

static bool classify_fpu_register(ZydisRegister r)
{
    switch (ZydisRegisterGetClass(r)) {
    case ZYDIS_REGCLASS_X87:
    case ZYDIS_REGCLASS_MMX:
    case ZYDIS_REGCLASS_XMM:
    case ZYDIS_REGCLASS_YMM:
    case ZYDIS_REGCLASS_ZMM:
        return true;
    default:
        return r == ZYDIS_REGISTER_MXCSR || r == ZYDIS_REGISTER_X87CONTROL ||
               r == ZYDIS_REGISTER_X87STATUS || r == ZYDIS_REGISTER_X87TAG;
    }
}

bool classify_uses_fpu_state(const struct decoded_insn *d)
{
    if (classify_fpu(d) != FPU_NONE)
        return true;
    for (unsigned i = 0; i < d->i.operand_count; i++)
        if (d->op[i].type == ZYDIS_OPERAND_TYPE_REGISTER && classify_fpu_register(d->op[i].reg.value))
            return true;
    /* fxsave/fxrstor/xsave name the whole state only implicitly. */
    switch (d->i.mnemonic) {
    case ZYDIS_MNEMONIC_FXSAVE:
    case ZYDIS_MNEMONIC_FXRSTOR:
    case ZYDIS_MNEMONIC_XSAVE:
    case ZYDIS_MNEMONIC_XRSTOR:
    case ZYDIS_MNEMONIC_XSAVEOPT:
        return true;
    default:
        return false;
    }
}
