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
 *   vm_run(vm);   // returns when vm->exit_reason is set
 */
#define _GNU_SOURCE
#include "monitor/run.h"

#include <asm/prctl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bt/bt.h"
#include "monitor/cpu.h"
#include "monitor/emulate.h"
#include "monitor/signals.h"
#include "monitor/vm.h"
#include "tcache/tcache.h"

extern uint64_t bt_enter(struct vcpu *v, const uint8_t *code);

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
        vm->dump_file = fopen(vm->cfg.dump_path, "w");
        if (!vm->dump_file) {
            snprintf(err, errlen, "cannot write translations to '%s'", vm->cfg.dump_path);
            return -1;
        }
    }
    return signals_install(err, errlen);
}

void run_fini(struct vm *vm)
{
    if (vm->dump_file)
        fclose(vm->dump_file);
    vm->dump_file = NULL;
}

/* Deliver ev through the guest IDT — or, for test harnesses, stop on it. */
static void run_raise(struct vcpu *v, struct event ev)
{
    struct vm *vm = v->vm;
    if (vm->cfg.stop_on_exception) {
        vm->last_event = ev;
        vm_request_exit(vm, VMEXIT_GUEST_EXCEPTION, EXIT_STATUS_GUEST_FAILED,
                        "guest exception %u at EIP %#x", ev.vector, v->eip);
        return;
    }
    cpu_deliver_event(v, &ev);
}

static void run_callout(struct vcpu *v, const struct exit_desc *x, struct run_exit *re)
{
    /* emu_execute counts the callout by kind (co_* statistics). */
    struct event ev = { 0 };
    switch (emu_execute(v, x->insn, &ev)) {
    case EMU_NEXT:
        break;
    case EMU_EVENT:
        re->single_step = false; /* the event's delivery clears TF */
        run_raise(v, ev);
        break;
    case EMU_HALT:
    case EMU_STOP:
        break;
    }
}

static void run_host_fault(struct vcpu *v);

/* The exception a translation raised (#UD, #NM, #GP(0)/#SS(0) from a
 * segment check): exceptions with an error code push 0. */
static struct event run_raise_event(const struct exit_desc *x)
{
    return (struct event){ .kind = x->event_kind, .vector = x->vector,
                           .has_error = x86_vector_has_error(x->vector) };
}

/* A host page fault on the guest window: a write to a page holding
 * translated code (self-modifying code), or an access to a guest-physical
 * address with no RAM behind it. */
static void run_window_fault(struct vcpu *v, const struct host_fault *hf)
{
    struct vm *vm = v->vm;
    uint64_t linear = hf->addr - GMEM_WINDOW_BASE;
    uint32_t pfn = (uint32_t)(linear / GMEM_PAGE_SIZE);
    bool write = hf->err & PFEC_W;
    if (write && linear < vm->mem.ram_size && tc_page_has_code(vm->tc, pfn)) {
        /* Drop the page's translations (which unprotects it), then let the
         * writing instruction run once from a one-off translation: that
         * translation must not write-protect the page again. */
        tc_invalidate_page(vm->tc, pfn);
        struct tb_key k = tc_current_key(v);
        struct tblock *tb = bt_translate(v, &k, true);
        if (!tb)
            return;
        tc_set_ephemeral(vm->tc, tb);
        struct exit_desc *x = (struct exit_desc *)(uintptr_t)bt_enter(v, tb->host);
        tc_set_ephemeral(vm->tc, NULL);
        struct run_exit ignored = { 0 };
        if (x->kind == EXIT_FAULT) {
            bool same = v->host_fault.addr == hf->addr && v->eip == k.eip;
            bt_free_ephemeral(tb);
            if (same)
                vm_request_exit(vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL,
                                "write to code page %#x keeps faulting at EIP %#x", pfn, v->eip);
            else
                run_host_fault(v); /* e.g. rep stos reaching the next code page */
            return;
        }
        if (x->kind == EXIT_CALLOUT)
            run_callout(v, x, &ignored);
        else if (x->kind == EXIT_RAISE)
            run_raise(v, run_raise_event(x));
        bt_free_ephemeral(tb);
        return;
    }
    vm_request_exit(vm, VMEXIT_UNSUPPORTED, EXIT_STATUS_GUEST_FAILED,
                    "guest %s nonexistent memory at %#llx (EIP %#x)", write ? "wrote to" : "read from",
                    (unsigned long long)linear, v->eip);
}

