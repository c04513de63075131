/*
 * helper.h: the monitor function translated code calls inside a block
 * (monitor/helper.c; the calling convention is in bt/entry.S and bt/probe.h).
 */
#pragma once
#include <stdint.h>

#include "bt/probe.h"
#include "monitor/vcpu.h"

struct helper_ret helper_dispatch(struct vcpu *v, uint32_t info, uint32_t la, uint64_t ret);
