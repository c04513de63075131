/*
 * run.c: the vCPU's dispatch loop.
 *
 * A loop made of small checks (STYLE.md habit 2): stop if the VM must stop;
 * deliver a pending exception; wait while halted; otherwise look up (or
 * translate) the block for the current state, chain the exit we came from
 * to it, run it, and handle the exit it comes back with:
 *
 *   EXIT_DIRECT    a branch left the block: chain it next time round
 *   EXIT_INDIRECT  an indirect branch missed the inline table: fill it
 *   EXIT_CALLOUT   emulate a sensitive instruction (monitor/emulate.c)
 *   EXIT_RAISE     raise an exception the translation decided on (#UD)
 *   EXIT_FAULT     a host signal in translated code (monitor/signals.c)
 *
 * Real-mode and 16-bit code is not translated: it runs one instruction per
 * trip round the loop through the interpreter (monitor/run16.c).
 *
 *   vm_run(vm);   // returns when vm->exit_reason is set
 */
#define _GNU_SOURCE
#include "monitor/run.h"

#include <asm/prctl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "bt/bt.h"
#include "bt/dump.h"
#include "devices/intr.h"
#include "decoder/classify.h"
#include "monitor/cpu.h"
#include "monitor/direct.h"
#include "monitor/hostcall.h"
#include "monitor/irq.h"
#include "monitor/emulate.h"
#include "monitor/signals.h"
#include "monitor/run16.h"
#include "monitor/run_priv.h"
#include "monitor/vm.h"
#include "shadowmm/shadow.h"
#include "tcache/tcache.h"


/* What the loop remembers between two trips through translated code. */
struct run_exit {
    struct tblock *from;  /* block the last direct exit left, NULL if none */
    unsigned slot;        /* its exit slot */
    bool indirect;        /* the last exit was an indirect-table miss */
    bool single_step;     /* the block ran with TF set: #DB after it */
};

