/*
 * cpu.h: protected-mode segmentation, privilege checks and control
 * transfers of the guest CPU, done by the monitor on struct vcpu.
 *
 * These are the architectural procedures the SDM gives as pseudocode:
 * loading segment registers, segmented memory access, far jmp/call/ret,
 * iret, task switches and the delivery of exceptions and interrupts through
 * the IDT.  Each returns false with an exception in *ev instead of acting on
 * a fault itself ("fault as data"); the caller decides what to do with it
 * (usually cpu_deliver_event()).  When a function returns false, the
 * architectural state it was about to change is unchanged.
 *
 * Convention for EIP: v->eip is the guest EIP *of the instruction being
 * emulated* on entry.  Control transfers take the return EIP (the next
 * instruction) as an argument where they need it, and set v->eip to the
 * target on success.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "monitor/vcpu.h"

/* ---- descriptors (monitor/desc.c) ---- */

/* Read the 8-byte descriptor `sel` selects from the GDT or LDT.  Fails with
 * #GP(sel & ~3) — or the fault `err_vector` with that error code — when the
 * selector is outside the table limit. */
bool desc_read(struct vcpu *v, uint16_t sel, uint64_t *desc, uint8_t err_vector, struct event *ev);
/* Write it back (used to set the accessed bit and the TSS busy bit). */
bool desc_write(struct vcpu *v, uint16_t sel, uint64_t desc, struct event *ev);
/* The segment cache a descriptor loads (base, limit with granularity, attr). */
struct seg_cache desc_to_seg(uint16_t sel, uint64_t desc);

/* ---- segment registers (monitor/segload.c) ---- */

/* mov/pop/lds.. to DS, ES, FS, GS or SS with every protected-mode check
 * (SDM Vol. 2B MOV, "Operation"): null selectors, type, DPL/RPL/CPL, present
 * (#NP, or #SS for SS).  Loading SS also sets the one-instruction interrupt
 * shadow. */
bool seg_load(struct vcpu *v, enum x86_sreg s, uint16_t sel, struct event *ev);

/* ---- segmented memory access (monitor/segaccess.c) ---- */

/* Translate s:off for an access of `size` bytes, with the limit (expand-up
 * and expand-down) and type checks of SDM Vol. 3A §5.3 and §5.4; faults are
 * #GP(0), or #SS(0) for SS. */
bool seg_linear(struct vcpu *v, enum x86_sreg s, uint32_t off, uint32_t size, bool write,
                uint32_t *lin, struct event *ev);
bool seg_read(struct vcpu *v, enum x86_sreg s, uint32_t off, void *dst, uint32_t size, struct event *ev);
bool seg_write(struct vcpu *v, enum x86_sreg s, uint32_t off, const void *src, uint32_t size,
               struct event *ev);
/* Push/pop `size` (2 or 4) bytes on SS:ESP, honouring SS.B (16-bit SP). */
bool stack_push(struct vcpu *v, uint32_t value, unsigned size, struct event *ev);
bool stack_pop(struct vcpu *v, uint32_t *value, unsigned size, struct event *ev);

/* ---- far control transfers (monitor/farxfer.c) ---- */

/* jmp ptr16:32 / jmp m16:32: code segments (conforming or not), call gates,
 * task gates and TSS selectors.  opsize is 16 or 32. */
bool far_jmp(struct vcpu *v, uint16_t sel, uint32_t offset, unsigned opsize, uint32_t next_eip,
             struct event *ev);
/* call ptr16:32 / call m16:32, including call gates to inner privilege
 * levels (stack switch through the TSS, parameter copy). */
bool far_call(struct vcpu *v, uint16_t sel, uint32_t offset, unsigned opsize, uint32_t next_eip,
              struct event *ev);
/* retf [imm16], including returns to an outer privilege level. */
bool far_ret(struct vcpu *v, unsigned opsize, uint16_t pop_bytes, struct event *ev);
/* iret/iretd: same level, to an outer level, and task return (NT = 1). */
bool cpu_iret(struct vcpu *v, unsigned opsize, struct event *ev);
/* The same with the address of the next instruction given: it is the EIP a
 * task return (NT = 1) saves in the outgoing TSS.  cpu_iret() assumes an
 * iret without redundant prefixes (1 byte, 2 with an operand-size prefix). */
bool cpu_iret_at(struct vcpu *v, unsigned opsize, uint32_t next_eip, struct event *ev);

/* ---- tasks (monitor/task.c) ---- */

enum task_switch_reason { TASK_JMP, TASK_CALL, TASK_IRET, TASK_GATE };
/* Switch to the task whose TSS `sel` selects (SDM Vol. 3A §7.3).
 * next_eip is the EIP saved in the outgoing TSS. */
bool task_switch(struct vcpu *v, uint16_t sel, enum task_switch_reason why, uint32_t next_eip,
                 struct event *ev);

/* ---- events (monitor/event.c) ---- */

/* Deliver an exception or interrupt through the guest IDT (SDM Vol. 3A
 * §6.12): interrupt, trap and task gates; privilege change through the
 * TSS; the error code; IF/TF/NT/RF handling; CR2 for #PF.  v->eip must be
 * the EIP to push: the faulting instruction for EV_FAULT, the next one for
 * EV_TRAP/EV_SOFT_INT/EV_EXTERNAL.  A fault during delivery becomes #DF
 * per SDM Table 6-5, a fault while delivering #DF shuts the VM down
 * (vm_request_exit with VMEXIT_TRIPLE_FAULT). */
void cpu_deliver_event(struct vcpu *v, const struct event *ev);

/* Load CR0 with the architectural checks (#GP for PG without PE, NW without
 * CD); the caller has checked CPL. */
bool cpu_write_cr0(struct vcpu *v, uint32_t value, struct event *ev);
