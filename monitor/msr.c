/*
 * msr.c: the model-specific registers of btvisor's CPU model, and the
 * instructions that reach them — rdmsr, wrmsr, rdtsc, rdpmc.
 *
 * Only the MSRs a 32-bit kernel of the P6 generation touches are modelled;
 * any other index is #GP(0), as on hardware that lacks it (SDM Vol. 2
 * RDMSR/WRMSR).  Values live in struct vcpu.  The guest's time-stamp
 * counter is the host's plus v->tsc_offset, so writing the TSC only moves
 * the offset.
 *
 *   IA32_TSC (10h)           read: host TSC + offset; write: sets the offset
 *   IA32_APIC_BASE (1Bh)     base and enable bit stored, BSP flag read-only;
 *                            clearing the enable bit resets the local APIC
 *   IA32_BIOS_SIGN_ID (8Bh)  reads 0 (no microcode update), writes ignored
 *   IA32_PLATFORM_ID (17h)   reads 0 (platform 0: what microcode loaders
 *                            read on family 6), read-only
 *   IA32_MTRRCAP (FEh)       reads 0 (no MTRRs), read-only
 *   IA32_SYSENTER_CS/ESP/EIP (174h-176h)  stored (32 bits)
 *   IA32_MISC_ENABLE (1A0h)  stored
 *   IA32_PAT (277h)          stored; an invalid memory type is #GP(0)
 *   IA32_TSC_DEADLINE (6E0h) the local APIC timer's deadline (devices/lapic_timer.c)
 *   IA32_TSC_AUX (C0000103h) with RDTSCP or RDPID in the model: 32 bits, what
 *                            rdtscp returns in ECX and rdpid in its register
 *
 *   uint64_t tsc;
 *   msr_read(v, 0x10, &tsc);
 */
#include <x86intrin.h>

#include "devices/lapic.h"
#include "monitor/cpu_model.h"
#include "monitor/emu_internal.h"
#include "monitor/vm.h"

#define MSR_IA32_TSC 0x10u
#define MSR_IA32_APIC_BASE 0x1bu
#define MSR_IA32_BIOS_SIGN_ID 0x8bu
#define MSR_IA32_PLATFORM_ID 0x17u
#define MSR_IA32_MTRRCAP 0xfeu
#define MSR_IA32_SYSENTER_CS 0x174u
#define MSR_IA32_SYSENTER_ESP 0x175u
#define MSR_IA32_SYSENTER_EIP 0x176u
#define MSR_IA32_MISC_ENABLE 0x1a0u
#define MSR_IA32_PAT 0x277u
#define MSR_IA32_TSC_DEADLINE 0x6e0u
#define MSR_IA32_TSC_AUX 0xc0000103u

/* APIC base: BSP (8, read-only), enable (11), base 31:12 — with a 32-bit
 * physical address space everything else is reserved (SDM Vol. 3A §10.4.4). */
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_WRITABLE 0xfffff800ull

static uint64_t msr_guest_tsc(const struct vcpu *v)
{
    return __rdtsc() + v->tsc_offset;
}

/* IA32_TSC_AUX exists when CPUID advertises RDTSCP or RDPID (SDM Vol. 4
 * Table 2-2: "If CPUID.80000001H:EDX[27] = 1 or CPUID.(EAX=7,ECX=0):ECX[22]
 * = 1"). */
static bool msr_has_tsc_aux(const struct vcpu *v)
{
    return cpu_has(v, CPU_FEAT_RDTSCP) || cpu_has(v, CPU_FEAT_RDPID);
}

bool msr_read(struct vcpu *v, uint32_t index, uint64_t *value)
{
    switch (index) {
    case MSR_IA32_TSC: *value = msr_guest_tsc(v); return true;
    case MSR_IA32_APIC_BASE: *value = v->apic_base; return true;
    case MSR_IA32_BIOS_SIGN_ID: *value = 0; return true;
    case MSR_IA32_PLATFORM_ID: *value = 0; return true;
    case MSR_IA32_MTRRCAP: *value = 0; return true;
    case MSR_IA32_SYSENTER_CS: *value = v->sysenter_cs; return true;
    case MSR_IA32_SYSENTER_ESP: *value = v->sysenter_esp; return true;
    case MSR_IA32_SYSENTER_EIP: *value = v->sysenter_eip; return true;
    case MSR_IA32_MISC_ENABLE: *value = v->misc_enable; return true;
    case MSR_IA32_PAT: *value = v->pat; return true;
    case MSR_IA32_TSC_DEADLINE:
        if (!v->vm || !lapic_hw_enabled(v->vm))
            return false;
        *value = lapic_tsc_deadline_read(v->vm);
        return true;
    case MSR_IA32_TSC_AUX:
        *value = v->tsc_aux;
        return msr_has_tsc_aux(v);
    default: return false;
    }
}

