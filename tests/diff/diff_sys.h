/*
 * diff_sys.h: system environments of the differential tester — cases that
 * run with a real GDT, IDT, TSS and LDT, at any CPL and IOPL, with paging
 * on or off.
 *
 * A case's `env` word (0 for the ring-3-safe data cases) names one
 * environment.  The emulating sides (btvisor and Unicorn) write its tables
 * into the system region with diff_sys_image() before the case runs; they
 * start it like every other case, flat ring 0 with paging off, and the case
 * code itself begins with a prologue (diff_sys_prologue) that loads GDTR,
 * IDTR, TR and LDTR, reloads every segment register from the GDT, sets CR4,
 * CR3 and CR0, and then either loads EFLAGS and the case's registers
 * (CPL 0) or enters CPL 1-3 with iret.  So both sides reach the case's first
 * item through the same architectural steps, and neither needs a back door
 * into the other's CPU state.
 *
 * Exceptions are not delivered (Unicorn 2 never delivers through the IDT; see
 * docs/TESTING.md): the first one ends the case, as in the data cases.  The
 * IDT still matters for what is checked before delivery would start.
 *
 * Page tables (paging on): linear 0-4 MiB identity-maps the code page, the
 * data region (user, writable) and the system region (supervisor); with PSE,
 * linear 4-8 MiB is one 4 MiB page onto physical 0-4 MiB (DIFF_SYS_ALIAS4M);
 * linear 8 MiB + i*4 KiB maps data page perm(i) through a page table whose
 * entries differ in present / writable / user by the environment's variant
 * (DIFF_SYS_ALIASPT), so page-crossing accesses there reach unrelated
 * physical pages and fault with every #PF error code.
 *
 *   uint32_t env = DIFF_ENV(3, 0, true, true, true, 5);  // CPL 3, IOPL 0, paging, WP, PSE, variant 5
 *   diff_sys_image(env, sysmem);                         // DIFF_SYS_SIZE bytes
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "diff_layout.h"

/* ---- the env word ---- */
#define DIFF_ENV_SYS 0x1u
#define DIFF_ENV_PG 0x20u
#define DIFF_ENV_WP 0x40u
#define DIFF_ENV_PSE 0x80u
#define DIFF_ENV(cpl, iopl, pg, wp, pse, variant)                                          \
    (DIFF_ENV_SYS | ((uint32_t)(cpl) & 3) << 1 | ((uint32_t)(iopl) & 3) << 3 |              \
     ((pg) ? DIFF_ENV_PG : 0) | ((wp) ? DIFF_ENV_WP : 0) | ((pse) ? DIFF_ENV_PSE : 0) |     \
     ((uint32_t)(variant) & 0xff) << 8)
static inline unsigned diff_env_cpl(uint32_t env) { return env >> 1 & 3; }
static inline unsigned diff_env_iopl(uint32_t env) { return env >> 3 & 3; }
static inline unsigned diff_env_variant(uint32_t env) { return env >> 8 & 0xff; }

/* ---- selectors of the GDT every environment has ---- */
#define SYS_SEL_KCODE 0x08u   /* DPL 0 code, flat, 32-bit, readable */
#define SYS_SEL_KDATA 0x10u   /* DPL 0 data, flat, writable */
#define SYS_SEL_R1CODE 0x18u  /* DPL 1 code / data */
#define SYS_SEL_R1DATA 0x20u
#define SYS_SEL_R2CODE 0x28u  /* DPL 2 code / data */
#define SYS_SEL_R2DATA 0x30u
#define SYS_SEL_UCODE 0x38u   /* DPL 3 code / data, flat */
#define SYS_SEL_UDATA 0x40u
#define SYS_SEL_TSS 0x48u     /* 32-bit TSS (busy after ltr) */
#define SYS_SEL_LDT 0x50u     /* the LDT */
#define SYS_SEL_SMALL 0x58u   /* DPL 3 data, base DIFF_DATA_BASE, limit 0xfff bytes */
#define SYS_SEL_NP 0x60u      /* DPL 3 data, not present */
#define SYS_SEL_RO 0x68u      /* DPL 3 data, read-only */
#define SYS_SEL_XO 0x70u      /* DPL 3 code, execute-only */
#define SYS_SEL_XR 0x78u      /* DPL 3 code, readable */
#define SYS_SEL_CONF 0x80u    /* DPL 0 conforming code, readable */
#define SYS_SEL_CGATE 0x88u   /* DPL 3 call gate to SYS_SEL_KCODE:DIFF_SYS_STUB */
#define SYS_SEL_IGATE 0x90u   /* an interrupt gate (a system type lar/lsl reject) */
#define SYS_SEL_DATA16 0x98u  /* DPL 0 data, 16-bit (B = 0) */
#define SYS_SEL_DOWN 0xa0u    /* DPL 3 expand-down data, limit 0xfff */
#define SYS_SEL_KBASE 0xa8u   /* DPL 0 data, base DIFF_DATA_BASE, limit 64 KiB */
#define SYS_SEL_CGATE0 0xb0u  /* DPL 0 call gate (not reachable from CPL 3) */
#define SYS_GDT_LIMIT 0xb7u   /* selectors from 0xb8 on are beyond the limit */
#define SYS_LDT_LIMIT 0x17u   /* LDT: 0x04 flat DPL 3 data, 0x0c DPL 3 code, 0x14 not present */

