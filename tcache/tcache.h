/*
 * tcache.h: the translation cache.
 *
 * Holds translated blocks: their host code in one bounded code arena, a hash
 * from block key to block, per guest-physical-page lists of the blocks whose
 * code lies on the page (self-modifying code: a write to such a page
 * invalidates them), direct-branch chaining with back-pointers, and the
 * inline indirect-branch table.  When the arena is full the whole cache is
 * flushed (only ever from the dispatcher, never while translated code runs).
 *
 *   struct tb_key k = tc_current_key(v);
 *   struct tblock *tb = tc_lookup(vm->tc, &k);
 *   if (!tb) tb = bt_translate(v, &k);      // bt/ inserts with tc_commit()
 *   ... after a direct exit through slot s of `from`:
 *   tc_link(vm->tc, from, s, tb);
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decoder/decode.h"

struct vm;
struct vcpu;
struct event;

/* Mode bits of a block key: everything about the CPU that changes what the
 * same guest bytes must be translated into (STYLE.md: the mode belongs in the key). */
#define TB_MODE_CPL_MASK 0x03u  /* CPL 0..3 */
#define TB_MODE_FLAT     0x04u  /* DS, ES and SS have base 0: no explicit base additions */
#define TB_MODE_TF       0x08u  /* EFLAGS.TF: one instruction per block, then #DB */
#define TB_MODE_PAGING   0x10u  /* CR0.PG */
#define TB_MODE_CR0_TS   0x20u  /* CR0.TS: x87/SIMD instructions raise #NM */
#define TB_MODE_CR0_EM   0x40u  /* CR0.EM: x87 raises #NM, SIMD raises #UD */
#define TB_MODE_CR0_MP   0x80u  /* CR0.MP: wait/fwait raises #NM when TS is set */
#define TB_MODE_TSC_OFFSET 0x4000u /* the guest's TSC differs from the host's (rdtsc is a callout) */
#define TB_MODE_CHECK_SHIFT 8   /* bits 8..13: segment s (enum x86_sreg) needs inline limit/type checks */
#define TB_MODE_CHECK(s) (1u << (TB_MODE_CHECK_SHIFT + (s)))

struct tb_key {
    uint32_t eip;     /* guest EIP of the first instruction */
    uint32_t cs_base; /* CS base (linear = cs_base + eip) */
    uint32_t mode;    /* TB_MODE_* */
    uint32_t pfn;     /* guest-physical page of the first byte */
};

/* What an exit from translated code left in vcpu->exit_desc. */
enum exit_kind {
    EXIT_DIRECT,   /* direct branch/fall-through; slot of `tb`; v->eip = target */
    EXIT_INDIRECT, /* indirect branch missed the inline table; v->eip = target */
    EXIT_CALLOUT,  /* instruction `insn` must be emulated; v->eip = its EIP */
    EXIT_RAISE,    /* raise exception `vector` (e.g. #UD, #DB after a single step); v->eip set */
    EXIT_FAULT,    /* a host signal in translated code; details in the run loop's fault record */
    EXIT_SOFTMMU,  /* a soft-MMU access the monitor must finish; details in vcpu->soft_miss */
};

/* The exit ends an sti: the next instruction runs before any interrupt
 * (the one-instruction shadow, SDM Vol. 2B STI). */
#define EXIT_F_SHADOW 0x01

struct exit_desc {
    uint8_t kind;              /* enum exit_kind */
    uint8_t slot;              /* EXIT_DIRECT: exit slot index in tb */
    uint8_t vector;            /* EXIT_RAISE: exception vector */
    uint8_t event_kind;        /* EXIT_RAISE: EV_FAULT or EV_TRAP */
    uint16_t callout_kind;     /* EXIT_CALLOUT: which co_* counter (decoder/classify.h) */
    uint8_t flags;             /* EXIT_F_* */
    struct tblock *tb;         /* owning block (NULL for shared descriptors) */
    struct decoded_insn *insn; /* EXIT_CALLOUT: the decoded instruction */
    struct tblock *next_tb;    /* EXIT_CALLOUT: the block the in-block callout went on to last
                                  (monitor/helper_callout.c; a hint for tc_lookup_hint) */
};

