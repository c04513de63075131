/*
 * signals.h: the host signal handler that turns faults in translated code
 * into guest-visible exits (see signals.c).
 */
#pragma once
#include <stddef.h>

struct vcpu;

/* Install the handlers and this thread's alternate signal stack. */
int signals_install(char *err, size_t errlen);
/* The vCPU this thread runs (NULL when it runs none). */
void signals_set_vcpu(struct vcpu *v);