/* ---- where things are ---- */
#define DIFF_SYS_GDT (DIFF_SYS_BASE + 0x0000u)
#define DIFF_SYS_IDT (DIFF_SYS_BASE + 0x0100u) /* 256 gates */
#define DIFF_SYS_TSS (DIFF_SYS_BASE + 0x0900u)
#define DIFF_SYS_LDT (DIFF_SYS_BASE + 0x0a00u)
#define DIFF_SYS_GDTR (DIFF_SYS_BASE + 0x0b00u) /* lgdt operand */
#define DIFF_SYS_IDTR (DIFF_SYS_BASE + 0x0b08u) /* lidt operand */
#define DIFF_SYS_SCRATCH (DIFF_SYS_BASE + 0x0c00u) /* sgdt/sidt/far-pointer operands (CPL 0) */
#define DIFF_SYS_PD (DIFF_SYS_BASE + 0x1000u)
#define DIFF_SYS_PT0 (DIFF_SYS_BASE + 0x2000u)
#define DIFF_SYS_PT2 (DIFF_SYS_BASE + 0x3000u)
#define DIFF_SYS_PSTACK (DIFF_SYS_BASE + 0xe000u) /* the prologue's stack */
#define DIFF_SYS_ESP2 (DIFF_SYS_BASE + 0xf000u)   /* TSS ring-2 stack */
#define DIFF_SYS_ESP1 (DIFF_SYS_BASE + 0xf800u)   /* TSS ring-1 stack */
#define DIFF_SYS_ESP0 (DIFF_SYS_BASE + 0xff00u)   /* TSS ring-0 stack */
#define DIFF_SYS_STUB (DIFF_CODE_BASE + 0xf00u)   /* gate targets: a hlt (written by the assembler) */
#define DIFF_SYS_ALIAS4M 0x00400000u /* linear = physical + 4 MiB, one 4 MiB page (PSE) */
#define DIFF_SYS_ALIASPT 0x00800000u /* linear + i*4 KiB = data page perm(i), varied attributes */
#define DIFF_SYS_ALIAS_PAGES 32u

#define DIFF_SYS_CR0 0x00000033u /* PE MP ET NE (+ WP, PG) */
#define DIFF_SYS_CR4 0x00000600u /* OSFXSR OSXMMEXCPT (+ PSE) */

/* Write the environment's tables: DIFF_SYS_SIZE bytes for DIFF_SYS_BASE.
 * env 0 gives zeros. */
void diff_sys_image(uint32_t env, uint8_t *sys);
/* The data page that alias page i maps (a permutation of the 32 pages). */
uint32_t diff_sys_alias_target(uint32_t env, unsigned i);
/* The alias page's PTE attribute bits (P, RW, US). */
uint32_t diff_sys_alias_attr(uint32_t env, unsigned i);

/* The prologue's bytes for env, ending with the case's registers and
 * flags loaded and CPL reached; `next` is the linear address right after
 * it (the iret target).  Returns the length (0 if it does not fit). */
unsigned diff_sys_prologue(uint32_t env, const uint32_t gpr[8], uint32_t eflags, uint8_t *out,
                           unsigned room, uint32_t at);
/* EFLAGS bits compared in a system case: the data-case bits plus IF, IOPL,
 * NT and AC, which system instructions read and write. */
#define DIFF_EFLAGS_CMP_SYS (DIFF_EFLAGS_CMP | 0x00047200u)
