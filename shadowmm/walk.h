/*
 * walk.h: the guest page walker for 32-bit paging (SDM Vol. 3A §4.3) —
 * two levels, 4 KiB pages and, with CR4.PSE, 4 MiB pages.
 *
 * The walker records every level it read and returns a page fault as data
 * (STYLE.md habit 10): it never acts on the fault itself.  With `set_ad`
 * it sets the Accessed bits of the entries it used and, for a write, the
 * Dirty bit of the final one, when the processor would (SDM §4.8): a PDE
 * that references a page table gets A as soon as the PTE is read through
 * it, even if the walk then faults; the final entry only when the access
 * is permitted.
 *
 *   struct walk w;
 *   if (!walk_guest(v, la, WALK_WRITE, false, true, &w)) deliver(w.fault);
 *   else use w.pa, w.writable ...
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "monitor/vcpu.h"

/* Page-table entry bits (SDM Vol. 3A §4.3, Tables 4-4 to 4-6). */
#define PTE_P   0x001u
#define PTE_RW  0x002u
#define PTE_US  0x004u
#define PTE_PWT 0x008u
#define PTE_PCD 0x010u
#define PTE_A   0x020u
#define PTE_D   0x040u
#define PTE_PS  0x080u  /* in a PDE: 4 MiB page (with CR4.PSE) */
#define PTE_G   0x100u  /* in the final entry: global (with CR4.PGE) */
#define PTE_FRAME_4K 0xfffff000u
#define PTE_FRAME_4M 0xffc00000u

enum walk_access {
    WALK_READ = 0,
    WALK_WRITE = 1,
    WALK_FETCH = 2,
};

struct walk {
    uint32_t la;        /* linear address walked */
    uint32_t pde_pa;    /* guest-physical address of the PDE */
    uint32_t pde;       /* PDE value (with any A bit the walk set) */
    uint32_t pte_pa;    /* guest-physical address of the PTE; 0 for a 4 MiB page */
    uint32_t pte;       /* PTE value (with A/D the walk set); 0 for a 4 MiB page */
    bool large;         /* a 4 MiB page (PDE.PS with CR4.PSE) */
    uint32_t pa;        /* guest-physical address of la (valid when ok) */
    uint32_t page_pa;   /* guest-physical base of the 4 KiB page holding la */
    bool user;          /* user accesses allowed (U/S set at both levels) */
    bool writable_user; /* user writes allowed (R/W set at both levels, and U/S) */
    bool writable_sup;  /* supervisor writes allowed: R/W at both levels, or CR0.WP clear */
    bool dirty;         /* D bit of the final entry (after the walk) */
    bool global;        /* G bit of the final entry with CR4.PGE set */
    bool ok;            /* the access is permitted */
    struct event fault; /* when !ok: #PF with CR2 = la and the exact error code */
};

/* Walk the guest's page tables (CR3) for linear address la.  `access` is a
 * WALK_* kind; `user` asks for a CPL 3 access check.  Returns w->ok.  The
 * error code of a fault has P (a protection violation, not a missing page),
 * W/R, U/S; I/D is never set (no NX in 32-bit paging).  A reserved bit in a
 * 4 MiB PDE (bits 21:13 when PSE-36 is absent) gives RSVD. */
bool walk_guest(struct vcpu *v, uint32_t la, enum walk_access access, bool user, bool set_ad,
                struct walk *w);

/* Set the Accessed bits of the entries a successful walk used and, for a
 * write, the Dirty bit of its final entry (SDM §4.8); w->pde, w->pte and
 * w->dirty follow.  Does nothing when !w->ok.  For a permitted access,
 * walk_guest(..., set_ad = true, ...) is walk_guest(..., false, ...)
 * followed by this (for a faulting one it also sets the A bit of a PDE
 * that references a page table, which this does not); the shadow
 * calls it alone when a guest write hits a page it mapped read-only because
 * its D bit was clear. */
void walk_set_ad(struct vcpu *v, struct walk *w, bool write);

/* A linear range translated all-or-nothing (walk_guest_range). */
#define WALK_RANGE_MAX_BYTES 8192u /* bytes one call translates at most */
#define WALK_RANGE_MAX_PAGES 3u    /* pages WALK_RANGE_MAX_BYTES can touch */
struct walk_range {
    uint32_t len;                        /* bytes translated from la: min(len, MAX_BYTES) */
    uint32_t n;                          /* pieces in pa[] / size[] */
    uint32_t pa[WALK_RANGE_MAX_PAGES];   /* guest-physical address of each piece */
    uint32_t size[WALK_RANGE_MAX_PAGES]; /* bytes in each piece (none crosses a page) */
};

/* Translate the first min(len, WALK_RANGE_MAX_BYTES) bytes at la (linear
 * addresses wrap at 4 GiB) for one access: every page is walked first, and
 * only when all of them permit the access are their A/D bits set.  On a
 * fault *ev is the #PF of the first page that faults (CR2 = the first
 * byte of the access in that page), nothing has been accessed, and only
 * the PDEs through which the walks read their PTEs (up to the faulting
 * page) have A set (§4.8). */
bool walk_guest_range(struct vcpu *v, uint32_t la, uint32_t len, enum walk_access access, bool user,
                      struct walk_range *r, struct event *ev);