int run_init(struct vm *vm, char *err, size_t errlen)
{
    if (vm->cfg.dump_path) {
        /* A stream whose writes are counted host calls (monitor/hostcall.h). */
        int fd = open(vm->cfg.dump_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        vm->dump_file = fd < 0 ? NULL : host_fdopen_counted(&vm->stats, fd);
        if (!vm->dump_file) {
            if (fd >= 0)
                close(fd);
            snprintf(err, errlen, "cannot write translations to '%s'", vm->cfg.dump_path);
            return -1;
        }
        bt_dump_prepare();
    }
    if (signals_install(err, errlen) < 0)
        return -1;
    return irq_init(vm, err, errlen);
}

void run_fini(struct vm *vm)
{
    irq_fini(vm);
    if (vm->dump_file)
        fclose(vm->dump_file);
    vm->dump_file = NULL;
}

/* Deliver ev through the guest IDT — or, for test harnesses, stop on it. */
void run_raise(struct vcpu *v, struct event ev)
{
    struct vm *vm = v->vm;
    if (ev.kind == EV_NONE || vm->exit_reason != VMEXIT_NONE)
        return; /* e.g. an access to nonexistent memory stopped the VM */
    if (vm->cfg.stop_on_exception) {
        vm->last_event = ev;
        vm_request_exit(vm, VMEXIT_GUEST_EXCEPTION, EXIT_STATUS_GUEST_FAILED,
                        "guest exception %u at EIP %#x", ev.vector, v->eip);
        return;
    }
    cpu_deliver_event(v, &ev);
}

struct event run_raise_event(const struct exit_desc *x)
{
    return (struct event){ .kind = x->event_kind, .vector = x->vector,
                           .has_error = x86_vector_has_error(x->vector) };
}

bool run_callout(struct vcpu *v, const struct exit_desc *x)
{
    struct event ev = { 0 };
    /* emu_execute and emu_memop count the callout (co_* statistics). */
    enum emu_status st = x->callout_kind == CO_MEMOP ? emu_memop(v, x->insn, &ev) : emu_execute(v, x->insn, &ev);
    if (x->callout_kind == CO_IO)
        irq_update(v->vm); /* a device may have a new next event (e.g. RTC register C read) */
    if (st != EMU_EVENT)
        return false;
    run_raise(v, ev);
    return true;
}

static void run_handle_exit(struct vcpu *v, struct tblock *tb, struct exit_desc *x, struct run_exit *re)
{
    re->from = NULL;
    re->indirect = false;
    re->single_step = (tb->key.mode & TB_MODE_TF) != 0;
    switch ((enum exit_kind)x->kind) {
    case EXIT_DIRECT:
        STAT_INC(v->vm, tc_unchained_exits);
        if (x->flags & EXIT_F_SHADOW)
            v->interrupt_shadow = 1;
        if (x->slot < TB_MAX_EXITS) {
            re->from = x->tb;
            re->slot = x->slot;
        }
        break;
    case EXIT_INDIRECT:
        STAT_INC(v->vm, tc_ibl_misses);
        re->indirect = true;
        break;
    case EXIT_CALLOUT:
        if (run_callout(v, x))
            re->single_step = false; /* delivering the event clears TF */
        break;
    case EXIT_RAISE:
        re->single_step = false;
        run_raise(v, run_raise_event(x));
        break;
    case EXIT_FAULT:
        re->single_step = false;
        run_host_fault(v);
        break;
    case EXIT_SOFTMMU: /* the instruction has not run yet */
        re->single_step = false;
        run_soft_miss(v);
        break;
    }
    if (re->single_step && v->vm->exit_reason == VMEXIT_NONE) {
        /* Single-step trap after the instruction (SDM Vol. 3B §17.3.1.4). */
        v->dr[6] |= 0x4000; /* BS */
        run_raise(v, (struct event){ .kind = EV_TRAP, .vector = VEC_DB });
    }
}

/* The block for the vCPU's state, translated if need be.  NULL when
 * there is none to run: the fetch faulted (the #PF is delivered, go round
 * again) or the VM must stop. */
static struct tblock *run_find_block(struct vcpu *v)
{
    struct tb_key k;
    struct event ev;
    if (!tc_current_key(v, &k, &ev)) {
        run_raise(v, ev);
        return NULL;
    }
    tc_ibl_sync_mode(v->vm->tc, v, k.mode);
    struct tblock *tb = tc_lookup(v->vm->tc, &k);
    if (tb)
        return tb;
    tb = bt_translate(v, &k, false);
    if (!tb && v->pending.kind != EV_NONE) { /* the fetch faulted inside the first instruction */
        ev = v->pending;
        v->pending.kind = EV_NONE;
        run_raise(v, ev);
    }
    return tb;
}

/* After sti or mov ss with an interrupt waiting (SDM Vol. 3A §6.8.3): the
 * interrupt is due right after the next instruction, so that one runs
 * alone — the rest of its block (often a cli) must not run first. */
static bool run_shadow_wants_step(const struct vcpu *v)
{
    return v->interrupt_shadow &&
           ((v->if_mask && intr_has_interrupt(v->vm)) || intr_nmi_deliverable(v->vm));
}

/* Run the instruction at EIP from a one-instruction translation.  If it
 * did not retire (a soft-MMU miss restarts it), the shadow stays. */
static void run_step_one(struct vcpu *v)
{
    uint32_t eip = v->eip;
    struct tb_key k;
    struct event ev;
    if (!tc_current_key(v, &k, &ev)) {
        run_raise(v, ev);
        return;
    }
    struct tblock *tb = bt_translate(v, &k, true);
    if (!tb)
        return;
    struct run_exit re = { 0 };
    tc_set_ephemeral(v->vm->tc, tb);
    struct exit_desc *x = (struct exit_desc *)(uintptr_t)bt_enter(v, tb->host);
    tc_set_ephemeral(v->vm->tc, NULL);
    run_handle_exit(v, tb, x, &re);
    bt_free_ephemeral(tb);
    if (x->kind == EXIT_SOFTMMU && v->eip == eip)
        v->interrupt_shadow = 1;
}

void vm_run(struct vm *vm)
{
    struct vcpu *v = &vm->cpu;
    struct run_exit re = { 0 };
    unsigned polls = 0;
    if (host_arch_prctl(&vm->stats, ARCH_SET_GS, (unsigned long)GMEM_WINDOW_BASE) != 0) {
        vm_request_exit(vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL, "cannot set the GS base to the guest window");
        return;
    }
    signals_set_vcpu(v);
    irq_update(vm);
    while (vm->exit_reason == VMEXIT_NONE) {
        if (v->timer_pending || (++polls & 1023) == 0) {
            if (v->host_stop) {
                vm_request_exit(vm, VMEXIT_ERROR, 128 + v->host_stop, "stopped by host signal %d at guest EIP %#x",
                                v->host_stop, v->eip);
                break;
            }
            board_poll(vm);
            irq_update(vm);
        }
        bool shadow_step = run_shadow_wants_step(v);
        if (irq_deliver(v))
            re = (struct run_exit){ 0 }; /* the exit we came from does not lead here */
        if (v->halted) {
            irq_wait_halted(v);
            continue;
        }
        if (run16_wanted(v)) {
            run16_step(v); /* real-mode and 16-bit code: one instruction, interpreted */
            re = (struct run_exit){ 0 };
            continue;
        }
        if (shadow_step && !direct_possible(v)) {
            run_step_one(v);
            re = (struct run_exit){ 0 };
            continue;
        }
        if (direct_possible(v)) {
            direct_run(v);
            re = (struct run_exit){ 0 };
            continue;
        }
        uint64_t flushes = vm->stats.tc_flushes;
        struct tblock *tb = run_find_block(v);
        if (vm->stats.tc_flushes != flushes)
            re.from = NULL; /* the flush freed the block we came from */
        if (!tb) {
            re = (struct run_exit){ 0 };
            continue;
        }
        if (re.from && re.from->valid)
            tc_link(vm->tc, re.from, re.slot, tb);
        if (re.indirect)
            tc_ibl_insert(vm->tc, v, tb);
        shadow_set_privilege(v, v->cpl, 1ull << 32); /* translated code is not truncated */
        STAT_INC(vm, tc_block_entries);
        struct exit_desc *x = (struct exit_desc *)(uintptr_t)bt_enter(v, tb->host);
        run_handle_exit(v, tb, x, &re);
    }
    vm->stats.sh_mappings_live = shadow_live_mappings(vm);
    board_poll(vm);
    board_stop(vm);
    signals_set_vcpu(NULL);
}
