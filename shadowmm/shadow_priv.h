/*
 * shadow_priv.h: the shadow's bookkeeping, shared by shadow.c (fills,
 * faults, tracing) and shadow_cr3.c (what a CR3 load keeps).  See the
 * comment at the top of shadow.c for the model.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "shadowmm/shadow.h"

struct vm;

#define SH_NONE 0xffffffffu
#define SH_GROUPS 1024u
#define SH_PER_GROUP 1024u

/* What the guest's page tables allow for a mapped page. */
#define SM_USER   0x01 /* user mode may read */
#define SM_USER_W 0x02 /* user mode may write */
#define SM_SUP_W  0x04 /* supervisor mode may write (R/W at both levels, or CR0.WP clear) */
#define SM_DIRTY  0x08 /* the guest's D bit is set */
#define SM_LARGE  0x10 /* from a 4 MiB page (no page table) */

struct sh_map {
    uint32_t pfn;         /* guest-physical page mapped, SH_NONE if not mapped */
    uint32_t pt_pfn;      /* page holding its PTE, SH_NONE for a 4 MiB page */
    uint32_t next_target; /* next vpn mapping the same pfn */
    uint32_t next_pt;     /* next vpn whose PTE lives in the same page */
    uint8_t rights;       /* SM_* */
    uint8_t prot;         /* host PROT_* applied */
};

struct sh_group {
    struct sh_map *maps;  /* SH_PER_GROUP entries, NULL until first used */
    uint32_t live;        /* mapped entries */
    uint32_t vmas;        /* host mappings (VMAs) they take, an upper estimate */
    uint32_t weaker_for_user; /* mapped entries user mode may not use as supervisor mode does */
    bool suspended;       /* kept from s->suspended_pd while the current directory does not map it */
    uint32_t suspended_pde; /* that directory's entry for the group when it was suspended */
};

struct shadow {
    struct vm *vm;
    struct sh_group groups[SH_GROUPS];
    uint32_t npages;      /* RAM pages */
    uint32_t *by_target;  /* per RAM page: first vpn mapping it, SH_NONE */
    uint32_t *by_pt;      /* per RAM page: first vpn whose PTE lives in it */
    uint32_t *pt_refs;    /* per RAM page: mappings whose PTE lives in it */
    uint8_t *code_va;     /* bitmap of vpns the indirect-branch table holds targets in */
    uint32_t pd_pfn;      /* page directory traced now, SH_NONE when paging is off */
    uint32_t live;        /* mapped entries in all groups */
    uint32_t vmas;        /* host mappings they take (estimate; the budget counts these) */
    bool user_mode;       /* mappings carry user rights only */
    uint64_t user_top;    /* in user mode: mappings below it carry user rights only */
    uint32_t pd_gen;      /* bumped when a PDE or CR3 may have changed */
    bool paging;          /* the window holds shadow mappings (not the identity map) */
    uint32_t suspended;   /* groups suspended (shadow_cr3.c) */
    uint32_t suspended_pd; /* guest-physical page directory they come from */
};

struct shadow *sh_of(const struct vm *vm);
/* vpn's entry, NULL if its group was never used. */
struct sh_map *sh_entry(struct shadow *s, uint32_t vpn);
/* Unlink vpn from the by-page-table (by_pt) or by-target list at *head. */
void sh_list_remove(struct shadow *s, uint32_t *head, uint32_t vpn, bool by_pt);
/* Drop one mapping, or every mapping of group gi (one host call each). */
void sh_drop(struct shadow *s, uint32_t vpn);
void sh_drop_group(struct shadow *s, uint32_t gi);
/* A host fault on a page of a suspended group (inaccessible to the host
 * while suspended): the guest's #PF, or drop the group and retry. */
enum shadow_outcome sh_suspended_fault(struct shadow *s, uint32_t la, bool write, struct event *ev);
/* Drop every suspended group (user mode is about to run: shadow_cr3.c). */
void sh_drop_suspended(struct shadow *s);
