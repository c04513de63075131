/*
 * emulate.c: the monitor's emulator for the guest instructions translated
 * code does not run itself — the sensitive ones (cli, mov to CR0, in/out,
 * lgdt, iret, ...) and the ones that do not exist in 64-bit mode (pusha,
 * daa, bound, lds, push es, ...).
 *
 * Translated code exits to the monitor at such an instruction with the
 * vCPU exact; the run loop passes the decoded instruction to emu_execute().
 * The table emu_rules below has one row per Zydis mnemonic: the handler
 * that emulates it and the callout counter it is charged to.  To find how
 * btvisor emulates an instruction, find its row, then its handler in the
 * file of its family (emu_flags.c, emu_sys.c, emu_creg.c, emu_io.c,
 * emu_iostr.c, emu_int.c, emu_far.c, emu_seg.c, emu_desc.c, emu_stack.c,
 * emu_bcd.c, emu_misc.c, cpuid.c, msr.c).  A mnemonic with no row, or a
 * form its handler does not take (a near jmp, push eax), stops the VM with
 * one line naming the instruction: that is a translator bug or a feature
 * btvisor lacks, never a reason to crash.
 *
 * Handlers follow the SDM Vol. 2 pseudocode and "compute fully, then
 * commit": on a fault nothing architectural has changed and v->eip still
 * points at the instruction, so the fault can be delivered and the
 * instruction restarted.
 *
 *   struct event ev;
 *   switch (emu_execute(v, d, &ev)) {
 *   case EMU_NEXT:  break;                         // continue at v->eip
 *   case EMU_EVENT: cpu_deliver_event(v, &ev); break;
 *   case EMU_HALT:  wait for an interrupt; break;
 *   case EMU_STOP:  return;                        // vm->exit_reason set
 *   }
 */
#include "decoder/classify.h"
#include "monitor/emu_internal.h"
#include "monitor/vm.h"

/* Which callout counter an instruction is charged to (monitor/stats.h). */
enum emu_class {
    EMU_CLS_NONE = 0,  /* no row: unsupported, counted as co_other */
    EMU_CLS_FLAGS,     /* co_flags */
    EMU_CLS_SYSTEM,    /* co_system */
    EMU_CLS_IO,        /* co_io */
    EMU_CLS_HLT,       /* co_hlt */
    EMU_CLS_INTERRUPT, /* co_interrupt */
    EMU_CLS_FAR,       /* co_far_transfer */
    EMU_CLS_SEGMENT,   /* co_segment */
    EMU_CLS_CPUID,     /* co_cpuid */
    EMU_CLS_MSR,       /* co_msr */
    EMU_CLS_OTHER,     /* co_other */
    EMU_CLS_MOV,       /* mov: co_system for CRn/DRn, co_segment for Sreg */
};

struct emu_rule {
    emu_handler_fn run; /* the handler; NULL: no row */
    enum emu_class cls; /* the counter */
};

