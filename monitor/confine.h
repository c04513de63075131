/*
 * confine.h: the monitor's confinement once the machine is set up
 * (monitor/confine.c): no new privileges, no capabilities, and a seccomp
 * allow-list of the host system calls the run loop and its engine need.
 *
 *   // after vm_create() and the loader, before vm_run():
 *   if (confine_apply(vm, err, sizeof err) < 0) { puts(err); ... }
 */
#pragma once
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct vm;

/* --seccomp=auto|on|off */
enum confine_mode {
    CONFINE_AUTO, /* confine where the host can install seccomp filters (default) */
    CONFINE_ON,   /* confine, or refuse to run with a clear error */
    CONFINE_OFF,  /* run unconfined: for debugging the monitor */
};

/* Drop capabilities and install the allow-list, as vm->cfg.confine asks;
 * sets the confine_* statistics.  -1 with a message in err when
 * --seccomp=on cannot be honoured or the filter cannot be loaded. */
int confine_apply(struct vm *vm, char *err, size_t errlen);

/* For the SIGSYS handler: true if si is a host system call of the monitor
 * that the allow-list refused (not a trapped guest int 0x80/sysenter). */
bool confine_is_refused_call(const siginfo_t *si);
/* Print which system call was refused and end the process (status 70).
 * Async-signal-safe. */
_Noreturn void confine_die_refused(const siginfo_t *si);
