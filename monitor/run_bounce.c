/*
 * run_bounce.c: the memory instructions the emulator has no handler for —
 * x87, MMX and SSE forms, one-operand mul/imul/div/idiv, movnti, clflush,
 * maskmovq, ... — when their one memory operand is on a device, on
 * physical memory with nothing behind it, or on a page the monitor traces.
 *
 * Rather than one emulator per instruction, the host CPU runs the guest
 * instruction itself, translated once more with its memory operand moved
 * into a bounce buffer (bt_translate_bounce), while the monitor makes the
 * guest's access around it:
 *
 *   1. run A, on a buffer of zeros, finds the exceptions that come before
 *      the access and do not depend on the data: #UD (a lock prefix), #NM
 *      and #UD from CR0.TS/EM, #MF of a pending x87 exception (checked
 *      before a waiting instruction runs, SDM Vol. 1 §8.6), #GP of a
 *      misaligned SSE operand — the operand sits in the buffer at the guest
 *      linear address's offset modulo 64, so the host checks the guest's
 *      alignment;
 *   2. the monitor checks the operand's segment and pages (a destination's
 *      write permission first, SDM Vol. 3A §4.7) and reads a source through
 *      seg_read: RAM, the device, or all-ones where nothing answers;
 *   3. run B, from the same vCPU state, computes on the real bytes; an
 *      exception it raises (#DE, #XM, #GP from reserved MXCSR bits, ...) is
 *      the guest's, and nothing is written;
 *   4. what the instruction wrote goes out through seg_write.  A
 *      destination it only writes gets all-ones in run B: a byte that is 0
 *      after run A and 0xff after run B was not written (maskmovq writes
 *      only the bytes its mask selects, an x87 store with an unmasked
 *      exception none at all).
 *
 * Nothing architectural changes before run B completed: the access is
 * all-or-nothing, and an exception leaves the vCPU as the host CPU left
 * it, which is the state the guest's CPU would leave.  The runs may nest in
 * a soft-MMU block's in-block callout (monitor/helper_callout.c), so the
 * world-switch fields of the vCPU are kept around them.
 *
 *   emu_bounce(v, &d, &ev)   // fld qword [0xf0000000] with nothing there: ST0 = NaN
 */
#include <string.h>

#include "bt/bt.h"
#include "decoder/classify.h"
#include "monitor/cpu.h"
#include "monitor/emu_memop.h"
#include "monitor/run_priv.h"
#include "monitor/vm.h"
#include "shadowmm/walk.h"

/* The operand's bytes sit at this offset's alignment in the buffer. */
#define BOUNCE_ALIGN 64u

/* The guest state a run changes, to start run B where run A started. */
struct bounce_state {
    uint32_t gpr[GPR_COUNT], eip, eflags;
    uint8_t fpu[512];
};

static void bounce_save(const struct vcpu *v, struct bounce_state *s)
{
    memcpy(s->gpr, v->gpr, sizeof s->gpr);
    s->eip = v->eip;
    s->eflags = v->eflags;
    memcpy(s->fpu, v->fpu, sizeof s->fpu);
}

static void bounce_restore(struct vcpu *v, const struct bounce_state *s)
{
    memcpy(v->gpr, s->gpr, sizeof s->gpr);
    v->eip = s->eip;
    v->eflags = s->eflags;
    memcpy(v->fpu, s->fpu, sizeof s->fpu);
}

/* How a run ended. */
enum bounce_end { BOUNCE_DONE, BOUNCE_EXCEPTION, BOUNCE_BROKEN };

/* The guest exception of a host trap in the bounce code (as run_fault.c
 * maps them); false for what only a monitor bug could raise. */
static bool bounce_trap_event(uint64_t trapno, struct event *ev)
{
    switch (trapno) {
    case VEC_DE: case VEC_UD: case VEC_NM: case VEC_MF: case VEC_XM:
        *ev = event_fault((uint8_t)trapno, false, 0);
        return true;
    case VEC_GP: /* a misaligned SSE operand, reserved bits of MXCSR */
        *ev = event_gp(0);
        return true;
    default:
        return false;
    }
}

/* Run the bounce translation tb once.  The vCPU fields of the world switch
 * are those of an enclosing stay in translated code when a helper call
 * brought us here: kept and put back. */
