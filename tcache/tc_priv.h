/*
 * tc_priv.h: the translation cache's own state, shared by its files
 * (tcache.c: blocks, chaining, the indirect table; tc_linear.c: what the
 * in-process engine must undo when linear translations change).
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "tcache/tcache.h"

/* The in-process engine chains blocks across pages and keeps indirect-table
 * entries as long as the guest's TLB would keep the translations they rest
 * on (tcache/tc_linear.c). */
#define TC_LINEAR_LOCAL_MAX 4096u
struct tc_linear {
    struct tb_exit *global_links; /* cross-page chains into global pages (survive CR3 loads) */
    struct tb_exit *local_links;  /* cross-page chains into other pages */
    uint8_t *global_vpn;          /* bit per linear page: a global dependency on it */
    uint8_t *local_vpn;           /* bit per linear page: a non-global dependency on it */
    uint32_t local_list[TC_LINEAR_LOCAL_MAX]; /* the pages set in local_vpn, to clear them cheaply */
    uint32_t nlocal;              /* entries in local_list; > MAX: clear the whole bitmap */
    uint8_t large_used[1024 / 8]; /* bit per 4 MiB region: a dependency on a 4 MiB translation */
};



#define TC_HASH_BUCKETS 65536u
#define TC_SCRATCH_SIZE 8192u
/* After the scratch area, for monitor/emu_bounce.c: code space of its own
 * (it may run while a one-off block in the scratch area waits in a helper
 * call) and the bounce buffer, within rel32 reach of that code. */
#define TC_BOUNCE_CODE_SIZE 2048u
#define TC_BOUNCE_DATA_SIZE 1024u
#define TC_HEAD_SIZE 1024u
#define TC_TRAP_SLOTS 4096u
#define TC_IBL_TABLES 4u
/* Slots of non-global targets a table remembers, so that a CR3 load resets
 * only those (a whole table is 65536 entries, 1 MiB); more: clear it all. */
#define TC_IBL_LOCAL_MAX 1024u

struct tcache {
    struct vm *vm;
    uint8_t *arena;              /* RWX code arena */
    size_t arena_size;
    size_t used;                 /* bytes of the arena in use (head + scratch + blocks) */
    size_t blocks_start;         /* offset where blocks begin */
    uint8_t *exit_stub;          /* copy of bt_exit */
    uint8_t *ibl_miss;           /* indirect-table miss stub */
    uint8_t *helper;             /* copy of bt_helper: the in-block helper call */
    uint8_t *helper_exit;        /* leave the block after a helper call: r14 = vcpu->exit_desc */
    uint8_t *scratch;            /* one-off translations */
    uint8_t *bounce_code;        /* after it: bounce translations (TC_BOUNCE_CODE_SIZE) */
    uint8_t *bounce_data;        /* and their buffer (TC_BOUNCE_DATA_SIZE, 64-byte aligned) */
    struct tblock *hash[TC_HASH_BUCKETS];
    struct tblock **page_head;   /* per guest-physical page: blocks with code on it */
    uint32_t npages;
    struct tblock **blocks;      /* every block since the last flush, ascending host address */
    size_t nblocks, cap_blocks;
    struct exit_desc indirect_desc;  /* shared by every indirect miss */
    struct tc_ibl_table {        /* one indirect-branch table per recently used mode */
        struct ibl_entry *e;     /* IBL_ENTRIES entries */
        uint32_t mode, cs_base;  /* the block-key mode and CS base its entries belong to */
        bool used;               /* holds entries for (mode, cs_base) */
        uint64_t last_use;       /* for replacing the least recently used */
        bool nonglobal;          /* soft MMU: holds targets on non-global pages */
        uint16_t local_slot[TC_IBL_LOCAL_MAX]; /* their slots (eip & (IBL_ENTRIES - 1)) */
        uint32_t nlocal;         /* entries in local_slot; > MAX: they are not all there */
    } ibl[TC_IBL_TABLES];
    struct tc_ibl_table *ibl_cur; /* the table of the current mode (vcpu->ibl points at it) */
    struct ibl_entry *ibl_empty; /* always misses: swapped in to make translated code exit */
    uint64_t ibl_clock;
    struct tblock *ephemeral;    /* block running from the scratch area, or NULL */
    struct tc_linear linear;     /* what relies on linear translations (tcache/tc_linear.c) */
    struct tc_trap {             /* adaptive translation: trapping instructions */
        uint32_t pa;             /* guest-physical address of the instruction + 1 (0: free) */
        uint16_t count;          /* traps seen */
        bool emulated;           /* translate it as a callout */
    } traps[TC_TRAP_SLOTS];
};

/* tcache.c */
void tc_unlink_exit(struct tcache *tc, struct tb_exit *x);
void tc_ibl_clear_entries(struct tcache *tc, struct ibl_entry *e);

/* tc_linear.c */
int tc_linear_init(struct tcache *tc);
void tc_linear_destroy(struct tcache *tc);
/* May the chain x, from `from` to `to` (on another linear page), be made?
 * If so it is recorded: call before patching. */
bool tc_linear_link(struct tcache *tc, struct tb_exit *x, const struct tblock *to);
void tc_linear_unlink(struct tb_exit *x);
/* May `to` enter the indirect table t?  Records the dependency. */
bool tc_linear_ibl(struct tcache *tc, struct tc_ibl_table *t, const struct tblock *to);
