/*
 * diff_layout.h: what the differential tester's two sides agree on — the
 * guest memory layout, the seeded data pattern and the pipe protocol between
 * the 64-bit driver (btv-difftest) and the 32-bit native runner
 * (btv-diffrun).
 *
 * This header is compiled both with -m32 (the runner) and for x86-64 (the
 * driver), so everything here is fixed-width and free of pointers.
 *
 *   uint32_t words[DIFF_DATA_SIZE / 4];
 *   diff_pattern_fill(words, case_data_seed);   // same bytes on both sides
 */
#pragma once
#include <stdint.h>

/* Guest linear (= physical, paging off) layout of one case. */
#define DIFF_CODE_BASE 0x00300000u /* the generated sequence; ends with hlt */
#define DIFF_CODE_SIZE 0x1000u     /* one page */
#define DIFF_CODE_MAX 0xf00u       /* generated code stops before this offset */
#define DIFF_DATA_BASE 0x00200000u /* data region, seeded pattern */
#define DIFF_DATA_SIZE 0x20000u    /* 128 KiB: 0x00200000-0x0021ffff */
#define DIFF_STACK_TOP 0x00210000u /* initial ESP, in the middle of the data region */
#define DIFF_FPDUMP 0x0021f800u    /* where the FP epilogue stores x87/SSE state */
/* The FP epilogue (diff_gen.c asm_fp_epilogue) right before the final hlt:
 * fnstsw, fnstcw, stmxcsr, 8 x fstp m80, 8 x movdqu: 131 bytes. */
#define DIFF_FP_EPILOGUE_LEN 131u
/* System region, right after the data region: the GDT, IDT, TSS, LDT and
 * page tables of system cases (diff_sys.h), written by the emulating sides
 * only (the native runner never runs a system case).  Compared like the
 * data region, so accessed/dirty bits and TSS stores are checked too. */
#define DIFF_SYS_BASE 0x00220000u
#define DIFF_SYS_SIZE 0x10000u
#define DIFF_MEM_SIZE (DIFF_DATA_SIZE + DIFF_SYS_SIZE) /* compared bytes from DIFF_DATA_BASE */

/* EFLAGS bits a case may set and the comparison looks at: the six status
 * flags and DF.  IF, TF, AC, IOPL and NT are privileged or trap and differ
 * legitimately between a user process and guest ring 0. */
#define DIFF_EFLAGS_CMP 0x00000cd5u

/* Pipe protocol.  Driver -> runner: a diff_wire_case followed by code_len
 * code bytes (the rest of the code page is int3).  Runner -> driver: a diff_wire_result followed by n_changes
 * diff_wire_change records (every data dword that differs from the pattern). */
#define DIFF_WIRE_MAGIC_CASE 0x43464944u   /* "DIFC" */
#define DIFF_WIRE_MAGIC_RESULT 0x52464944u /* "DIFR" */
#define DIFF_END_HALT 0xffffffffu          /* vector value: the final hlt was reached */
#define DIFF_END_OUTSIDE 0xfffffffeu       /* vector value: btvisor's guest touched memory beyond its
                                              RAM, i.e. outside the case regions */

struct diff_wire_case {
    uint32_t magic;     /* DIFF_WIRE_MAGIC_CASE */
    uint32_t data_seed; /* seed of the data region's pattern */
    uint32_t gpr[8];    /* EAX ECX EDX EBX ESP EBP ESI EDI at entry */
    uint32_t eflags;    /* initial EFLAGS, only DIFF_EFLAGS_CMP bits are used */
    uint32_t code_len;  /* bytes of code that follow (<= DIFF_CODE_SIZE) */
    uint32_t hlt_off;   /* offset of the final hlt in the code */
    uint32_t env;       /* 0: flat ring 0, paging off; else a system environment (diff_sys.h) */
};

struct diff_wire_result {
    uint32_t magic;      /* DIFF_WIRE_MAGIC_RESULT */
    uint32_t gpr[8];     /* registers at the end or at the exception */
    uint32_t eip;        /* after the final hlt, or the exception's EIP */
    uint32_t eflags;     /* EFLAGS at that point */
    uint32_t vector;     /* DIFF_END_HALT, or the x86 exception vector */
    uint32_t error_code; /* exception error code (0 if the vector has none) */
    uint32_t cr2;        /* #PF: faulting linear address */
    uint16_t seg[6];     /* ES CS SS DS FS GS selectors (system cases; the native runner sends 0) */
    uint32_t n_changes;  /* diff_wire_change records that follow */
};

struct diff_wire_change {
    uint32_t offset; /* byte offset of the dword from DIFF_DATA_BASE (< DIFF_MEM_SIZE) */
    uint32_t value;  /* its final value */
};

/* A 32-bit mixing function (the finaliser of a well-known integer hash):
 * every output bit depends on every input bit, so consecutive seeds give
 * unrelated values. */
static inline uint32_t diff_mix32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

/* One dword of the data pattern: mostly random, with a share of zeros,
 * small numbers and sign-boundary values so that memory operands hit the
 * interesting cases of arithmetic too. */
static inline uint32_t diff_pattern_word(uint32_t seed, uint32_t i)
{
    uint32_t h = diff_mix32(seed ^ (i * 0x9e3779b9u));
    switch (diff_mix32(h) & 15) {
    case 0: return 0;
    case 1: return h & 0xff;
    case 2: return 0x80000000u >> (h & 31);
    case 3: return 0xffffffffu;
    default: return h;
    }
}

static inline void diff_pattern_fill(uint32_t *words, uint32_t seed)
{
    for (uint32_t i = 0; i < DIFF_DATA_SIZE / 4; i++)
        words[i] = diff_pattern_word(seed, i);
}
