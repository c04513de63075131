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

/* QEMU's size syntax: a number, optionally with a fraction, and a suffix
 * B, K, M, G or T (either case, powers of 1024); no suffix means
 * `default_unit` bytes.  Returns 0, or -1 if s is not a whole number of
 * bytes that fits in 64 bits. */
int options_parse_size(const char *s, uint64_t default_unit, uint64_t *bytes);

void options_print_help(FILE *out);

/* The process exit status for an options_parse() result other than 0:
 * EXIT_STATUS_OK after --help/--version, EXIT_STATUS_USAGE after an error. */
int options_exit_status(int parse_result);
