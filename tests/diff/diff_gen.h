/*
 * diff_gen.h: the case generator — enumerated families and random
 * sequences, both reproducible from (seed, index).
 *
 * A family is one row of diff_families[]: a name, how many variants it has
 * (operand forms x value picks), how many initial-flag inputs each variant
 * is enumerated with, its weight in random sequences, and the function that
 * emits variant k as one item.  Enumerated case i walks the rows in order;
 * random case i is a sequence of items drawn by weight.  Emitters build
 * instructions with the small encoder below and ask for operands through
 * gen_setreg()/gen_mem(), which either set the initial registers (a one-item
 * enumerated case) or emit set-up instructions inside the item (random
 * sequences), so memory operands always land inside the data region.
 *
 *   struct diff_gen g;  diff_gen_init(&g);
 *   diff_gen_case(&g, DIFF_MODE_ENUM, seed, 1234, &c);
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <Zydis/Zydis.h>

#include "diff_case.h"

/* ENUM: one item per case, walking the rows; RANDOM: sequences of data
 * items (flat ring 0, paging off); SYSRANDOM: a random system environment
 * (diff_sys.h: CPL, IOPL, paging) and a sequence of data and system items
 * that can run in it. */
enum diff_mode { DIFF_MODE_ENUM, DIFF_MODE_RANDOM, DIFF_MODE_SYSRANDOM };

struct diff_rng {
    uint64_t s; /* splitmix64 state */
};

static inline uint64_t diff_rng_next(struct diff_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint32_t diff_rng_below(struct diff_rng *r, uint32_t n)
{
    return n ? (uint32_t)(diff_rng_next(r) % n) : 0;
}

/* One instruction being encoded. */
struct diff_ins {
    uint8_t b[16]; /* bytes */
    uint8_t n;     /* used */
};

/* A 32-bit memory operand: base/index are register numbers or -1. */
struct diff_mem {
    int8_t base;   /* base register, -1: none */
    int8_t index;  /* index register (never ESP), -1: none */
    uint8_t scale; /* 0..3: index * (1 << scale) */
    int32_t disp;  /* displacement */
};

struct diff_gen {
    struct diff_rng rng;   /* the case's random stream */
    bool direct;           /* set operands in the initial registers, not with instructions */
    uint32_t direct_set;   /* registers already set that way (bit per register) */
    struct diff_case *c;   /* case being built */
    struct diff_item *it;  /* item being emitted */
    uint32_t busy;         /* registers the current item already uses (bit per register) */
    ZydisDecoder dec;      /* 32-bit decoder for the flag analysis */
    uint32_t exclude;      /* families (bit = row) left out of both modes */
};

struct diff_family {
    const char *name;     /* shown in reports: "alu", "shift", ... */
    uint32_t variants;    /* emitter argument k ranges over [0, variants) */
    uint8_t n_flagsets;   /* initial-flag inputs per variant in enumerated mode */
    uint8_t weight;       /* weight in random sequences, 0: enumerated only */
    bool fp;              /* needs the FP prologue/epilogue */
    void (*emit)(struct diff_gen *g, uint32_t k);
    bool sys;             /* a system family (diff_sysfam.c): its cases run in a system
                             environment; random sequences draw it only in SYSRANDOM */
};

extern const struct diff_family diff_families[];
extern const unsigned diff_family_count;

void diff_gen_init(struct diff_gen *g);
/* Leave the family called `name` out; false if there is none. */
bool diff_gen_exclude(struct diff_gen *g, const char *name);
/* Number of enumerated cases. */
uint64_t diff_gen_enum_count(void);
/* Build case `index` of `mode` for `seed`.  Returns false if the family
 * could not produce it (never for valid indexes). */
bool diff_gen_case(struct diff_gen *g, enum diff_mode mode, uint64_t seed, uint64_t index,
                   struct diff_case *c);

/* ---- Encoder and operand helpers for the family emitters. ---- */
void di_bytes(struct diff_ins *x, unsigned n, ...);
void di_u16(struct diff_ins *x, uint16_t v);
void di_u32(struct diff_ins *x, uint32_t v);
void di_modrm_reg(struct diff_ins *x, unsigned reg, unsigned rm);
void di_modrm_mem(struct diff_ins *x, unsigned reg, const struct diff_mem *m);

/* Append x to the current item. */
void gen_insn(struct diff_gen *g, const struct diff_ins *x, uint8_t flags, int16_t count);
/* mov dword [m + extra], v: store a known value before the main instruction. */
void gen_store32(struct diff_gen *g, const struct diff_mem *m, int32_t extra, uint32_t v);
/* Give register `reg` the value `v` before the item's main instruction:
 * always when `force`, otherwise only sometimes in random sequences (the
 * register then keeps what earlier items left). */
void gen_setreg(struct diff_gen *g, unsigned reg, uint32_t v, bool force);
void gen_setreg8(struct diff_gen *g, unsigned reg8, uint8_t v);
/* A random address of `size` bytes in the data region, aligned to `align`. */
uint32_t gen_addr(struct diff_gen *g, uint32_t size, uint32_t align);
/* A memory operand for `size` bytes aligned to `align`, in a random
 * addressing form, inside the data region; sets up the base/index
 * registers it uses (avoiding the registers in g->busy).  Returns the
 * effective address (0 if it depends on ESP at run time). */
uint32_t gen_mem(struct diff_gen *g, struct diff_mem *m, uint32_t size, uint32_t align);
/* An operand value: interesting boundary values for even picks, random for odd. */
uint32_t gen_value(struct diff_gen *g, uint32_t pick);
/* A random register for a destination: never ESP, not in g->busy. */
unsigned gen_reg(struct diff_gen *g);
static inline uint32_t gen_rand(struct diff_gen *g) { return (uint32_t)diff_rng_next(&g->rng); }
/* A system emitter's environment: in enumerated mode the variant picks it
 * (`env` is taken), in SYSRANDOM the case already has one and keeps it.
 * Returns the environment the item runs in. */
uint32_t gen_env(struct diff_gen *g, uint32_t env);
/* Would some item of c read a status flag that may be undefined when it
 * runs?  (Shrinking must not create such a case.) */
bool diff_case_reads_undefined(const ZydisDecoder *dec, const struct diff_case *c);
