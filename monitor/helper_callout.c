/*
 * helper_callout.c: callouts that do not leave translated code.
 *
 * In the in-process engine a sensitive instruction (a segment load, verw,
 * port I/O, int 0x80, iret...) is still emulated by the monitor, but from
 * an in-block helper call (bt/entry.S bt_helper) instead of an exit to the
 * dispatcher: bt_exit_callout emits
 *
 *   mov r13, &exit_desc          ; the decoded instruction and its kind
 *   mov r10d, HELPER_CALLOUT...  ; bt_emit_helper_call
 *   lea r9, [rip + back]
 *   jmp bt_helper
 *   back:                        ; the next guest instruction
 *
 * and the helper runs exactly what the dispatcher would (run_callout),
 * then picks the cheapest way on that keeps the machine exact:
 *
 *   1. back into the block, when the instruction fell through to the next
 *      one and nothing the block was translated for changed (its key's
 *      mode, CS base, the block still valid, the cache not flushed);
 *   2. straight into the block for the new EIP, when there is one in the
 *      cache (int 0x80 into the kernel, iret back to user code): the
 *      dispatcher's lookup done here, without the world switch;
 *   3. out to the dispatcher otherwise: an interrupt to deliver, the host
 *      timer's poll, a halt, a stop, an interrupt shadow, a block still to
 *      translate.
 *
 * The world switch and the dispatcher loop it saves were most of the cost
 * of a guest system call: Linux's entry and exit make 12 callouts (three
 * pushes, three loads and three pops of segment registers, verw, int,
 * iret).
 */
#include "monitor/helper.h"

#include "bt/bt.h"
#include "devices/intr.h"
#include "decoder/classify.h"
#include "monitor/run_priv.h"
#include "monitor/vm.h"
#include "shadowmm/softmmu.h"
#include "tcache/tcache.h"

/* Nothing the run loop must do before the next guest instruction (an
 * interrupt IF lets in, or an NMI: a self-NMI, or the iret that ends an
 * NMI handler's blocking, SDM Vol. 3A §6.7.1).  The
 * run loop polls the devices (board_poll: the UART's input, the VGA text
 * sampling) every 1024 exits; callouts that stay in translated code ask
 * for the same poll every 1024 of them. */
static bool helper_callout_may_go_on(struct vcpu *v)
{
    if ((++v->callouts_in_place & 1023) == 0)
        v->timer_pending = 1;
    return v->vm->exit_reason == VMEXIT_NONE && !v->timer_pending && !v->host_stop && !v->halted &&
           !v->interrupt_shadow && !(v->if_mask & v->irq_pending) && !intr_nmi_deliverable(v->vm);
}

/* Way 3: to the dispatcher, with the vCPU exact (the instruction is done). */
static struct helper_ret helper_callout_leave(struct vcpu *v)
{
    STAT_INC(v->vm, co_left_translated);
    v->soft_miss.outcome = SOFTMMU_OK; /* run_soft_miss: nothing left to do */
    v->fault_desc = (struct exit_desc){ .kind = EXIT_SOFTMMU };
    v->exit_desc = (uint64_t)(uintptr_t)&v->fault_desc;
    return (struct helper_ret){ .target = (uint64_t)(uintptr_t)tc_helper_exit_stub(v->vm->tc), .r12 = 0 };
}

/* Way 2: the cached block for the vCPU's state, or NULL.  The callout's
 * exit descriptor remembers the block it went on to last time (int 0x80
 * always enters the same kernel block, an iret mostly returns to the same
 * user block); x is NULL when the cache was flushed, x with it. */
static struct tblock *helper_callout_next_block(struct vcpu *v, struct exit_desc *x)
{
    struct tb_key k;
    struct event ev;
    if (!tc_current_key(v, &k, &ev))
        return NULL; /* the fetch faults: the dispatcher delivers it */
    struct tblock *tb = tc_lookup_hint(v->vm->tc, &k, x ? x->next_tb : NULL);
    if (!tb)
        return NULL;
    if (x)
        x->next_tb = tb;
    tc_ibl_sync_mode(v->vm->tc, v, k.mode);
    return tb;
}

struct helper_ret helper_callout(struct vcpu *v, struct exit_desc *x, uint64_t ret)
{
    struct vm *vm = v->vm;
    /* What is needed after the emulation, read before it: a flush of the
     * translation cache (a CR0 write, say) frees the block, x with it. */
    const struct tblock *tb = x->tb;
    uint32_t next_eip = x->insn->eip + x->insn->i.length;
    uint32_t mode = tb->key.mode, cs_base = tb->key.cs_base;
    bool transfer = x->callout_kind == CO_INTERRUPT || x->callout_kind == CO_FAR_TRANSFER;
    uint64_t flushes = vm->stats.tc_flushes;
    v->eip = x->insn->eip;
    bool delivered = run_callout(v, x);
    if (!helper_callout_may_go_on(v))
        return helper_callout_leave(v);
    bool flushed = vm->stats.tc_flushes != flushes;
    if (!delivered && !transfer && !flushed && v->eip == next_eip && tb->valid &&
        v->seg[SREG_CS].base == cs_base && tc_current_mode(v) == mode) {
        STAT_INC(vm, co_in_block);
        return (struct helper_ret){ .target = ret, .r12 = 0 };
    }
    struct tblock *next = helper_callout_next_block(v, flushed ? NULL : x);
    /* The host timer may have fired meanwhile; its handler only marks it
     * when the signal lands outside translated code. */
    if (!next || v->timer_pending)
        return helper_callout_leave(v);
    STAT_INC(vm, co_next_block);
    return (struct helper_ret){ .target = (uint64_t)(uintptr_t)next->host, .r12 = 0 };
}
