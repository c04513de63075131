/*
 * emu_creg.c: control and debug registers — mov to/from CR0/CR2/CR3/CR4
 * and DR0-DR7, smsw, lmsw, clts — and the cache/TLB instructions invlpg,
 * invd, wbinvd.
 *
 * All of them are privileged (#GP(0) at CPL > 0) except smsw.  CR0 goes
 * through cpu_write_cr0() (monitor/cr0.c), which owns the PG/PE and NW/CD
 * consistency checks.  btvisor does not shadow guest page tables yet, so
 * turning paging on (CR0.PG) or asking for PAE stops the VM with one clear
 * line instead of running the guest wrongly.  invlpg, invd and wbinvd have
 * nothing to flush while paging is off: they are no-ops at CPL 0.
 *
 *   mov cr4, eax     with a reserved bit (VME, MCE, ...) → #GP(0)
 *   mov eax, dr5     with CR4.DE = 0 → reads DR7
 */
#include "monitor/cpu.h"
#include "monitor/cpu_model.h"
#include "monitor/emu_internal.h"
#include "shadowmm/shadow.h"
#include "monitor/vm.h"

/* CR4 bits btvisor implements; the others are reserved for this CPU model
 * because CPUID does not advertise their feature (VME/PVI, MCE, and all
 * later ones), so setting them is #GP(0) (SDM Vol. 2 MOV CR, §2.5).
 * UMIP, SMEP and SMAP exist only in models that have them
 * (monitor/cpu_model.h). */
#define CR4_SUPPORTED (CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | CR4_OSFXSR | \
                       CR4_OSXMMEXCPT)

static uint32_t cr4_supported(const struct vcpu *v)
{
    return CR4_SUPPORTED | (cpu_has(v, CPU_FEAT_UMIP) ? CR4_UMIP : 0) |
           (cpu_has(v, CPU_FEAT_SMEP) ? CR4_SMEP : 0) | (cpu_has(v, CPU_FEAT_SMAP) ? CR4_SMAP : 0);
}

/* DR6/DR7 bits that software can change; the others read as fixed values
 * (SDM Vol. 3B §17.2.3, §17.2.4, P6 family layout). */
#define DR6_WRITABLE 0x0000e00fu
#define DR6_FIXED1 0xffff0ff0u
#define DR6_BD (1u << 13)
#define DR7_WRITABLE 0xffff23ffu
#define DR7_FIXED1 0x00000400u
#define DR7_GD (1u << 13)

static enum emu_status emu_paging_unsupported(struct vcpu *v, const struct decoded_insn *d, const char *what)
{
    vm_request_exit(v->vm, VMEXIT_UNSUPPORTED, EXIT_STATUS_GUEST_FAILED,
                    "guest set %s at EIP %08x: paging is not supported yet", what, d->eip);
    return EMU_STOP;
}