static enum bounce_end bounce_run(struct vcpu *v, struct tblock *tb, struct event *ev)
{
    struct tcache *tc = v->vm->tc;
    uint64_t host_rsp = v->host_rsp, exit_desc = v->exit_desc, fpu_ensure = v->fpu_ensure;
    uint32_t fpu_live = v->fpu_live;
    struct host_fault hf = v->host_fault;
    struct exit_desc fault_desc = v->fault_desc;
    struct tblock *outer = tc_ephemeral(tc);
    tc_set_ephemeral(tc, tb);
    const struct exit_desc *x = (const struct exit_desc *)(uintptr_t)bt_enter(v, tb->host);
    tc_set_ephemeral(tc, outer);
    enum bounce_end end = BOUNCE_DONE;
    if (x->kind == EXIT_RAISE) {
        *ev = (struct event){ .kind = x->event_kind, .vector = x->vector,
                              .has_error = x86_vector_has_error(x->vector) };
        end = BOUNCE_EXCEPTION;
    } else if (x->kind == EXIT_FAULT) {
        end = bounce_trap_event(v->host_fault.trapno, ev) ? BOUNCE_EXCEPTION : BOUNCE_BROKEN;
    } else if (x->kind != EXIT_DIRECT) {
        end = BOUNCE_BROKEN;
    }
    if (end == BOUNCE_BROKEN)
        vm_request_exit(v->vm, VMEXIT_ERROR, EXIT_STATUS_INTERNAL,
                        "the bounce run of the instruction at EIP %#x ended with exit %u (host trap %llu)", v->eip,
                        x->kind, (unsigned long long)v->host_fault.trapno);
    v->host_rsp = host_rsp;
    v->exit_desc = exit_desc;
    v->fpu_ensure = fpu_ensure;
    v->fpu_live = fpu_live;
    v->host_fault = hf;
    v->fault_desc = fault_desc;
    return end;
}

/* The one memory operand d accesses, or NULL when it has none or several
 * (a stack operand too: push [mem]) or is no instruction for the host to
 * run: only what the translator copies with rebased operands (RULE_MEM),
 * and the masked stores, whose DS:EDI is implicit. */
static const ZydisDecodedOperand *bounce_operand(const struct decoded_insn *d)
{
    enum callout_kind kind;
    enum bt_rule rule = classify_insn(d, &kind);
    bool masked = d->i.mnemonic == ZYDIS_MNEMONIC_MASKMOVQ || d->i.mnemonic == ZYDIS_MNEMONIC_MASKMOVDQU;
    if (rule != RULE_MEM && !masked)
        return NULL;
    const ZydisDecodedOperand *mem = NULL;
    for (unsigned i = 0; i < d->i.operand_count; i++) {
        const ZydisDecodedOperand *op = &d->op[i];
        if (op->type != ZYDIS_OPERAND_TYPE_MEMORY || op->mem.type == ZYDIS_MEMOP_TYPE_AGEN)
            continue;
        if (mem)
            return NULL;
        mem = op;
    }
    return mem;
}

/* clflush is checked as a read (SDM Vol. 2A CLFLUSH: "treated as a load
 * ... for permission checking") but reads nothing: a device sees no cycle. */
static bool bounce_checks_only(const struct decoded_insn *d)
{
    return d->i.mnemonic == ZYDIS_MNEMONIC_CLFLUSH || d->i.mnemonic == ZYDIS_MNEMONIC_CLFLUSHOPT;
}

static bool bounce_check_read(struct vcpu *v, enum x86_sreg s, uint32_t ea, unsigned n, struct event *ev)
{
    uint32_t lin;
    if (!seg_linear(v, s, ea, n, false, &lin, ev))
        return false;
    struct walk_range r;
    return !(v->cr0 & CR0_PG) || walk_guest_range(v, lin, n, WALK_READ, v->cpl == 3, &r, ev);
}

/* Write the bytes of buf[0..n) that mask marks, one seg_write per run. */
static bool bounce_write_back(struct vcpu *v, enum x86_sreg s, uint32_t ea, const uint8_t *buf, const bool *mask,
                              unsigned n, struct event *ev)
{
    for (unsigned i = 0; i < n;) {
        if (!mask[i]) {
            i++;
            continue;
        }
        unsigned j = i;
        while (j < n && mask[j])
            j++;
        if (!seg_write(v, s, ea + i, buf + i, j - i, ev))
            return false;
        i = j;
    }
    return true;
}