/* Each PAT entry must name a defined memory type: UC 0, WC 1, WT 4, WP 5,
 * WB 6, UC- 7; 2, 3 and bits 7:3 of an entry are reserved (SDM Vol. 3A
 * §11.12.2). */
static bool msr_pat_valid(uint64_t pat)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned type = (pat >> (8 * i)) & 0xff;
        if (type > 7 || type == 2 || type == 3)
            return false;
    }
    return true;
}

static bool msr_write_apic_base(struct vcpu *v, uint64_t value)
{
    if (value & ~(APIC_BASE_WRITABLE | APIC_BASE_BSP))
        return false;
    uint64_t old = v->apic_base;
    v->apic_base = (value & APIC_BASE_WRITABLE) | (v->apic_base & APIC_BASE_BSP);
    if (v->vm)
        lapic_base_changed(v->vm, old, v->apic_base);
    return true;
}

bool msr_write(struct vcpu *v, uint32_t index, uint64_t value)
{
    switch (index) {
    case MSR_IA32_TSC: v->tsc_offset = value - __rdtsc(); return true;
    case MSR_IA32_APIC_BASE: return msr_write_apic_base(v, value);
    case MSR_IA32_BIOS_SIGN_ID: return true;
    case MSR_IA32_SYSENTER_CS: v->sysenter_cs = (uint32_t)value; return true;
    case MSR_IA32_SYSENTER_ESP: v->sysenter_esp = (uint32_t)value; return true;
    case MSR_IA32_SYSENTER_EIP: v->sysenter_eip = (uint32_t)value; return true;
    case MSR_IA32_MISC_ENABLE: v->misc_enable = value; return true;
    case MSR_IA32_TSC_DEADLINE:
        if (!v->vm || !lapic_hw_enabled(v->vm))
            return false;
        lapic_tsc_deadline_write(v->vm, value);
        return true;
    case MSR_IA32_TSC_AUX:
        /* bits 63:32 are reserved: #GP(0) when set (SDM Vol. 4 Table 2-2, TSC_AUX[31:0]) */
        if (!msr_has_tsc_aux(v) || (value >> 32))
            return false;
        v->tsc_aux = (uint32_t)value;
        return true;
    case MSR_IA32_PAT:
        if (!msr_pat_valid(value))
            return false;
        v->pat = value;
        return true;
    default: return false; /* includes the read-only MTRRCAP */
    }
}

static void msr_set_edx_eax(struct vcpu *v, uint64_t value)
{
    v->gpr[GPR_EAX] = (uint32_t)value;
    v->gpr[GPR_EDX] = (uint32_t)(value >> 32);
}

enum emu_status emu_rdmsr(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint64_t value;
    if (v->cpl != 0 || !msr_read(v, v->gpr[GPR_ECX], &value))
        return emu_raise(ev, event_gp(0));
    msr_set_edx_eax(v, value);
    return emu_next(v, d);
}

enum emu_status emu_wrmsr(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    uint64_t value = ((uint64_t)v->gpr[GPR_EDX] << 32) | v->gpr[GPR_EAX];
    if (v->cpl != 0 || !msr_write(v, v->gpr[GPR_ECX], value))
        return emu_raise(ev, event_gp(0));
    return emu_next(v, d);
}

/* rdtsc: #GP(0) outside ring 0 when CR4.TSD is set (SDM Vol. 2 RDTSC). */
enum emu_status emu_rdtsc(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if ((v->cr4 & CR4_TSD) && v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    msr_set_edx_eax(v, msr_guest_tsc(v));
    return emu_next(v, d);
}

/* rdtscp: #UD unless the model has it (CPUID 80000001h:EDX[27]), #GP(0)
 * outside ring 0 with CR4.TSD; EDX:EAX = TSC, ECX = IA32_TSC_AUX[31:0]
 * (SDM Vol. 2 RDTSCP). */
enum emu_status emu_rdtscp(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (!cpu_has(v, CPU_FEAT_RDTSCP))
        return emu_raise(ev, event_ud());
    if ((v->cr4 & CR4_TSD) && v->cpl != 0)
        return emu_raise(ev, event_gp(0));
    msr_set_edx_eax(v, msr_guest_tsc(v));
    v->gpr[GPR_ECX] = v->tsc_aux;
    return emu_next(v, d);
}

/* rdpid r32: #UD unless the model has it (CPUID 7.0:ECX[22]); the register
 * gets IA32_TSC_AUX, at any CPL (SDM Vol. 2 RDPID). */
enum emu_status emu_rdpid(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    if (!cpu_has(v, CPU_FEAT_RDPID))
        return emu_raise(ev, event_ud());
    emu_reg_write(v, d->op[0].reg.value, v->tsc_aux);
    return emu_next(v, d);
}

/* rdpmc: the model has no performance counters to read, so every counter
 * index is invalid: #GP(0) (SDM Vol. 2 RDPMC, "ECX doesn't specify a valid
 * counter"). */
enum emu_status emu_rdpmc(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    (void)v;
    (void)d;
    return emu_raise(ev, event_gp(0));
}
