/*
 * emu_internal.h: what the files of the instruction emulator share.
 *
 * monitor/emulate.c owns the dispatch table (one row per Zydis mnemonic);
 * each row names a handler declared here and implemented in the file of its
 * family (emu_flags.c, emu_sys.c, emu_creg.c, emu_io.c, ...).  A handler
 * receives the vCPU with v->eip at the instruction and either finishes it
 * (EMU_NEXT after emu_next(), which moves EIP past it) or reports an event
 * with the architectural state unchanged.
 *
 *   enum emu_status emu_clts(struct vcpu *v, const struct decoded_insn *d, struct event *ev)
 *   {
 *       if (v->cpl != 0) return emu_raise(ev, event_gp(0));
 *       ...
 *       return emu_next(v, d);
 *   }
 *
 * Nothing outside the emulator includes this header.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "decoder/decode.h"
#include "monitor/emulate.h"
#include "monitor/vcpu.h"

typedef enum emu_status (*emu_handler_fn)(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- small helpers every handler uses ---- */

/* EIP of the next instruction; IP wraps at 64 KiB in a 16-bit code segment
 * (SDM Vol. 1 §3.6 "operand-size and address-size attributes"). */
static inline uint32_t emu_next_eip(const struct vcpu *v, const struct decoded_insn *d)
{
    uint32_t next = d->eip + d->i.length;
    return (v->seg[SREG_CS].attr & SEG_ATTR_DB) ? next : (next & 0xffff);
}

/* Finish the instruction: EIP moves past it. */
static inline enum emu_status emu_next(struct vcpu *v, const struct decoded_insn *d)
{
    v->eip = emu_next_eip(v, d);
    return EMU_NEXT;
}

/* Report a fault; the caller has changed nothing. */
static inline enum emu_status emu_raise(struct event *ev, struct event e)
{
    *ev = e;
    return EMU_EVENT;
}

/* Replace the EFLAGS bits in `mask` by those of `value` (IF stays in
 * if_mask through vcpu_set_eflags). */
static inline void emu_set_flags(struct vcpu *v, uint32_t mask, uint32_t value)
{
    vcpu_set_eflags(v, (vcpu_get_eflags(v) & ~mask) | (value & mask));
}

/* Descriptor fields (SDM Vol. 3A §3.4.5, Figure 3-8), for the instructions
 * that inspect descriptors themselves (lldt, ltr, lar, lsl, verr, verw). */
static inline uint32_t emu_desc_hi(uint64_t desc) { return (uint32_t)(desc >> 32); }
static inline unsigned emu_desc_type(uint64_t desc) { return (emu_desc_hi(desc) >> 8) & 0xf; }
static inline bool emu_desc_is_s(uint64_t desc) { return (emu_desc_hi(desc) >> 12) & 1; }
static inline unsigned emu_desc_dpl(uint64_t desc) { return (emu_desc_hi(desc) >> 13) & 3; }
static inline bool emu_desc_present(uint64_t desc) { return (emu_desc_hi(desc) >> 15) & 1; }
/* Index and TI of a selector, without the RPL: the error code of a
 * selector fault (SDM Vol. 3A §6.13). */
static inline uint32_t emu_sel_err(uint16_t sel) { return sel & 0xfffcu; }

/* Protected mode (CR0.PE): lldt, ltr, lar, ... are #UD in real mode. */
static inline bool emu_protected(const struct vcpu *v) { return v->cr0 & CR0_PE; }
/* CR4.UMIP: sgdt, sidt, sldt, smsw and str at CPL > 0 raise #GP(0) (SDM
 * Vol. 3A §2.5 CR4.UMIP; Vol. 2 SGDT, "#GP(0) If CR4.UMIP = 1 and CPL > 0"). */
static inline bool emu_umip_refuses(const struct vcpu *v) { return (v->cr4 & CR4_UMIP) && v->cpl > 0; }

/* Operand size in bytes of a 16/32-bit instruction form. */
static inline unsigned emu_opbytes(const struct decoded_insn *d) { return d->i.operand_width / 8; }

/* ---- operand.c ---- */

