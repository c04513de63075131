/*
 * run16.c: the interpreter for real-mode and 16-bit code.
 *
 * The translator turns 32-bit guest code into x86-64 code; code with a
 * 16-bit code or stack segment (CS.D = 0, SS.B = 0) or in real-address
 * mode (CR0.PE = 0) is rare — BIOS-style code, boot paths, mode switches,
 * test suites — so instead of a second translator it runs here, one
 * instruction at a time through the monitor's emulator (emu_interpret,
 * monitor/emu_plain.c), beside the translated run loop (monitor/run.c):
 * each trip round that loop runs one instruction, so interrupts are taken
 * at every instruction boundary and the sti / mov ss shadow holds exactly
 * one instruction (SDM Vol. 3A §6.8.3).
 *
 * Real-mode semantics come from the procedures the emulator already
 * uses: segment loads set base = selector << 4 and keep the limit and
 * attributes in the cache (so "big real mode" works, SDM Vol. 3A §20.1.1),
 * far transfers and iret load CS the same way, every access checks the
 * limit, and events go through the interrupt vector table at IDTR.base
 * (monitor/event.c).  The code size is CS.D whatever the mode, so between
 * the mov to CR0 and the far jump that follows it the old code size stays,
 * as on the processor.  Each instruction is fetched through the shadow
 * MMU (16-bit protected mode may run with paging), limited by CS.
 *
 *   if (run16_wanted(v)) run16_step(v);   // the run loop, per instruction
 */
#include "monitor/run16.h"

#include "monitor/cpu.h"
#include "monitor/emulate.h"
#include "monitor/irq.h"
#include "monitor/run_priv.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"
#include "shadowmm/shadow.h"

bool run16_wanted(const struct vcpu *v)
{
    return !(v->cr0 & CR0_PE) || !(v->seg[SREG_CS].attr & SEG_ATTR_DB) ||
           !(v->seg[SREG_SS].attr & SEG_ATTR_DB);
}

/* Fetch up to 15 bytes at CS:EIP, page by page, never past the CS limit.
 * Returns how many were fetched; *stop says why it stopped short: the
 * page fault of the next byte, or #GP(0) at the CS limit. */
static size_t run16_fetch(struct vcpu *v, uint8_t *bytes, struct event *stop)
{
    const struct seg_cache *cs = &v->seg[SREG_CS];
    *stop = event_gp(0);
    if (v->eip > cs->limit)
        return 0;
    uint64_t room = (uint64_t)cs->limit - v->eip + 1;
    size_t want = room < ZYDIS_MAX_INSTRUCTION_LENGTH ? (size_t)room : ZYDIS_MAX_INSTRUCTION_LENGTH;
    size_t n = 0;
    while (n < want) {
        uint32_t la = cs->base + v->eip + (uint32_t)n, pa;
        if (!shadow_fetch_pa(v, la, true, &pa, stop))
            break;
        size_t chunk = GMEM_PAGE_SIZE - (la & (GMEM_PAGE_SIZE - 1));
        if (chunk > want - n)
            chunk = want - n;
        gmem_read_phys(v->vm, pa, &bytes[n], chunk);
        n += chunk;
    }
    return n;
}

/* Decode the instruction at CS:EIP, or say which event its fetch raises:
 * #UD for invalid bytes; for an instruction that runs past what could be
 * fetched (zeros after it make it decode), the fault that stopped the fetch. */
static bool run16_decode(struct vcpu *v, struct decoded_insn *d, struct event *ev)
{
    uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH] = { 0 };
    struct event stop;
    size_t n = run16_fetch(v, bytes, &stop);
    unsigned code_size = (v->seg[SREG_CS].attr & SEG_ATTR_DB) ? 32 : 16;
    if (n > 0 && decode_insn(bytes, n, v->eip, code_size, d))
        return true;
    struct decoded_insn longer;
    bool truncated = n < sizeof bytes && decode_insn(bytes, sizeof bytes, v->eip, code_size, &longer);
    *ev = n == 0 || truncated ? stop : event_ud();
    return false;
}

static bool run16_is_io(const struct decoded_insn *d)
{
    switch (d->i.mnemonic) {
    case ZYDIS_MNEMONIC_IN: case ZYDIS_MNEMONIC_OUT: case ZYDIS_MNEMONIC_INSB: case ZYDIS_MNEMONIC_INSW:
    case ZYDIS_MNEMONIC_INSD: case ZYDIS_MNEMONIC_OUTSB: case ZYDIS_MNEMONIC_OUTSW: case ZYDIS_MNEMONIC_OUTSD:
        return true;
    default:
        return false;
    }
}

void run16_step(struct vcpu *v)
{
    struct decoded_insn d;
    struct event ev = { .kind = EV_NONE };
    if (!run16_decode(v, &d, &ev)) {
        run_raise(v, ev);
        return;
    }
    STAT_INC(v->vm, interp_insns);
    bool single_step = v->eflags & EFLAGS_TF;
    enum emu_status st = emu_interpret(v, &d, &ev);
    if (run16_is_io(&d))
        irq_update(v->vm); /* a device may have a new next event */
    if (st == EMU_EVENT) {
        run_raise(v, ev);
        return;
    }
    if (single_step && st != EMU_STOP && v->vm->exit_reason == VMEXIT_NONE) {
        /* Single-step trap after the instruction (SDM Vol. 3B §17.3.1.4). */
        v->dr[6] |= 0x4000; /* BS */
        run_raise(v, (struct event){ .kind = EV_TRAP, .vector = VEC_DB });
    }
}
