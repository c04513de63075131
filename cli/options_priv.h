/*
 * options_priv.h: what the option handlers of cli/options.c and
 * cli/options_qemu.c share — the parser state and the error printer.
 *
 *   if (bad) return options_fail(c, "%s '%s': not a size", c->opt, v);
 */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "monitor/vm.h"

/* Parser state shared by the handlers. */
struct options_ctx {
    struct vm_config *cfg; /* the configuration being filled */
    FILE *out;             /* --help, --version */
    FILE *err;             /* usage errors */
    const char *opt;       /* the option as the user spelled it, for messages */
    int serial_count;      /* -serial seen so far (only COM1 exists) */
    bool done;             /* --help or --version printed: stop, successfully */
    bool snapshot_all;     /* -snapshot: every drive's writes stay in memory */
};

/* Print "btvisor: <message> (try --help)" on c->err and return -1. */
int options_fail(struct options_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Handlers of QEMU's options (cli/options_qemu.c); each returns 0 or -1. */
int opt_qemu_device(struct options_ctx *c, const char *v);
int opt_qemu_smp(struct options_ctx *c, const char *v);
int opt_qemu_cpu(struct options_ctx *c, const char *v);
int opt_qemu_machine(struct options_ctx *c, const char *v);
int opt_qemu_ignored(struct options_ctx *c, const char *v);
