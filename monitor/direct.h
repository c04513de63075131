/*
 * direct.h: direct execution of guest user code (ring compression).
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* LDT entries the shadows of the guest's segments use (the guest's own LDT
 * selectors are not mirrored). */
#define DIRECT_LDT_FIRST 8184u

/* Can the vCPU's current state run directly (CPL 3, segments that can be
 * shadowed, not disabled by --no-direct-exec)? */
bool direct_possible(struct vcpu *v);
/* Run guest user code on the CPU until a host signal stops it, then act on
 * what stopped it (exceptions, system calls, page faults, interrupts). */
void direct_run(struct vcpu *v);