/* A direct exit of a block: a patchable `jmp rel32` that either falls
 * through to the code returning to the dispatcher or jumps to another block. */
struct tb_exit {
    uint32_t target_eip;        /* guest EIP this exit goes to */
    uint32_t jmp_off;           /* offset of the E9 byte in the block's host code */
    struct tblock *from;        /* owner */
    struct tblock *to;          /* chained target, or NULL */
    struct tb_exit *in_next;    /* next exit chained to the same target */
    struct tb_exit **in_pprev;  /* link pointing at this one */
    /* A chain across pages (in-process engine, tcache/tc_linear.c): its
     * list, and the linear page (or 4 MiB region) of the target it relies on. */
    struct tb_exit *lin_next;
    struct tb_exit **lin_pprev; /* NULL when not on a list */
    uint32_t lin_vpn;
    bool lin_large;
};

/* PC map entry: host code from host_off on belongs to the guest instruction at eip. */
struct pcmap_entry {
    uint16_t host_off;
    uint8_t fix;      /* BT_FIX_*: how to recover guest registers inside this range (bt/bt.h) */
    uint8_t len;      /* guest instruction length */
    uint32_t eip;
};

#define TB_MAX_EXITS 2

struct tblock {
    struct tb_key key;
    uint8_t *host;                  /* entry point in the code arena */
    uint32_t host_size;             /* bytes of host code */
    uint32_t guest_size;            /* bytes of guest code (last instruction may cross a page) */
    uint32_t pfn_last;              /* guest-physical page of the last byte */
    uint32_t va_last;               /* linear address of the last byte (pages it straddles) */
    uint16_t ninsns;                /* guest instructions */
    uint16_t npcmap;
    struct pcmap_entry *pcmap;      /* npcmap entries, ascending host_off */
    struct tb_exit exits[TB_MAX_EXITS];
    uint8_t nexits;
    bool valid;                     /* false once invalidated (code stays until the next flush) */
    bool ephemeral;                 /* run once, never looked up, chained or registered */
    struct tb_exit *incoming;       /* exits of other blocks chained to this one */
    struct tblock *hash_next;
    struct tblock *page_next[2];    /* in the lists of key.pfn and pfn_last */
    struct exit_desc *descs;        /* exit descriptors this block's code points at */
    uint16_t ndescs;
    struct decoded_insn *insns;     /* decoded instructions for callouts (owned) */
    uint16_t ninsn_records;
};

/* One slot of the inline indirect-branch table: tag = (uint32_t)-eip. */
struct ibl_entry {
    uint64_t tag;
    uint64_t host;
};
#define IBL_ENTRIES 65536u   /* indexed by the low 16 bits of the target EIP */

struct tcache;

struct tcache *tc_create(struct vm *vm, size_t arena_size, char *err, size_t errlen);
void tc_destroy(struct tcache *tc);

/* The key for the vCPU's current state.  With paging on, finding the
 * physical page walks the guest tables for an instruction fetch: false with
 * *ev = #PF when the guest cannot fetch from EIP. */
bool tc_current_key(struct vcpu *v, struct tb_key *k, struct event *ev);
/* The mode bits of that key (TB_MODE_*). */
uint32_t tc_current_mode(const struct vcpu *v);
struct tblock *tc_lookup(struct tcache *tc, const struct tb_key *k);
/* tc_lookup, trying hint (a block found for the same place before) first. */
struct tblock *tc_lookup_hint(struct tcache *tc, const struct tb_key *k, struct tblock *hint);

/* Code arena: reserve up to `max` bytes for a block being translated.  NULL
 * when the arena cannot hold it: the caller flushes and retries. */
uint8_t *tc_code_begin(struct tcache *tc, size_t max);
/* Finish a block whose code is at tb->host (host_size bytes): add it to the
 * hash and page lists and write-protect its pages. */
