/*
 * run16.h: the interpreter for real-mode and 16-bit code (monitor/run16.c).
 *
 *   if (run16_wanted(v)) run16_step(v);
 */
#pragma once
#include <stdbool.h>

#include "monitor/vcpu.h"

/* Real-address mode, or a 16-bit code or stack segment: code the
 * translator does not take. */
bool run16_wanted(const struct vcpu *v);
/* Run the one instruction at CS:EIP (and deliver what it raised). */
void run16_step(struct vcpu *v);
