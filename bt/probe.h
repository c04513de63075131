/*
 * probe.h: the soft-MMU probe in translated code and the in-block helper
 * call it uses on a miss — the part shared by the translator (bt/probe.c)
 * and the monitor's C side (monitor/helper.c).
 *
 * A helper call passes one 32-bit word, `info`, in r10d:
 *   bits 0..12   size of the access in bytes (1..4096)
 *   bit 16       the access writes
 *   bit 17       a user (CPL 3) access: the user TLB
 *   bits 24..31  what the helper is asked (enum helper_kind)
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

enum helper_kind {
    HELPER_TLB_MISS = 1, /* translate r13d for the access: fill, or leave the block */
    HELPER_STRING = 2,   /* run a string instruction (monitor/helper_string.c) */
    HELPER_CALLOUT = 3,  /* emulate the instruction of the exit descriptor in r13 (helper_callout.c) */
};

/* HELPER_STRING's info word:
 *   bits 0..2    element size (1, 2, 4)
 *   bits 3..5    the instruction (HELPER_STR_MOVS...)
 *   bits 6..7    the repeat prefix (HELPER_STR_NOREP, _REPE: F3, _REPNE: F2)
 *   bits 8..10   the source segment (enum x86_sreg)
 *   bits 11..14  the instruction's length in bytes
 *   bit 17       a user (CPL 3) instruction, as for every kind */
#define HELPER_STR_SIZE_MASK 7u
#define HELPER_STR_OP_SHIFT 3
#define HELPER_STR_REP_SHIFT 6
#define HELPER_STR_SEG_SHIFT 8
#define HELPER_STR_LEN_SHIFT 11
enum { HELPER_STR_MOVS, HELPER_STR_STOS, HELPER_STR_LODS, HELPER_STR_CMPS, HELPER_STR_SCAS };
enum { HELPER_STR_NOREP, HELPER_STR_REPE, HELPER_STR_REPNE };

#define HELPER_INFO_SIZE_MASK 0x1fffu
#define HELPER_INFO_WRITE (1u << 16)
#define HELPER_INFO_USER (1u << 17)
#define HELPER_INFO_KIND_SHIFT 24
#define HELPER_MAX_ACCESS 4096u

static inline uint32_t helper_info(enum helper_kind k, unsigned size, bool write, bool user)
{
    return ((uint32_t)k << HELPER_INFO_KIND_SHIFT) | (size & HELPER_INFO_SIZE_MASK) |
           (write ? HELPER_INFO_WRITE : 0) | (user ? HELPER_INFO_USER : 0);
}

/* What the C side of a helper call returns (rax, rdx in the host ABI). */
struct helper_ret {
    uint64_t target; /* host address translated code continues at */
    uint64_t r12;    /* value for r12: the host address of guest linear 0 for this page */
};
