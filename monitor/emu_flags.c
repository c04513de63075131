/*
 * emu_flags.c: cli, sti, pushf and popf on the virtual EFLAGS.
 *
 * The guest's IF is not the host's: it lives in v->if_mask, and the rest of
 * EFLAGS in v->eflags (vcpu.h).  In ring 0 the translator does cli/sti/
 * pushf/popf inline; these handlers are the general case, used outside
 * ring 0 and whenever the translator chooses a callout, with every
 * privilege rule of SDM Vol. 2 CLI/STI/PUSHF/POPF in protected mode
 * (virtual-8086 mode and CR4.PVI are not offered: CPUID does not
 * advertise VME).
 *
 *   popfd at CPL 3 with IOPL 0 → IF and IOPL silently keep their values.
 */
#include "monitor/cpu.h"
#include "monitor/cpu_model.h"
#include "monitor/emu_internal.h"

/* cli/sti: IOPL-sensitive (SDM Vol. 2 CLI/STI, protected mode, PVI = 0). */
enum emu_status emu_cli(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (v->cpl > vcpu_iopl(v))
        return emu_raise(ev, event_gp(0));
    v->if_mask = 0;
    return emu_next(v, d);
}

/* stac/clac set/clear EFLAGS.AC, which lifts SMAP for explicit supervisor
 * accesses (shadowmm/walk.c).  #UD at CPL > 0 and without SMAP in the
 * model (SDM Vol. 2 STAC/CLAC).  The soft MMU's supervisor TLB holds no
 * user page while CR4.SMAP is set, so AC changes need no flush. */
enum emu_status emu_stac_clac(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (!cpu_has(v, CPU_FEAT_SMAP) || v->cpl > 0)
        return emu_raise(ev, event_ud());
    if (d->i.mnemonic == ZYDIS_MNEMONIC_STAC)
        v->eflags |= EFLAGS_AC;
    else
        v->eflags &= ~EFLAGS_AC;
    return emu_next(v, d);
}

enum emu_status emu_sti(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (v->cpl > vcpu_iopl(v))
        return emu_raise(ev, event_gp(0));
    /* Interrupts stay blocked until after the next instruction when sti
     * sets IF (SDM Vol. 2 STI: "sti; ret" returns before any interrupt). */
    if (!v->if_mask)
        v->interrupt_shadow = 1;
    v->if_mask = EFLAGS_IF;
    return emu_next(v, d);
}

/* pushf/pushfd: the image has VM and RF cleared (SDM Vol. 2 PUSHF:
 * "EFLAGS AND 00FCFFFFH"); the 16-bit form pushes FLAGS[15:0]. */
enum emu_status emu_pushf(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned size = emu_opbytes(d);
    uint32_t image = vcpu_get_eflags(v) & ~(EFLAGS_VM | EFLAGS_RF);
    if (size == 2)
        image &= 0xffff;
    if (!stack_push(v, image, size, ev))
        return EMU_EVENT;
    return emu_next(v, d);
}


/* The bits popf may change (SDM Vol. 2 POPF, protected mode):
 *   CPL 0:          all but RF, VM, VIF, VIP;
 *   0 < CPL <= IOPL: those but IOPL;
 *   CPL > IOPL:     those but IOPL and IF (no fault: the bits just keep
 *                   their values — the reason popf is not virtualizable).
 * The 16-bit form only reaches FLAGS[15:0]. */
static uint32_t emu_popf_mask(const struct vcpu *v, unsigned size)
{
    uint32_t mask = EFLAGS_DEFINED & ~(EFLAGS_RF | EFLAGS_VM | EFLAGS_VIF | EFLAGS_VIP);
    if (v->cpl > 0)
        mask &= ~EFLAGS_IOPL;
    if (v->cpl > vcpu_iopl(v))
        mask &= ~EFLAGS_IF;
    return size == 2 ? (mask & 0xffff) : mask;
}

enum emu_status emu_popf(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    unsigned size = emu_opbytes(d);
    uint32_t mask = emu_popf_mask(v, size);
    uint32_t image;
    if (!stack_pop(v, &image, size, ev))
        return EMU_EVENT;
    uint32_t flags = (vcpu_get_eflags(v) & ~mask) | (image & mask);
    /* The 32-bit form clears RF (SDM Vol. 2 POPF: "RF is cleared"). */
    if (size == 4)
        flags &= ~EFLAGS_RF;
    vcpu_set_eflags(v, flags);
    return emu_next(v, d);
}
