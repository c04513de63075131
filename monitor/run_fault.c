/*
 * run_fault.c: what a host signal in translated code means for the guest.
 *
 * The signal handler (signals.c) has already made the vCPU exact at the
 * faulting guest instruction and recorded what the host CPU reported; here
 * the run loop decides:
 *   - #DE, #UD, #NM, #MF, #XM, #GP, #SS: the guest's own exception;
 *   - a page fault on the guest window, with paging on: the shadow MMU says
 *     whether it was hidden (fill and retry), a true guest #PF, a write to a
 *     traced page table (emulate it), a write to a page holding translated
 *     code (self-modifying code), or a device (emulate it);
 *   - the same with paging off, where only code pages and devices remain.
 * An instruction that keeps trapping on traced page tables or devices is
 * retranslated into a callout (adaptive binary translation, Adams & Agesen
 * 2006), so that it stops faulting.
 *
 *   run_host_fault(v);   // after an EXIT_FAULT
 */
#include <string.h>

#include "bt/bt.h"
#include "decoder/classify.h"
#include "monitor/cpu.h"
#include "monitor/emulate.h"
#include "monitor/run_priv.h"
#include "monitor/vm.h"
#include "shadowmm/mmio.h"
#include "shadowmm/shadow.h"
#include "shadowmm/softmmu.h"
#include "tcache/tcache.h"

/* Traps by one instruction before it is retranslated into a callout. */
#define RUN_ADAPT_THRESHOLD 4

/* Fetch and decode the instruction at CS:EIP; false if it cannot be read. */
bool run_decode_current(struct vcpu *v, struct decoded_insn *d, uint32_t *pa)
{
    uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];
    uint32_t la = v->seg[SREG_CS].base + v->eip;
    struct event ev;
    size_t n = 0;
    for (; n < sizeof bytes; n++) {
        uint32_t p;
        if (!shadow_fetch_pa(v, la + (uint32_t)n, false, &p, &ev))
            break;
        if (n == 0)
            *pa = p;
        gmem_read_phys(v->vm, p, &bytes[n], 1);
    }
    return n > 0 && decode_insn(bytes, n, v->eip, 32, d);
}

/* Emulate the faulting instruction (a device or page-table access), and
 * retranslate it into a callout if it keeps trapping. */
void run_emulate_access(struct vcpu *v)
{
    struct decoded_insn d;
    uint32_t ipa = 0;
    if (!run_decode_current(v, &d, &ipa)) {
        vm_request_exit(v->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL, "cannot decode the instruction at EIP %#x",
                        v->eip);
        return;
    }
    if (tc_note_trap(v->vm->tc, ipa) == RUN_ADAPT_THRESHOLD) {
        tc_set_emulated(v->vm->tc, ipa);
        tc_invalidate_page(v->vm->tc, ipa / GMEM_PAGE_SIZE); /* retranslated on next use */
        STAT_INC(v->vm, sh_adaptive_retranslations);
    }
    struct event ev;
    if (emu_memop(v, &d, &ev) == EMU_EVENT)
        run_raise(v, ev);
}

/* A write to a page holding translated code: drop the page's translations
 * (which unprotects it), then run the writing instruction once from a
 * one-off translation that does not protect the page again. */
static void run_code_write(struct vcpu *v, uint32_t pfn, uint64_t host_addr)
{
    struct vm *vm = v->vm;
    tc_invalidate_page(vm->tc, pfn);
    struct tb_key k;
    struct event ev;
    if (!tc_current_key(v, &k, &ev)) {
        run_raise(v, ev);
        return;
    }
    struct tblock *tb = bt_translate(v, &k, true);
    if (!tb)
        return;
    tc_set_ephemeral(vm->tc, tb);
    struct exit_desc *x = (struct exit_desc *)(uintptr_t)bt_enter(v, tb->host);
    tc_set_ephemeral(vm->tc, NULL);
    (void)host_addr;
    if (x->kind == EXIT_FAULT)
        run_host_fault(v); /* e.g. the page still wants its D bit, or rep stos reaching the next code page */
    else if (x->kind == EXIT_SOFTMMU)
        run_soft_miss(v);
    else if (x->kind == EXIT_CALLOUT)
        run_callout(v, x);
    else if (x->kind == EXIT_RAISE)
        run_raise(v, run_raise_event(x));
    bt_free_ephemeral(tb);
}

/* Guest-physical pa is not RAM: a device, or nothing at all (then the
 * emulated access reads all-ones, or the VM stops with --strict-memory). */
static void run_non_ram(struct vcpu *v, uint64_t pa, bool write)
{
    struct event ev;
    if (!mmio_find(v->vm, pa) && !gmem_nonexistent(v, pa, write, &ev))
        return;
    run_emulate_access(v);
}

/* A write to a page holding translated code.  Translated code runs the
 * writing instruction once from a one-off translation; user code simply
 * runs it again natively once the page's translations are gone. */
static void run_code_page_write(struct vcpu *v, uint32_t pfn, uint64_t host_addr, bool direct)
{
    if (direct)
        tc_invalidate_page(v->vm->tc, pfn);
    else
        run_code_write(v, pfn, host_addr);
}

