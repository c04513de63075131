/*
 * run.h: the run loop's set-up (signal handlers, alternate stack).
 */
#pragma once
#include <stddef.h>

struct vm;

int run_init(struct vm *vm, char *err, size_t errlen);
void run_fini(struct vm *vm);
