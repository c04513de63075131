/*
 * fastgate.h: int n from user code and iret back to it, without the full
 * descriptor walk, when they repeat one that the full path already ran.
 *
 * A guest system call delivers the same software interrupt through the
 * same IDT gate, to the same code segment, onto the same TSS stack every
 * time, and its iret returns to the same user CS and SS.  The full path
 * (monitor/event.c, monitor/iret.c) reads the gate, two descriptors and
 * the TSS through the soft MMU and checks them (SDM Vol. 3A §6.12.1, §5.8;
 * Vol. 2A INT n, IRET) for every call.  After a full delivery of that
 * shape this cache keeps what it read — the guest-RAM host address and the
 * 8 bytes of the gate, each descriptor and the TSS's ESP0/SS0 — and what
 * it produced (the CS and SS caches, the entry EIP).  The next time, if
 * those bytes are still in guest memory, if IDTR, GDTR and TR are the
 * same and if the new stack frame lies in one page the TLB lets the
 * kernel write, the result is applied directly: the frame is written,
 * CS, SS, ESP, EIP, CPL and EFLAGS are set exactly as the full path sets
 * them.  iret likewise pops EIP, CS, EFLAGS, ESP, SS, compares the
 * selectors with the remembered ones and validates their descriptors.
 *
 * Anything else takes the full path: another vector or selector, a
 * 16-bit gate, an error code, TF or a debug register armed, a flat-stack
 * assumption that does not hold, a TLB miss.  The entries are emptied with
 * the segment-descriptor cache (monitor/segcache.h: lgdt, CR0 writes, soft
 * MMU flushes), since their host addresses came from linear translations.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct vcpu;
struct event;

/* Deliver e (a software interrupt from CPL 3) from the cache; false: not
 * cached, run the full path (nothing has changed). */
bool fastgate_deliver(struct vcpu *v, const struct event *e);
/* The full path just delivered e through an interrupt or trap gate: keep
 * it if the next one may come from the cache. */
void fastgate_note_delivery(struct vcpu *v, const struct event *e, uint64_t gate, unsigned old_cpl);
/* iret with a 32-bit operand size from CPL 0 to CPL 3 from the cache;
 * false: run the full path (nothing has changed). */
bool fastgate_iret(struct vcpu *v);
/* The full path just did such an iret (CS and SS are the new ones). */
void fastgate_note_iret(struct vcpu *v);
/* Forget both entries. */
void fastgate_flush(struct vcpu *v);
