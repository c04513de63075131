/*
 * cr0.c: writes to CR0 (mov cr0, lmsw after its own masking, clts).
 *
 * cpu_write_cr0() applies the architectural consistency checks of SDM
 * Vol. 3A §2.5 and Vol. 2B MOV (control registers): PG = 1 needs PE = 1,
 * NW = 1 needs CD = 1 (#GP(0) otherwise).  Reserved bits are ignored
 * rather than faulting, as on P6-family processors, and ET reads as 1
 * (hard-wired since the Pentium, §2.5).  The shadow MMU is told (mmu_cr0_written) so
 * that turning paging on or off, or changing WP, takes effect at once;
 * translation follows through the block key.
 *
 *   if (!cpu_write_cr0(v, value, &ev)) return EMU_EVENT;
 */
#include "monitor/cpu_priv.h"
#include "monitor/segcache.h"
#include "shadowmm/shadow.h"

#define CR0_DEFINED (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | \
                     CR0_NW | CR0_CD | CR0_PG)

bool cpu_write_cr0(struct vcpu *v, uint32_t value, struct event *ev)
{
    /* Paging without protection does not exist (§9.9.1, Vol. 2B MOV CR). */
    if ((value & CR0_PG) && !(value & CR0_PE))
        return cpu_fault(ev, VEC_GP, 0);
    /* Not-write-through with caching enabled is an invalid combination
     * (§11.5.1, Table 11-5). */
    if ((value & CR0_NW) && !(value & CR0_CD))
        return cpu_fault(ev, VEC_GP, 0);
    uint32_t old = v->cr0;
    v->cr0 = (value & CR0_DEFINED) | CR0_ET;
    segcache_flush(v); /* PE and PG change what a selector load means */
    mmu_cr0_written(v, old); /* paging on/off, WP: the shadow MMU follows */
    return true;
}