/* What the operation needs of the operand. */
struct bounce_access {
    enum x86_sreg s;
    uint32_t ea;
    unsigned n;
    bool reads, writes;
    uint8_t *data; /* the operand's bytes in the bounce buffer */
};

/* Step 2: the guest's access, into the buffer for a source. */
static bool bounce_guest_access(struct vcpu *v, const struct decoded_insn *d, const struct bounce_access *a,
                                struct event *ev)
{
    if (a->writes && !memop_check_write_at(v, a->s, a->ea, a->n, ev))
        return false;
    if (a->reads && !bounce_checks_only(d))
        return seg_read(v, a->s, a->ea, a->data, a->n, ev);
    memset(a->data, 0xff, a->n); /* see step 4 */
    return a->writes || bounce_check_read(v, a->s, a->ea, a->n, ev);
}

/* Steps 2-4 of the top comment, after run A found nothing. */
static enum emu_status bounce_access_and_run(struct vcpu *v, const struct decoded_insn *d, struct tblock *tb,
                                             const struct bounce_access *a, const uint8_t *after_a,
                                             struct event *ev)
{
    if (!bounce_guest_access(v, d, a, ev))
        return EMU_EVENT;
    switch (bounce_run(v, tb, ev)) {
    case BOUNCE_DONE: break;
    case BOUNCE_EXCEPTION: return EMU_EVENT;
    case BOUNCE_BROKEN: return EMU_STOP;
    }
    if (!a->writes)
        return EMU_NEXT;
    bool mask[512];
    for (unsigned i = 0; i < a->n; i++)
        mask[i] = a->reads || after_a[i] != 0 || a->data[i] != 0xff;
    /* Checked above, so only a device's own failure could refuse it. */
    return bounce_write_back(v, a->s, a->ea, a->data, mask, a->n, ev) ? EMU_NEXT : EMU_EVENT;
}

/* Exceptions of run A that the zeros in the buffer may have caused: they
 * are for run B to decide, on the real bytes. */
static bool bounce_data_dependent(const struct event *ev)
{
    return ev->vector == VEC_DE || ev->vector == VEC_XM;
}

enum emu_status emu_bounce(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
{
    enum callout_kind kind;
    if (classify_insn(d, &kind) == RULE_UD)
        return emu_invalid_opcode(v, d, ev); /* ud1 [mem] from user code run directly: #GP before #UD there */
    const ZydisDecodedOperand *op = bounce_operand(d);
    unsigned n = op ? op->size / 8u : 0;
    if (!op || n == 0 || n > 512)
        return emu_unsupported(v, d);
    size_t cap;
    uint8_t *buf = tc_bounce_data(v->vm->tc, &cap);
    if (n + BOUNCE_ALIGN > cap)
        return emu_unsupported(v, d);
    struct bounce_access a = { .n = n };
    a.ea = emu_effective_address(v, d, op, &a.s);
    a.reads = (op->actions & ZYDIS_OPERAND_ACTION_MASK_READ) != 0;
    a.writes = (op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0;
    a.data = buf + ((v->seg[a.s].base + a.ea) % BOUNCE_ALIGN);
    struct tb_key k;
    if (!tc_current_key(v, &k, ev))
        return EMU_EVENT;
    struct tblock *tb = bt_translate_bounce(v, &k, a.data);
    if (!tb)
        return v->vm->exit_reason != VMEXIT_NONE ? EMU_STOP : emu_unsupported(v, d);
    STAT_INC(v->vm, co_bounced);
    struct bounce_state start;
    bounce_save(v, &start);
    memset(a.data, 0, n);
    enum bounce_end end = bounce_run(v, tb, ev); /* run A */
    enum emu_status st = end == BOUNCE_BROKEN ? EMU_STOP : EMU_EVENT;
    if (end == BOUNCE_DONE || (end == BOUNCE_EXCEPTION && bounce_data_dependent(ev))) {
        uint8_t after_a[512];
        memcpy(after_a, a.data, n);
        bounce_restore(v, &start);
        st = bounce_access_and_run(v, d, tb, &a, after_a, ev);
    } else if (end == BOUNCE_EXCEPTION) {
        bounce_restore(v, &start); /* raised before any access: nothing changed */
    }
    bt_free_ephemeral(tb);
    return st;
}
