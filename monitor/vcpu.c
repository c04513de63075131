/*
 * vcpu.c: putting a vCPU into a defined architectural state.
 *
 *   vcpu_reset_multiboot(&vm->cpu, entry, 0x2BADB002, mbi);
 */
#include "monitor/vcpu.h"

#include <string.h>

#include "shadowmm/softmmu.h"

/* A flat 4 GiB segment of the given type (SEG_ATTR_* bits), DPL 0, present,
 * 32-bit, page granular: what multiboot promises in CS and the data
 * segment registers (Multiboot 0.6.96 §3.2). */
static struct seg_cache vcpu_flat_segment(uint16_t sel, uint32_t type)
{
    return (struct seg_cache){ .sel = sel, .base = 0, .limit = 0xffffffffu,
                               .attr = type | SEG_ATTR_S | SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G };
}

/* The x87 and SSE state after FNINIT and at power-up: control word 0x037f
 * (all exceptions masked, 64-bit precision), every register empty (abridged
 * tag word 0), MXCSR 0x1f80 (SDM Vol. 1 §8.1.5, §10.2.3.1; FXSAVE layout in
 * Vol. 2A FXSAVE, Table 3-53). */
void vcpu_reset_fpu(struct vcpu *v)
{
    memset(v->fpu, 0, sizeof v->fpu);
    uint16_t fcw = 0x037f;
    uint32_t mxcsr = 0x1f80;
    memcpy(&v->fpu[0], &fcw, sizeof fcw);
    memcpy(&v->fpu[24], &mxcsr, sizeof mxcsr);
}

void vcpu_reset_multiboot(struct vcpu *v, uint32_t entry, uint32_t eax, uint32_t ebx)
{
    struct vm *vm = v->vm;
    void *ibl = v->ibl;
    uint64_t helper_fn = v->helper_fn;
    struct softmmu_stitch stitch = v->stitch;
    memset(v, 0, sizeof *v);
    v->vm = vm;
    v->ibl = ibl;
    v->helper_fn = helper_fn; /* machine-level links, not architectural state */
    v->stitch = stitch;
    softmmu_flush_all(v);     /* a zeroed TLB entry would be a hit on page 0 */
    v->gpr[GPR_EAX] = eax;
    v->gpr[GPR_EBX] = ebx;
    v->eip = entry;
    vcpu_set_eflags(v, EFLAGS_FIXED);
    struct seg_cache code = vcpu_flat_segment(0x08, SEG_ATTR_CODE | SEG_ATTR_RW | SEG_ATTR_ACCESSED);
    struct seg_cache data = vcpu_flat_segment(0x10, SEG_ATTR_RW | SEG_ATTR_ACCESSED);
    vcpu_set_seg(v, SREG_CS, code);
    for (int s = 0; s < SREG_COUNT; s++)
        if (s != SREG_CS)
            vcpu_set_seg(v, (enum x86_sreg)s, data);
    v->ldtr = (struct seg_cache){ .attr = SEG_ATTR_UNUSABLE };
    v->tr = (struct seg_cache){ .limit = 0xffff, .attr = SYS_TSS32_BUSY | SEG_ATTR_P };
    v->gdtr = (struct dtr){ 0, 0xffff };
    v->idtr = (struct dtr){ 0, 0x3ff };
    v->cr0 = CR0_PE | CR0_ET;
    v->dr[6] = 0xffff0ff0u;
    v->dr[7] = 0x400;
    v->cpl = 0;
    vcpu_reset_fpu(v);
    v->apic_base = 0xfee00000u | (1u << 11) | (1u << 8); /* enabled, BSP (SDM Vol. 3A §10.4.4) */
    v->pat = 0x0007040600070406ull;           /* power-up value (SDM Vol. 3A §11.12.4) */
}