/* Map what the host CPU raised to the guest exception it stands for. */
static void run_host_fault(struct vcpu *v)
{
    const struct host_fault *hf = &v->host_fault;
    uint64_t win = GMEM_WINDOW_BASE;
    switch (hf->trapno) {
    case 14: /* #PF */
        if (hf->addr >= win && hf->addr < win + GMEM_WINDOW_SIZE + GMEM_WINDOW_GUARD) {
            struct host_fault copy = *hf;
            run_window_fault(v, &copy);
            return;
        }
        break;
    case VEC_DE: case VEC_UD: case VEC_NM: case VEC_MF: case VEC_XM:
        run_raise(v, event_fault((uint8_t)hf->trapno, false, 0));
        return;
    case VEC_GP: /* e.g. a misaligned SSE access */
    case VEC_SS:
        run_raise(v, event_fault((uint8_t)hf->trapno, true, 0));
        return;
    default:
        break;
    }
    vm_request_exit(v->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL,
                    "unexpected host signal %d (trap %llu, address %#llx) at guest EIP %#x", hf->signo,
                    (unsigned long long)hf->trapno, (unsigned long long)hf->addr, v->eip);
}

static void run_handle_exit(struct vcpu *v, struct tblock *tb, struct exit_desc *x, struct run_exit *re)
{
    re->from = NULL;
    re->indirect = false;
    re->single_step = (tb->key.mode & TB_MODE_TF) != 0;
    switch ((enum exit_kind)x->kind) {
    case EXIT_DIRECT:
        STAT_INC(v->vm, tc_unchained_exits);
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
        run_callout(v, x, re);
        break;
    case EXIT_RAISE:
        re->single_step = false;
        run_raise(v, run_raise_event(x));
        break;
    case EXIT_FAULT:
        re->single_step = false;
        run_host_fault(v);
        break;
    }
    if (re->single_step && v->vm->exit_reason == VMEXIT_NONE) {
        /* Single-step trap after the instruction (SDM Vol. 3B §17.3.1.4). */
        v->dr[6] |= 0x4000; /* BS */
        run_raise(v, (struct event){ .kind = EV_TRAP, .vector = VEC_DB });
    }
}

static void run_halted(struct vcpu *v)
{
    /* No device can interrupt yet: a halted vCPU never wakes up. */
    vm_request_exit(v->vm, VMEXIT_HALTED_FOREVER, EXIT_STATUS_OK,
                    "guest halted at EIP %#x with nothing to wake it; stopping", v->eip);
}

static struct tblock *run_find_block(struct vcpu *v)
{
    struct tb_key k = tc_current_key(v);
    tc_ibl_sync_mode(v->vm->tc, v, k.mode);
    struct tblock *tb = tc_lookup(v->vm->tc, &k);
    return tb ? tb : bt_translate(v, &k, false);
}

void vm_run(struct vm *vm)
{
    struct vcpu *v = &vm->cpu;
    struct run_exit re = { 0 };
    unsigned polls = 0;
    if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)GMEM_WINDOW_BASE) != 0) {
        vm_request_exit(vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL, "cannot set the GS base to the guest window");
        return;
    }
    signals_set_vcpu(v);
    while (vm->exit_reason == VMEXIT_NONE) {
        if ((++polls & 1023) == 0)
            board_poll(vm);
        if (v->halted) {
            run_halted(v);
            break;
        }
        struct tblock *tb = run_find_block(v);
        if (!tb)
            break;
        if (re.from && re.from->valid)
            tc_link(vm->tc, re.from, re.slot, tb);
        if (re.indirect)
            tc_ibl_insert(vm->tc, v, tb);
        STAT_INC(vm, tc_block_entries);
        struct exit_desc *x = (struct exit_desc *)(uintptr_t)bt_enter(v, tb->host);
        run_handle_exit(v, tb, x, &re);
    }
    board_poll(vm);
    signals_set_vcpu(NULL);
}
