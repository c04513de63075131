/*
 * emulate.h: the monitor's emulation of the guest instructions that the
 * translator does not run natively (the "sensitive" set and the opcodes
 * that do not exist in 64-bit mode).
 *
 * Translated code exits to the monitor at such an instruction with the
 * vCPU exact and v->eip pointing at it; the run loop calls emu_execute() on
 * the instruction decoded at translation time.
 *
 *   struct event ev;
 *   switch (emu_execute(v, d, &ev)) {
 *   case EMU_NEXT:  continue at v->eip;
 *   case EMU_EVENT: cpu_deliver_event(v, &ev);
 *   ...
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "decoder/decode.h"
#include "monitor/vcpu.h"

enum emu_status {
    EMU_NEXT,        /* done; v->eip is the next instruction or the branch target
                        (or, for a long rep string instruction that yielded to let
                        interrupts in, still the instruction: just continue at v->eip) */
    EMU_EVENT,       /* *ev must be delivered.  EV_FAULT: v->eip unchanged (the
                        instruction); EV_TRAP / EV_SOFT_INT: v->eip already past it */
    EMU_HALT,        /* hlt executed; v->eip is past it, v->halted set */
    EMU_STOP,        /* the VM must stop (vm_request_exit already called) */
};

enum emu_status emu_execute(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* Emulate an ordinary instruction with a memory operand that translated
 * code cannot run itself: an access to a memory-mapped device, or a write to
 * a traced guest page table (monitor/emu_memop.c).  Its memory accesses go
 * through seg_read/seg_write, so they reach MMIO and tracing the same way
 * as every other monitor access.  Covers mov, movzx, movsx, add, or, adc,
 * sbb, and, sub, xor, cmp, test, inc, dec, neg, not, xchg, cmpxchg,
 * cmpxchg8b, xadd, bt/bts/btr/btc, stos, movs, lods; anything else stops
 * the VM with a message naming it. */
enum emu_status emu_memop(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* Emulate any instruction, sensitive or not: the interpreter of 16-bit
 * and real-mode code (monitor/run16.c) runs every guest instruction
 * through this.  Near branches, general-register pushes and pops, lea,
 * one-operand mul/div and the other instructions translated code runs
 * natively have handlers in monitor/emu_near.c and emu_plain.c; the rest
 * go to emu_execute() and the memory-operand emulator. */
enum emu_status emu_interpret(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* Effective address (offset within the segment) of memory operand `op`,
 * and the segment it goes through (default or override). Honours 16-bit
 * addressing. */
uint32_t emu_effective_address(const struct vcpu *v, const struct decoded_insn *d,
                               const ZydisDecodedOperand *op, enum x86_sreg *seg);
/* Read/write a register, memory or immediate operand of `size` bytes. */
bool emu_read_operand(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                      uint32_t *value, struct event *ev);
bool emu_write_operand(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                       uint32_t value, struct event *ev);

/* The CPUID leaves of the CPU btvisor presents (monitor/cpuid.c). */
void cpuid_query(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
/* MSRs (monitor/msr.c): false → #GP(0). */
bool msr_read(struct vcpu *v, uint32_t index, uint64_t *value);
bool msr_write(struct vcpu *v, uint32_t index, uint64_t value);