static enum emu_status emu_write_cr0(struct vcpu *v, const struct decoded_insn *d, uint32_t value,
                                     struct event *ev)
{
    /* Let cpu_write_cr0 raise the architectural #GP first (PG without PE,
     * NW without CD); a valid value that turns paging on stops the VM. */
    if (!cpu_write_cr0(v, value, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

static enum emu_status emu_write_cr(struct vcpu *v, const struct decoded_insn *d, int n, uint32_t value,
                                    struct event *ev)
{
    switch (n) {
    case 0:
        return emu_write_cr0(v, d, value, ev);
    case 2:
        v->cr2 = value;
        break;
    case 3: {
        uint32_t old = v->cr3;
        v->cr3 = value;
        mmu_cr3_written(v, old);
        break;
    }
    default:
        if (value & ~cr4_supported(v))
            return emu_raise(ev, event_gp(0));
        if (value & CR4_PAE)
            return emu_paging_unsupported(v, d, "CR4.PAE");
        uint32_t old = v->cr4;
        v->cr4 = value;
        mmu_cr4_written(v, old);
        break;
    }
    return emu_next(v, d);
}

static uint32_t emu_read_cr(const struct vcpu *v, int n)
{
    switch (n) {
    case 0: return v->cr0;
    case 2: return v->cr2;
    case 3: return v->cr3;
    default: return v->cr4;
    }
}

enum emu_status emu_mov_cr(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    bool to_cr = ZydisRegisterGetClass(dst->reg.value) == ZYDIS_REGCLASS_CONTROL;
    int n = ZydisRegisterGetId(to_cr ? dst->reg.value : src->reg.value);
    /* CR1, CR5-CR7 and CR8+ do not exist on this CPU (SDM Vol. 2 MOV CR). */
    if (n != 0 && n != 2 && n != 3 && n != 4)
        return emu_raise(ev, event_ud());
    if (v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    if (to_cr)
        return emu_write_cr(v, d, n, emu_reg_read(v, src->reg.value), ev);
    emu_reg_write(v, dst->reg.value, emu_read_cr(v, n));
    return emu_next(v, d);
}

static void emu_write_dr(struct vcpu *v, int n, uint32_t value)
{
    if (n == 6)
        value = (value & DR6_WRITABLE) | DR6_FIXED1;
    else if (n == 7)
        value = (value & DR7_WRITABLE) | DR7_FIXED1;
    v->dr[n] = value;
}

enum emu_status emu_mov_dr(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    const ZydisDecodedOperand *dst = &d->op[0], *src = &d->op[1];
    bool to_dr = ZydisRegisterGetClass(dst->reg.value) == ZYDIS_REGCLASS_DEBUG;
    int n = ZydisRegisterGetId(to_dr ? dst->reg.value : src->reg.value);
    if (n < 0 || n > 7)
        return emu_raise(ev, event_ud());
    if (v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    /* DR4/DR5 alias DR6/DR7 unless debug extensions are on, which makes
     * them #UD (SDM Vol. 3B §17.2.2). */
    if (n == 4 || n == 5) {
        if (v->cr4 & CR4_DE)
            return emu_raise(ev, event_ud());
        n += 2;
    }
    /* General detect: any debug-register access is a #DB fault with DR6.BD
     * set, and the processor clears GD so the handler itself can use the
     * registers (SDM Vol. 3B §17.2.4, §17.3.1.2). */
    if (v->dr[7] & DR7_GD) {
        v->dr[6] |= DR6_BD;
        v->dr[7] &= ~DR7_GD;
        return emu_raise(ev, event_fault(VEC_DB, false, 0));
    }
    if (to_dr)
        emu_write_dr(v, n, emu_reg_read(v, src->reg.value));
    else
        emu_reg_write(v, dst->reg.value, v->dr[n]);
    return emu_next(v, d);
}

/* smsw: a register destination takes the operand size (32 bits: all of
 * CR0, as P6 and later store it), memory takes 16 bits (SDM Vol. 2 SMSW). */
enum emu_status emu_smsw(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (emu_umip_refuses(v))
        return emu_raise(ev, event_gp(0));
    if (!emu_write_operand(v, d, &d->op[0], v->cr0, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

/* lmsw loads PE, MP, EM and TS; it can set PE but never clear it
 * (SDM Vol. 2 LMSW). */
enum emu_status emu_lmsw(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint32_t msw;
    if (v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    if (!emu_read_operand(v, d, &d->op[0], &msw, ev))
        return EMU_EVENT;
    uint32_t low = CR0_PE | CR0_MP | CR0_EM | CR0_TS;
    uint32_t value = (v->cr0 & ~low) | (msw & low) | (v->cr0 & CR0_PE);
    if (!cpu_write_cr0(v, value, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

enum emu_status emu_clts(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    if (!cpu_write_cr0(v, v->cr0 & ~CR0_TS, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}

/* invd, wbinvd: privileged; guest RAM is coherent host memory (no cache
 * to flush). */
enum emu_status emu_cache_noop(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    return emu_next(v, d);
}

/* invlpg m: drop the translation of the page holding the operand's linear
 * address (SDM Vol. 2A INVLPG: the operand is not accessed, only its
 * address computed; no fault for a bad address). */
enum emu_status emu_invlpg(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    const ZydisDecodedOperand *op = emu_mem_operand(d);
    if (op) {
        enum x86_sreg s;
        uint32_t off = emu_effective_address(v, d, op, &s);
        mmu_invlpg(v, v->seg[s].base + off);
    }
    return emu_next(v, d);
}
