/*
 * diff_case.h: a differential test case as the driver sees it, and the
 * final state either side leaves.
 *
 * A case is initial registers and flags, a data seed, and a list of items.
 * An item is one generated unit: a few instructions that belong together
 * (e.g. "mov ebx, ptr; add [ebx+8], ecx", or "jcc over body; body"), so
 * that shrinking (removing items) never breaks an item's own set-up.
 * diff_case_assemble() lays the items out as guest code: an optional FP
 * prologue, the items, an optional FP epilogue that stores the x87/SSE
 * state to memory, the final hlt, and a small constant pool after it.
 *
 *   struct diff_case c;  diff_gen_case(&g, mode, index, &c);
 *   struct diff_code code;  diff_case_assemble(&c, &code);
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "diff_layout.h"

#define DIFF_MAX_ITEMS 48
#define DIFF_ITEM_BYTES 64
#define DIFF_ITEM_INSNS 12
#define DIFF_MAX_INSNS 640

/* Per-instruction facts the generator knows and the flag analysis needs. */
#define DIFF_INSN_MAYBE 0x01  /* may be skipped (body of a forward branch) */
#define DIFF_COUNT_UNKNOWN (-1)

struct diff_insn_meta {
    uint8_t off;     /* offset in the item (or in the code, in diff_code) */
    uint8_t len;     /* bytes */
    uint8_t flags;   /* DIFF_INSN_* */
    int16_t count;   /* shift count in CL / rep count in ECX at run time, or DIFF_COUNT_UNKNOWN */
};

struct diff_item {
    uint8_t len;                                 /* bytes used */
    uint8_t n_insn;                              /* instructions */
    uint8_t bytes[DIFF_ITEM_BYTES];              /* the code */
    struct diff_insn_meta insn[DIFF_ITEM_INSNS]; /* one per instruction */
};

struct diff_case {
    char family[24];          /* generator row (enumerated) or "random" */
    uint64_t seed;            /* run seed */
    uint64_t index;           /* case index: (seed, index) reproduces it */
    uint32_t gpr[8];          /* EAX..EDI at entry */
    uint32_t eflags;          /* initial status flags and DF */
    uint32_t data_seed;       /* seed of the data pattern */
    bool uses_fp;             /* wrap in the x87/MMX/SSE prologue and epilogue */
    uint32_t env;             /* system environment (diff_sys.h), 0: flat ring 0, paging off */
    unsigned n_items;         /* items in use */
    struct diff_item item[DIFF_MAX_ITEMS]; /* the sequence */
};

/* A case laid out as guest code, with where each instruction is. */
struct diff_code {
    uint8_t bytes[DIFF_CODE_SIZE];             /* what is written at DIFF_CODE_BASE */
    uint32_t len;                              /* bytes to send (code, hlt, pool) */
    uint32_t hlt_off;                          /* offset of the final hlt */
    unsigned n_insn;                           /* instructions before the hlt */
    struct {
        uint16_t off;                          /* offset in bytes[] */
        uint8_t len;                           /* bytes */
        uint8_t flags;                         /* DIFF_INSN_* */
        int16_t count;                         /* see diff_insn_meta */
        int16_t item;                          /* owning item, -1 for prologue/epilogue */
    } insn[DIFF_MAX_INSNS];
};

/* How a run ended and everything compared. */
struct diff_state {
    uint32_t gpr[8];               /* EAX..EDI */
    uint32_t eip;                  /* after the final hlt, or at the exception */
    uint32_t eflags;               /* EFLAGS */
    uint32_t vector;               /* DIFF_END_HALT or the exception vector */
    uint32_t error_code;           /* exception error code */
    uint32_t cr2;                  /* #PF address */
    uint16_t seg[6];               /* ES CS SS DS FS GS selectors (system cases only) */
    bool broken;                   /* the side could not run the case (see note) */
    char note[160];                /* why, for broken or unusual ends */
    uint8_t mem[DIFF_MEM_SIZE];    /* the data and system regions at the end */
};

/* Lay out c as guest code.  Returns false if it does not fit. */
bool diff_case_assemble(const struct diff_case *c, struct diff_code *code);
/* The memory c starts with, DIFF_MEM_SIZE bytes: the data pattern, then
 * the system region (its environment's tables, or zeros). */
void diff_case_pattern(const struct diff_case *c, uint8_t *mem);