static enum emu_status emu_mov(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* One row per mnemonic, grouped as in DESIGN.md's list of sensitive and
 * 64-bit-invalid instructions. */
static const struct emu_rule emu_rules[ZYDIS_MNEMONIC_MAX_VALUE + 1] = {
    /* EFLAGS.IF and friends (emu_flags.c) */
    [ZYDIS_MNEMONIC_CLI] = { emu_cli, EMU_CLS_FLAGS },
    [ZYDIS_MNEMONIC_STI] = { emu_sti, EMU_CLS_FLAGS },
    [ZYDIS_MNEMONIC_PUSHF] = { emu_pushf, EMU_CLS_FLAGS },
    [ZYDIS_MNEMONIC_PUSHFD] = { emu_pushf, EMU_CLS_FLAGS },
    [ZYDIS_MNEMONIC_POPF] = { emu_popf, EMU_CLS_FLAGS },
    [ZYDIS_MNEMONIC_POPFD] = { emu_popf, EMU_CLS_FLAGS },
    /* descriptor-table registers (emu_sys.c) */
    [ZYDIS_MNEMONIC_LGDT] = { emu_lgdt_lidt, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_LIDT] = { emu_lgdt_lidt, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_SGDT] = { emu_sgdt_sidt, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_SIDT] = { emu_sgdt_sidt, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_LLDT] = { emu_lldt, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_LTR] = { emu_ltr, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_SLDT] = { emu_sldt_str, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_STR] = { emu_sldt_str, EMU_CLS_SYSTEM },
    /* control and debug registers, caches (emu_creg.c) */
    [ZYDIS_MNEMONIC_MOV] = { emu_mov, EMU_CLS_MOV },
    [ZYDIS_MNEMONIC_SMSW] = { emu_smsw, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_LMSW] = { emu_lmsw, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_CLTS] = { emu_clts, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_INVLPG] = { emu_invlpg, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_INVD] = { emu_cache_noop, EMU_CLS_SYSTEM },
    [ZYDIS_MNEMONIC_WBINVD] = { emu_cache_noop, EMU_CLS_SYSTEM },
    /* port I/O (emu_io.c, emu_iostr.c) */
    [ZYDIS_MNEMONIC_IN] = { emu_in, EMU_CLS_IO },
    [ZYDIS_MNEMONIC_OUT] = { emu_out, EMU_CLS_IO },
    /* memory string instructions with 16-bit addresses or checked segments (emu_string.c) */
    [ZYDIS_MNEMONIC_MOVSB] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_MOVSW] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_MOVSD] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_STOSB] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_STOSW] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_STOSD] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_LODSB] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_LODSW] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_LODSD] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_CMPSB] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_CMPSW] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_CMPSD] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_SCASB] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_SCASW] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_SCASD] = { emu_string, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_INSB] = { emu_ins, EMU_CLS_IO },
    [ZYDIS_MNEMONIC_INSW] = { emu_ins, EMU_CLS_IO },
    [ZYDIS_MNEMONIC_INSD] = { emu_ins, EMU_CLS_IO },
    [ZYDIS_MNEMONIC_OUTSB] = { emu_outs, EMU_CLS_IO },
    [ZYDIS_MNEMONIC_OUTSW] = { emu_outs, EMU_CLS_IO },
    [ZYDIS_MNEMONIC_OUTSD] = { emu_outs, EMU_CLS_IO },
    /* loops counting in CX (16-bit address size) (emu_loop.c) */
    [ZYDIS_MNEMONIC_LOOP] = { emu_loop, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_LOOPE] = { emu_loop, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_LOOPNE] = { emu_loop, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_JCXZ] = { emu_loop, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_JECXZ] = { emu_loop, EMU_CLS_OTHER },
    /* halt (emu_misc.c) */
    [ZYDIS_MNEMONIC_HLT] = { emu_hlt, EMU_CLS_HLT },
    /* software interrupts (emu_int.c) */
    [ZYDIS_MNEMONIC_INT] = { emu_int, EMU_CLS_INTERRUPT },
    [ZYDIS_MNEMONIC_INT3] = { emu_int3, EMU_CLS_INTERRUPT },
    [ZYDIS_MNEMONIC_INTO] = { emu_into, EMU_CLS_INTERRUPT },
    [ZYDIS_MNEMONIC_INT1] = { emu_int1, EMU_CLS_INTERRUPT },
    /* far control transfers (emu_far.c) */
    [ZYDIS_MNEMONIC_IRET] = { emu_iret, EMU_CLS_FAR },
    [ZYDIS_MNEMONIC_IRETD] = { emu_iret, EMU_CLS_FAR },
    [ZYDIS_MNEMONIC_RET] = { emu_retf, EMU_CLS_FAR },
    [ZYDIS_MNEMONIC_JMP] = { emu_jmp_far, EMU_CLS_FAR },
    [ZYDIS_MNEMONIC_CALL] = { emu_call_far, EMU_CLS_FAR },
    /* segment registers (emu_seg.c) */
    [ZYDIS_MNEMONIC_PUSH] = { emu_push_sreg, EMU_CLS_SEGMENT },
    [ZYDIS_MNEMONIC_POP] = { emu_pop_sreg, EMU_CLS_SEGMENT },
    [ZYDIS_MNEMONIC_LDS] = { emu_load_far_pointer, EMU_CLS_SEGMENT },
    [ZYDIS_MNEMONIC_LES] = { emu_load_far_pointer, EMU_CLS_SEGMENT },
    [ZYDIS_MNEMONIC_LFS] = { emu_load_far_pointer, EMU_CLS_SEGMENT },
    [ZYDIS_MNEMONIC_LGS] = { emu_load_far_pointer, EMU_CLS_SEGMENT },
    [ZYDIS_MNEMONIC_LSS] = { emu_load_far_pointer, EMU_CLS_SEGMENT },
    /* selector inspection (emu_desc.c) */
    [ZYDIS_MNEMONIC_LAR] = { emu_lar_lsl, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_LSL] = { emu_lar_lsl, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_VERR] = { emu_verr_verw, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_VERW] = { emu_verr_verw, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_ARPL] = { emu_arpl, EMU_CLS_OTHER },
    /* CPU identification and model-specific registers (cpuid.c, msr.c) */
    [ZYDIS_MNEMONIC_CPUID] = { emu_cpuid, EMU_CLS_CPUID },
    [ZYDIS_MNEMONIC_RDMSR] = { emu_rdmsr, EMU_CLS_MSR },
    [ZYDIS_MNEMONIC_WRMSR] = { emu_wrmsr, EMU_CLS_MSR },
    [ZYDIS_MNEMONIC_RDTSC] = { emu_rdtsc, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_RDPMC] = { emu_rdpmc, EMU_CLS_OTHER },
    /* #UD unless the -cpu model has them (msr.c, emu_flags.c) */
    [ZYDIS_MNEMONIC_RDTSCP] = { emu_rdtscp, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_RDPID] = { emu_rdpid, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_STAC] = { emu_stac_clac, EMU_CLS_FLAGS },
    [ZYDIS_MNEMONIC_CLAC] = { emu_stac_clac, EMU_CLS_FLAGS },
    /* not in this CPU model's CPUID (no MONITOR): #UD (emu_misc.c) */
    [ZYDIS_MNEMONIC_MONITOR] = { emu_invalid_opcode, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_MWAIT] = { emu_invalid_opcode, EMU_CLS_OTHER },
    /* fast system calls are not advertised by CPUID: #UD (emu_misc.c) */
    [ZYDIS_MNEMONIC_SYSENTER] = { emu_invalid_opcode, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_SYSEXIT] = { emu_invalid_opcode, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_SYSCALL] = { emu_invalid_opcode, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_SYSRET] = { emu_invalid_opcode, EMU_CLS_OTHER },
    /* invalid in 64-bit mode: stack frames and bounds (emu_stack.c, emu_misc.c) */
    [ZYDIS_MNEMONIC_PUSHA] = { emu_pusha, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_PUSHAD] = { emu_pusha, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_POPA] = { emu_popa, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_POPAD] = { emu_popa, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_ENTER] = { emu_enter, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_BOUND] = { emu_bound, EMU_CLS_OTHER },
    /* invalid in 64-bit mode: decimal arithmetic (emu_bcd.c) */
    [ZYDIS_MNEMONIC_DAA] = { emu_daa_das, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_DAS] = { emu_daa_das, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_AAA] = { emu_aaa_aas, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_AAS] = { emu_aaa_aas, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_AAM] = { emu_aam, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_AAD] = { emu_aad, EMU_CLS_OTHER },
    [ZYDIS_MNEMONIC_SALC] = { emu_salc, EMU_CLS_OTHER },
};