/* Value of a general register of any width (AL..BH, AX..DI, EAX..EDI). */
uint32_t emu_reg_read(const struct vcpu *v, ZydisRegister r);
/* Write a general register; 8/16-bit writes keep the other bits. */
void emu_reg_write(struct vcpu *v, ZydisRegister r, uint32_t value);
/* Segment register number of a Zydis segment register. */
enum x86_sreg emu_sreg_of(ZydisRegister r);
/* True if r is ES..GS. */
bool emu_is_sreg(ZydisRegister r);
/* The first memory operand of d (visible or not), NULL if none. */
const ZydisDecodedOperand *emu_mem_operand(const struct decoded_insn *d);
/* Read/write `size` bytes at the memory operand's effective address plus
 * `delta` (far pointers, descriptor-table images and bound pairs are read
 * in pieces). */
bool emu_mem_read(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                  uint32_t delta, uint32_t *value, unsigned size, struct event *ev);
bool emu_mem_write(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                   uint32_t delta, uint32_t value, unsigned size, struct event *ev);
/* Check that all `size` bytes of a memory operand may be written (segment
 * limit and type), before a store made of several pieces begins. */
bool emu_mem_check_write(struct vcpu *v, const struct decoded_insn *d, const ZydisDecodedOperand *op,
                         unsigned size, struct event *ev);

/* ---- emulate.c ---- */

/* Stop the VM: the instruction is outside what btvisor emulates. */
enum emu_status emu_unsupported(struct vcpu *v, const struct decoded_insn *d);

/* ---- run_bounce.c ---- */

/* Run d, whose one memory operand the host cannot reach (a device, nothing,
 * a traced page), on the host CPU against a copy of that operand, the
 * guest's access made by the monitor; emu_unsupported() for an instruction
 * with no such operand. */
enum emu_status emu_bounce(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_flags.c: cli, sti, pushf, popf ---- */
enum emu_status emu_cli(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_sti(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_pushf(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_popf(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_sys.c: descriptor-table registers ---- */
enum emu_status emu_lgdt_lidt(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_sgdt_sidt(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_lldt(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_ltr(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_sldt_str(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_creg.c: control and debug registers, caches, TLB ---- */
enum emu_status emu_mov_cr(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_mov_dr(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_smsw(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_lmsw(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_clts(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_invlpg(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_cache_noop(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_io.c / emu_iostr.c: port I/O ---- */
/* The I/O permission check of SDM Vol. 1 §19.5 (IOPL, then the TSS bitmap). */
bool emu_io_allowed(struct vcpu *v, uint16_t port, unsigned size, struct event *ev);
enum emu_status emu_in(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_out(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_ins(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_outs(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_loop.c: loop, loope, loopne, jcxz, jecxz ---- */
enum emu_status emu_loop(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_int.c: software interrupts ---- */
enum emu_status emu_int(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_int3(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_into(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_int1(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_far.c: far control transfers ---- */
enum emu_status emu_iret(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_retf(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_jmp_far(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_call_far(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_seg.c: segment registers ---- */
enum emu_status emu_mov_to_sreg(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_mov_from_sreg(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_push_sreg(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_pop_sreg(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_load_far_pointer(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_desc.c: selector inspection ---- */
enum emu_status emu_lar_lsl(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_verr_verw(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_arpl(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_stack.c: pusha, popa, enter ---- */
enum emu_status emu_pusha(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_popa(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_enter(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_bcd.c: decimal adjust, salc ---- */
enum emu_status emu_daa_das(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_aaa_aas(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_aam(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_aad(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_salc(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_misc.c: hlt, bound, fast system calls ---- */
enum emu_status emu_hlt(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_bound(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_invalid_opcode(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
/* Whether the advertised CPU has d's instruction-set extension (emulate.c). */
bool emu_isa_advertised(struct vcpu *v, const struct decoded_insn *d);

/* ---- cpuid.c, msr.c ---- */
enum emu_status emu_cpuid(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_rdmsr(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_wrmsr(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_rdtsc(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_rdtscp(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_rdpid(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_stac_clac(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_rdpmc(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* ---- emu_string.c: movs, stos, lods, cmps, scas ---- */
enum emu_status emu_string(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
