/*
 * helper.h: the monitor function translated code calls inside a block
 * (monitor/helper.c; the calling convention is in bt/entry.S and bt/probe.h).
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "bt/probe.h"
#include "monitor/vcpu.h"

struct helper_ret helper_dispatch(struct vcpu *v, uint32_t info, uint64_t r13, uint64_t ret);

/* Leave the block instead of returning to it: the vCPU is made exact at the
 * guest instruction whose helper call returns to `ret`, plus `skip` bytes
 * (its length, when it has completed); the run loop then finishes what
 * v->soft_miss says (EXIT_SOFTMMU). */
struct helper_ret helper_leave(struct vcpu *v, uint64_t ret, uint32_t skip);

/* A host signal (the timer, SIGTERM) or a device asked the run loop for a
 * look.  A signal that lands while a helper runs is outside translated code,
 * so signals.c cannot detach the block; a helper that would return into its
 * block checks this and leaves instead, or a block looping on helper calls
 * would never reach the run loop. */
static inline bool helper_host_event_waits(const struct vcpu *v)
{
    return v->timer_pending || v->host_stop;
}

/* HELPER_STRING (monitor/helper_string.c). */
struct helper_ret helper_string(struct vcpu *v, uint32_t info, uint64_t ret);

/* HELPER_CALLOUT (monitor/helper_callout.c): emulate x's instruction and
 * go on in the block, in the next block, or to the dispatcher. */
struct exit_desc;
struct helper_ret helper_callout(struct vcpu *v, struct exit_desc *x, uint64_t ret);