/* mov has three sensitive forms, told apart by their register operands. */
enum emu_mov_form { MOV_OTHER, MOV_CR, MOV_DR, MOV_TO_SREG, MOV_FROM_SREG };

static enum emu_mov_form emu_mov_form_of(const struct decoded_insn *d)
{
    if (d->i.operand_count_visible < 2)
        return MOV_OTHER;
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    for (unsigned k = 0; k < 2; k++) {
        const ZydisDecodedOperand *o = &d->op[k];
        if (o->type != ZYDIS_OPERAND_TYPE_REGISTER)
            continue;
        ZydisRegisterClass c = ZydisRegisterGetClass(o->reg.value);
        if (c == ZYDIS_REGCLASS_CONTROL)
            return MOV_CR;
        if (c == ZYDIS_REGCLASS_DEBUG)
            return MOV_DR;
    }
    if (dst->type == ZYDIS_OPERAND_TYPE_REGISTER && emu_is_sreg(dst->reg.value))
        return MOV_TO_SREG;
    if (src->type == ZYDIS_OPERAND_TYPE_REGISTER && emu_is_sreg(src->reg.value))
        return MOV_FROM_SREG;
    return MOV_OTHER;
}

static enum emu_status emu_mov(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    switch (emu_mov_form_of(d)) {
    case MOV_CR: return emu_mov_cr(v, d, ev);
    case MOV_DR: return emu_mov_dr(v, d, ev);
    case MOV_TO_SREG: return emu_mov_to_sreg(v, d, ev);
    case MOV_FROM_SREG: return emu_mov_from_sreg(v, d, ev);
    default: return emu_unsupported(v, d);
    }
}

bool emu_mov_is_plain(const struct decoded_insn *d) { return emu_mov_form_of(d) == MOV_OTHER; }

bool emu_has_rule(const struct decoded_insn *d)
{
    return (unsigned)d->i.mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE && emu_rules[d->i.mnemonic].run;
}

