/*
 * emu_near.h: the handlers the interpreter of 16-bit and real-mode code
 * needs beyond the emulator's sensitive and memory-operand instructions
 * (emu_near.c: near branches and general-register stack instructions;
 * emu_plain.c: the rest and the dispatch, emu_interpret() in emulate.h).
 */
#pragma once
#include "monitor/emu_internal.h"

enum emu_status emu_jmp_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_jcc(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_call_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_ret_near(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_push_plain(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_pop_plain(struct vcpu *v, const struct decoded_insn *d, struct event *ev);
enum emu_status emu_leave(struct vcpu *v, const struct decoded_insn *d, struct event *ev);

/* emulate.c: whether the emulator's table has a row for d's mnemonic, and
 * whether a mov is an ordinary one (no control, debug or segment register). */
bool emu_has_rule(const struct decoded_insn *d);
bool emu_mov_is_plain(const struct decoded_insn *d);
/* emu_memop.c: the memory-operand emulator's handler for d, NULL if none. */
emu_handler_fn emu_memop_handler(const struct decoded_insn *d);