void tc_commit(struct tcache *tc, struct tblock *tb);
/* Scratch space for a one-off (ephemeral) translation. */
uint8_t *tc_scratch(struct tcache *tc, size_t *size);
/* monitor/emu_bounce.c's one-off code space and its buffer for a memory
 * operand's bytes (64-byte aligned, within rel32 reach of that code). */
uint8_t *tc_bounce_code(struct tcache *tc, size_t *size);
uint8_t *tc_bounce_data(struct tcache *tc, size_t *size);

/* Chain exit `slot` of `from` to `to` (same mode; both valid). */
void tc_link(struct tcache *tc, struct tblock *from, unsigned slot, struct tblock *to);
/* Remember `tb` as the translation of an indirect-branch target. */
void tc_ibl_insert(struct tcache *tc, struct vcpu *v, struct tblock *tb);
/* Host address indirect exits jump to on a table miss (r14d = target EIP). */
uint8_t *tc_ibl_miss_stub(struct tcache *tc);
/* The in-process engine's TLB events (shadowmm/shadow.c's mmu hooks):
 * chains across pages and indirect-table entries rest on linear
 * translations, and go when the guest's TLB would drop those.  A CR3 load
 * keeps what rests on global pages (keep_global). */
void tc_linear_flush(struct tcache *tc, bool keep_global);
void tc_linear_invlpg(struct tcache *tc, uint32_t vpn);

/* The shared exit code (bt/entry.S bt_exit) copied into the arena's reach. */
uint8_t *tc_exit_stub(struct tcache *tc);
/* The in-block helper call (bt/entry.S bt_helper) and the way out of a block
 * it takes when the helper decided to leave (r14 = vcpu->exit_desc). */
uint8_t *tc_helper_stub(struct tcache *tc);
uint8_t *tc_helper_exit_stub(struct tcache *tc);

/* A guest write is about to change guest-physical [pa, pa+len): invalidate
 * every translation of code in it. */
void tc_notify_phys_write(struct vm *vm, uint64_t pa, uint64_t len);
/* Invalidate every block on guest-physical page pfn and unprotect it. */
void tc_invalidate_page(struct tcache *tc, uint32_t pfn);
/* Does pfn hold translated code? */
bool tc_page_has_code(const struct tcache *tc, uint32_t pfn);
/* Drop every translation. */
void tc_flush(struct tcache *tc);
/* Point the vCPU at the indirect-branch table of its mode (one per recently
 * used mode, so switching modes does not empty them). */
void tc_ibl_sync_mode(struct tcache *tc, struct vcpu *v, uint32_t mode);

/* The one-off block running from the scratch area, or NULL (the signal
 * handler must find it too). */
void tc_set_ephemeral(struct tcache *tc, struct tblock *tb);
struct tblock *tc_ephemeral(const struct tcache *tc);
/* Unchain the jumps out of tb (the timer signal: leave the block soon). */
void tc_detach_block(struct tcache *tc, struct tblock *tb);
/* Empty the indirect-branch tables. */
void tc_ibl_forget_all(struct tcache *tc);
/* Make every inline indirect-branch lookup miss (and so return to the
 * dispatcher) until the next tc_ibl_sync_mode(): O(1), for the timer signal. */
void tc_ibl_suspend(struct tcache *tc, struct vcpu *v);
/* The linear page vpn no longer maps what it did: forget the indirect
 * targets on it. */
void tc_ibl_drop_page(struct tcache *tc, uint32_t vpn);
/* Adaptive translation: count a trap (page-table write, device access) of
 * the instruction at guest-physical address pa and return the count so far;
 * mark it to be translated as a callout from now on; ask whether it is. */
unsigned tc_note_trap(struct tcache *tc, uint32_t pa);
void tc_set_emulated(struct tcache *tc, uint32_t pa);
bool tc_is_emulated(const struct tcache *tc, uint32_t pa);
/* Which block holds host address pc (NULL if none); valid or not. */
struct tblock *tc_find_block(const struct tcache *tc, uintptr_t pc);
/* Is pc inside the code arena at all? */
bool tc_in_arena(const struct tcache *tc, uintptr_t pc);
/* Shared exit descriptor for indirect misses. */
struct exit_desc *tc_indirect_desc(struct tcache *tc);