static void emu_count(struct vm *vm, enum emu_class cls, const struct decoded_insn *d)
{
    STAT_INC(vm, co_total);
    if (cls == EMU_CLS_MOV)
        cls = emu_mov_form_of(d) == MOV_CR || emu_mov_form_of(d) == MOV_DR ? EMU_CLS_SYSTEM
                                                                            : EMU_CLS_SEGMENT;
    switch (cls) {
    case EMU_CLS_FLAGS: STAT_INC(vm, co_flags); break;
    case EMU_CLS_SYSTEM: STAT_INC(vm, co_system); break;
    case EMU_CLS_IO: STAT_INC(vm, co_io); break;
    case EMU_CLS_HLT: STAT_INC(vm, co_hlt); break;
    case EMU_CLS_INTERRUPT: STAT_INC(vm, co_interrupt); break;
    case EMU_CLS_FAR: STAT_INC(vm, co_far_transfer); break;
    case EMU_CLS_SEGMENT: STAT_INC(vm, co_segment); break;
    case EMU_CLS_CPUID: STAT_INC(vm, co_cpuid); break;
    case EMU_CLS_MSR: STAT_INC(vm, co_msr); break;
    default: STAT_INC(vm, co_other); break;
    }
}

/* Whether the CPU btvisor advertises (monitor/cpuid.c: P6 family with MMX,
 * SSE, SSE2, FXSR, CLFSH, CMOV, and SSE3 where the host has it) has d's
 * instruction-set extension.  The emulator answers an instruction of any
 * other extension with #UD, as that CPU would, instead of stopping. */
bool emu_isa_advertised(struct vcpu *v, const struct decoded_insn *d)
{
    if (classify_isa_absent(d))
        return false;
    switch (d->i.meta.isa_set) {
    case ZYDIS_ISA_SET_INVALID: case ZYDIS_ISA_SET_I86: case ZYDIS_ISA_SET_I186:
    case ZYDIS_ISA_SET_I286PROTECTED: case ZYDIS_ISA_SET_I286REAL: case ZYDIS_ISA_SET_I386:
    case ZYDIS_ISA_SET_I486: case ZYDIS_ISA_SET_I486REAL: case ZYDIS_ISA_SET_PENTIUMREAL:
    case ZYDIS_ISA_SET_PENTIUMMMX: case ZYDIS_ISA_SET_PPRO: case ZYDIS_ISA_SET_CMOV:
    case ZYDIS_ISA_SET_FCMOV: case ZYDIS_ISA_SET_X87: case ZYDIS_ISA_SET_SSE: case ZYDIS_ISA_SET_SSE2:
    case ZYDIS_ISA_SET_SSE2MMX: case ZYDIS_ISA_SET_SSEMXCSR: case ZYDIS_ISA_SET_SSE_PREFETCH:
    case ZYDIS_ISA_SET_PREFETCH_NOP: case ZYDIS_ISA_SET_FAT_NOP: case ZYDIS_ISA_SET_PAUSE:
    case ZYDIS_ISA_SET_LAHF: case ZYDIS_ISA_SET_FXSAVE: case ZYDIS_ISA_SET_CLFSH:
    case ZYDIS_ISA_SET_RDPMC: case ZYDIS_ISA_SET_MONITOR: case ZYDIS_ISA_SET_RDTSCP:
    case ZYDIS_ISA_SET_LONGMODE: case ZYDIS_ISA_SET_CET: case ZYDIS_ISA_SET_RDPID:
    case ZYDIS_ISA_SET_SMAP:
        return true; /* (monitor, rdtscp, rdpid, stac, syscall: their own rules raise #UD) */
    case ZYDIS_ISA_SET_SSE3:
    case ZYDIS_ISA_SET_SSE3X87: {
        uint32_t r[4];
        cpuid_query(v, 1, 0, r);
        return r[2] & 1u; /* CPUID.1:ECX.SSE3 */
    }
    default:
        return false;
    }
}

enum emu_status emu_unsupported(struct vcpu *v, const struct decoded_insn *d)
{
    char text[96] = "?";
    ZydisFormatter fmt;
    if (ZYAN_SUCCESS(ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL)))
        ZydisFormatterFormatInstruction(&fmt, &d->i, d->op, d->i.operand_count_visible, text,
                                        sizeof text, d->eip, NULL);
    vm_request_exit(v->vm, VMEXIT_UNSUPPORTED, EXIT_STATUS_GUEST_FAILED,
                    "unsupported instruction '%s' at EIP %08x", text, d->eip);
    return EMU_STOP;
}

enum emu_status emu_execute(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    *ev = (struct event){ .kind = EV_NONE };
    const struct emu_rule *rule = NULL;
    if ((unsigned)d->i.mnemonic <= ZYDIS_MNEMONIC_MAX_VALUE && emu_rules[d->i.mnemonic].run)
        rule = &emu_rules[d->i.mnemonic];
    emu_count(v->vm, rule ? rule->cls : EMU_CLS_NONE, d);
    if (!emu_isa_advertised(v, d))
        return emu_invalid_opcode(v, d, ev);
    if (!rule)
        return emu_bounce(v, d, ev); /* maskmovq: its DS:EDI through a bounce buffer, or unsupported */
    return rule->run(v, d, ev);
}