static void run_paged_fault(struct vcpu *v, uint32_t la, bool write, uint64_t host_addr, bool direct)
{
    struct event ev;
    uint32_t pa = 0;
    switch (shadow_fault(v, la, write, &ev, &pa)) {
    case SHADOW_FILLED:
        return;
    case SHADOW_GUEST_FAULT:
        STAT_INC(v->vm, sh_true_page_faults);
        run_raise(v, ev);
        return;
    case SHADOW_CODE_WRITE:
        run_code_page_write(v, pa / GMEM_PAGE_SIZE, host_addr, direct);
        return;
    case SHADOW_TRACED_WRITE:
        STAT_INC(v->vm, sh_trace_traps);
        run_emulate_access(v);
        return;
    case SHADOW_MMIO:
        run_non_ram(v, pa, write);
        return;
    }
}

/* A fault just outside the window: only a string instruction's 64-bit
 * pointers (bt/rule_string.c) get there, when the guest's ESI/EDI wrap
 * around 4 GiB.  The monitor runs it instead, with 32-bit wrapping. */
static void run_outside_window(struct vcpu *v)
{
    struct decoded_insn d;
    uint32_t ipa;
    struct event ev;
    if (!run_decode_current(v, &d, &ipa) || classify_insn(&d, &(enum callout_kind){ 0 }) != RULE_STRING) {
        vm_request_exit(v->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL,
                        "host fault outside the guest window at %#llx (EIP %#x)",
                        (unsigned long long)v->host_fault.addr, v->eip);
        return;
    }
    if (emu_execute(v, &d, &ev) == EMU_EVENT)
        run_raise(v, ev);
}

void run_window_fault(struct vcpu *v, bool direct)
{
    const struct host_fault *hf = &v->host_fault;
    struct vm *vm = v->vm;
    uint64_t host_addr = hf->addr;
    bool write = hf->err & PFEC_W;
    if (host_addr < GMEM_WINDOW_BASE || host_addr >= GMEM_WINDOW_BASE + GMEM_WINDOW_SIZE) {
        if (direct)
            vm_request_exit(vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL,
                            "user code faulted outside the guest window at %#llx (EIP %#x)",
                            (unsigned long long)host_addr, v->eip);
        else
            run_outside_window(v);
        return;
    }
    uint32_t la = (uint32_t)(host_addr - GMEM_WINDOW_BASE);
    if (v->cr0 & CR0_PG) {
        run_paged_fault(v, la, write, host_addr, direct);
        return;
    }
    if (la < vm->mem.ram_size && write && tc_page_has_code(vm->tc, la / GMEM_PAGE_SIZE)) {
        run_code_page_write(v, la / GMEM_PAGE_SIZE, host_addr, direct);
        return;
    }
    if (la >= vm->mem.ram_size) {
        run_non_ram(v, la, write);
        return;
    }
    vm_request_exit(vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL, "unexpected fault on guest RAM at %#x (EIP %#x)", la,
                    v->eip);
}

/* An access of translated code that the soft MMU's helper could not finish
 * (monitor/helper.c); the vCPU is exact at the instruction. */
void run_soft_miss(struct vcpu *v)
{
    const struct soft_miss *m = &v->soft_miss;
    switch ((enum softmmu_outcome)m->outcome) {
    case SOFTMMU_OK:
        return; /* nothing left to do: run it again */
    case SOFTMMU_PAGE_FAULT:
        STAT_INC(v->vm, sh_true_page_faults);
        run_raise(v, m->ev);
        return;
    case SOFTMMU_NOT_RAM:
        STAT_INC(v->vm, sm_device_accesses);
        run_non_ram(v, m->pa, m->write);
        return;
    case SOFTMMU_CODE_WRITE:
        STAT_INC(v->vm, sm_code_writes);
        run_code_write(v, m->pa / GMEM_PAGE_SIZE, 0);
        return;
    case SOFTMMU_NO_HOST:
        vm_request_exit(v->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL,
                        "cannot map guest pages for an access crossing %#x (EIP %#x): out of host memory", m->la,
                        v->eip);
        return;
    }
}

void run_host_fault(struct vcpu *v)
{
    const struct host_fault *hf = &v->host_fault;
    switch (hf->trapno) {
    case VEC_PF:
        run_window_fault(v, false);
        return;
    case VEC_DE: case VEC_UD: case VEC_NM: case VEC_MF: case VEC_XM:
        run_raise(v, event_fault((uint8_t)hf->trapno, false, 0));
        return;
    case VEC_GP: /* e.g. a misaligned SSE access */
    case VEC_SS:
        run_raise(v, event_fault((uint8_t)hf->trapno, true, 0));
        return;
    default:
        vm_request_exit(v->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL,
                        "unexpected host signal %d (trap %llu, address %#llx) at guest EIP %#x", hf->signo,
                        (unsigned long long)hf->trapno, (unsigned long long)hf->addr, v->eip);
    }
}
