/*
 * options.h: the btvisor command line.
 *
 *   struct vm_config cfg;
 *   int r = options_parse(argc, argv, &cfg, stdout, stderr);
 *   if (r != 0) return options_exit_status(r);
 */
#pragma once
#include <stdint.h>
#include <stdio.h>

#include "monitor/vm.h"

#define OPTIONS_DEFAULT_RAM (128ull << 20)
#define OPTIONS_DEFAULT_TC_SIZE (32ull << 20)
#define OPTIONS_MIN_TC_SIZE (1ull << 20)
#define OPTIONS_MAX_TC_SIZE (1ull << 30)

/* Fill cfg from argv.  Returns 0: run the VM; 1: done (--help or --version
 * printed to out); -1: usage error (one line printed to err). */
int options_parse(int argc, char **argv, struct vm_config *cfg, FILE *out, FILE *err);

/* QEMU's size syntax (util/cutils.c qemu_strtosz): a decimal number,
 * optionally with a fraction, or a 0x hex number, and a suffix B, K, M, G,
 * T, P or E (either case, powers of 1024); no suffix means `default_unit`
 * bytes.  A fraction needs a suffix other than B; fractional bytes are
 * truncated.  Returns 0, or OPTIONS_SIZE_*. */
int options_parse_size(const char *s, uint64_t default_unit, uint64_t *bytes);
#define OPTIONS_SIZE_SYNTAX (-1)   /* not a size */
#define OPTIONS_SIZE_FRACTION (-2) /* a fraction without a unit ("1.5") */
#define OPTIONS_SIZE_RANGE (-3)    /* more than 2^64 - 1 bytes */
/* Guest RAM is rounded up to this, as QEMU rounds -m. */
#define OPTIONS_RAM_ALIGN 8192u

void options_print_help(FILE *out);

/* The process exit status for an options_parse() result other than 0:
 * EXIT_STATUS_OK after --help/--version, EXIT_STATUS_USAGE after an error. */
int options_exit_status(int parse_result);
