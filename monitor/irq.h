/*
 * irq.h: external interrupts for the vCPU — the host timer that drives the
 * PIT, taking interrupts from the PIC, and waiting in hlt.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct vm;
struct vcpu;

int irq_init(struct vm *vm, char *err, size_t errlen);
void irq_fini(struct vm *vm);
/* Bring the devices up to the host's time and arm the host timer for
 * their next event.  Also sets vcpu->irq_pending for translated code. */
void irq_update(struct vm *vm);
/* From the signal handler, when SIGALRM landed outside any translated block
 * (monitor code, a helper, an entry or exit stub): the run loop may be past
 * its last look at timer_pending and about to enter a block that loops
 * without leaving, so the timer fires again in 1 ms, when it will most
 * likely find that block and detach it. */
void irq_retry_soon(struct vm *vm);
/* Deliver a pending interrupt if the vCPU can take it now (IF set, no
 * interrupt shadow).  Returns true if one was delivered. */
bool irq_deliver(struct vcpu *v);
/* hlt: block the host thread until something can interrupt the guest (the
 * next device event, terminal input); a vCPU halted with IF clear never
 * wakes (the VM stops). */
void irq_wait_halted(struct vcpu *v);
