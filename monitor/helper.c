/*
 * helper.c: the C side of the in-block helper call (bt/entry.S bt_helper).
 *
 * Translated code of the in-process engine calls here, without leaving the
 * block, when an inline TLB probe misses (bt/probe.c).  The helper either
 * fills the TLB and lets the access go on — the common case, a few hundred
 * host instructions and no system call — or, when the access needs more
 * than memory (a guest #PF, a device, a write to translated code), makes the vCPU exact at the guest instruction and
 * leaves the block with an EXIT_SOFTMMU exit that the run loop finishes
 * (run_soft_miss() in monitor/run_fault.c).
 *
 *   vcpu->helper_fn = (uintptr_t)helper_dispatch;   // once, at VM creation
 */
#include "monitor/helper.h"

#include "bt/bt.h"
#include "bt/probe.h"
#include "monitor/vm.h"
#include "shadowmm/softmmu.h"
#include "tcache/tcache.h"

struct helper_ret helper_leave(struct vcpu *v, uint64_t ret, uint32_t skip)
{
    struct tcache *tc = v->vm->tc;
    /* ret - 1 is the helper call's last byte: inside the calling guest
     * instruction's translation even when nothing of it follows the call. */
    uintptr_t call = (uintptr_t)ret - 1;
    struct tblock *tb = tc_find_block(tc, call);
    if (tb) /* always: the call lies in a block (the pc map gives its EIP) */
        v->eip = bt_recover_state(v, tb, call, v->gpr) + skip;
    v->fault_desc = (struct exit_desc){ .kind = EXIT_SOFTMMU };
    v->exit_desc = (uint64_t)(uintptr_t)&v->fault_desc;
    return (struct helper_ret){ .target = (uint64_t)(uintptr_t)tc_helper_exit_stub(tc), .r12 = 0 };
}

struct helper_ret helper_dispatch(struct vcpu *v, uint32_t info, uint64_t r13, uint64_t ret)
{
    if ((info >> HELPER_INFO_KIND_SHIFT) == HELPER_STRING)
        return helper_string(v, info, ret);
    if ((info >> HELPER_INFO_KIND_SHIFT) == HELPER_CALLOUT)
        return helper_callout(v, (struct exit_desc *)(uintptr_t)r13, ret);
    uint32_t la = (uint32_t)r13;
    uint32_t size = info & HELPER_INFO_SIZE_MASK;
    bool write = info & HELPER_INFO_WRITE, user = info & HELPER_INFO_USER;
    STAT_INC(v->vm, sm_tlb_misses);
    uint64_t addend = 0;
    struct soft_miss *m = &v->soft_miss;
    enum softmmu_outcome o = softmmu_translate(v, la, size, write, user, &addend, &m->pa, &m->ev);
    if (o == SOFTMMU_OK && !helper_host_event_waits(v))
        return (struct helper_ret){ .target = ret, .r12 = addend };
    m->outcome = (uint8_t)o;
    m->write = write;
    m->la = la;
    return helper_leave(v, ret, 0);
}
