/*
 * run_priv.h: what the dispatch loop (run.c) and its fault handling
 * (run_fault.c) share.  Not used outside monitor/run*.c.
 */
#pragma once
#include "decoder/decode.h"
#include "monitor/vcpu.h"
#include "tcache/tcache.h"

/* bt/entry.S: run translated code; returns the exit descriptor. */
uint64_t bt_enter(struct vcpu *v, const uint8_t *code);

/* Deliver ev through the guest IDT — or, for test harnesses, stop on it. */
void run_raise(struct vcpu *v, struct event ev);
/* The exception a translation raised (error code 0 where one is pushed). */
struct event run_raise_event(const struct exit_desc *x);
/* Emulate the instruction of a callout exit; true if it raised an event. */
bool run_callout(struct vcpu *v, const struct exit_desc *x);
/* A host signal stopped translated code (v->host_fault says which). */
void run_host_fault(struct vcpu *v);
void run_soft_miss(struct vcpu *v);

/* Fetch and decode the instruction at CS:EIP (pa: its physical address). */
bool run_decode_current(struct vcpu *v, struct decoded_insn *d, uint32_t *pa);
/* Emulate the instruction at CS:EIP, whose memory access trapped (device,
 * traced page table, truncated segment); retranslate it if it keeps trapping. */
void run_emulate_access(struct vcpu *v);
/* A host page fault on the guest window (v->host_fault), from translated
 * code or from user code running directly (`direct`). */
void run_window_fault(struct vcpu *v, bool direct);
