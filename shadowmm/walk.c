/*
 * walk.c: the guest page walker for 32-bit paging (SDM Vol. 3A §4.3).
 *
 * The guest believes it owns the MMU, so whenever the monitor needs to know
 * what a guest linear address means — to fill a shadow page-table entry, to
 * decide whether a host fault is a true guest #PF, or to read a descriptor
 * table on the guest's behalf — it asks walk_guest().  The walk reads the
 * page directory entry (CR3 bits 31:12, index la[31:22]) and, unless the
 * PDE maps a 4 MiB page, the page table entry (index la[21:12]), all as
 * guest-physical reads.  It records every level in struct walk, combines
 * the access rights of the levels (§4.6) and returns a fault as data: a
 * #PF event with CR2 = la and the error code of §4.7.  Nothing here
 * delivers anything.
 *
 * Accessed and dirty bits (§4.8) are set like the processor does.  A PDE
 * that references a page table is "used for linear-address translation" as
 * soon as the PTE is read through it, so it gets A then, even when the PTE
 * is not present or the access is not permitted (§4.8: "Whenever the
 * processor uses a paging-structure entry as part of linear-address
 * translation, it sets the accessed flag in that entry"; §4.10.3.1: the
 * PDE is cached for the walk before the PTE is looked at).  The entry that
 * maps the page (the PTE, or a 4 MiB PDE) gets A, and D on a write, only
 * when the access is permitted: a faulting access leaves it untouched,
 * which keeps the guest's view deterministic.  The updates are raw 32-bit
 * atomic ORs into guest RAM, not gmem_write_phys(): a hardware A/D update
 * is not a guest store, so it must not invalidate shadow entries derived
 * from the page-table page (and §4.8's note lets the processor hide these
 * writes from self-modifying-code detection too).
 *
 * walk_guest_range() applies the walker to a multi-byte linear access that
 * may cross pages, all-or-nothing; gmem_read_lin()/gmem_write_lin() use it.
 *
 *   struct walk w;
 *   if (!walk_guest(v, 0xc0001234, WALK_WRITE, v->cpl == 3, true, &w))
 *       v->pending = w.fault;            // #PF, CR2 = 0xc0001234
 *   else
 *       gmem_write_phys(v->vm, w.pa, &val, 4);
 */
#include "shadowmm/walk.h"

#include <string.h>

#include "monitor/vm.h"
#include "shadowmm/gmem.h"

/* Bits of a PDE that maps a 4 MiB page which must be 0 (SDM Vol. 3A §4.3:
 * "With 32-bit paging, there are reserved bits only if CR4.PSE = 1: if the
 * P flag and the PS flag of a PDE are both 1 ... if the PSE-36 mechanism is
 * not supported, bits 21:13 are reserved").  btvisor's CPUID does not
 * advertise PSE-36, so all of 21:13 are reserved.  It does advertise PAT,
 * so bit 12 is the PAT bit, not reserved, and a PTE's bit 7 is PAT too. */
#define PDE_4M_RESERVED 0x003fe000u

/* Offset of la within a 4 MiB page and a 4 KiB page. */
#define LA_OFFSET_4M 0x003fffffu
#define LA_OFFSET_4K 0x00000fffu

/* A paging-structure entry: guest-physical read of 4 bytes.  An entry that
 * is not in RAM reads as all-ones, like any open-bus read. */
static uint32_t walk_read_entry(struct vcpu *v, uint32_t pa)
{
    uint32_t val;
    gmem_read_phys(v->vm, pa, &val, sizeof val);
    return val;
}

/* Set `bits` in the entry at pa with one atomic OR straight into guest RAM
 * and refresh *val from the result.  An entry outside RAM is never written
 * (it reads as all-ones, so its A and D already look set). */
static void walk_or_entry(struct vcpu *v, uint32_t pa, uint32_t *val, uint32_t bits)
{
    if ((*val & bits) == bits)
        return;
    uint8_t *p = gmem_phys_ptr(&v->vm->mem, pa, sizeof(uint32_t));
    if (!p)
        return;
    /* pa is 4-aligned (entries are found by index * 4) and RAM is page aligned. */
    uint32_t *entry = (uint32_t *)(void *)p;
    *val = __atomic_fetch_or(entry, bits, __ATOMIC_SEQ_CST) | bits;
}

/* §4.8: a PDE that references a page table is used for the translation
 * once the PTE is read through it: it gets A whatever the PTE says (see
 * the head of this file).  A 4 MiB PDE maps the page itself and follows
 * the leaf rule in walk_set_ad(); a not-present PDE is not used. */
static void walk_mark_pde_used(struct vcpu *v, struct walk *w)
{
    if ((v->cr0 & CR0_PG) && (w->pde & PTE_P) && !w->large)
        walk_or_entry(v, w->pde_pa, &w->pde, PTE_A);
}

/* Fill w->fault with a #PF for the walked address.  `bits` is P and RSVD as
 * the cause demands; W/R and U/S describe the access, not the page (§4.7).
 * I/D is set for an instruction fetch only with CR4.SMEP: the other
 * condition, PAE with EFER.NXE, does not exist in 32-bit paging (§4.7,
 * "I/D flag (bit 4)"). */
static bool walk_fault(const struct vcpu *v, struct walk *w, enum walk_access access, bool user, uint32_t bits)
{
    uint32_t err = bits;
    if (access == WALK_WRITE)
        err |= PFEC_W;
    if (user)
        err |= PFEC_U;
    if (access == WALK_FETCH && (v->cr4 & CR4_SMEP))
        err |= PFEC_I;
    w->ok = false;
    w->fault = event_fault(VEC_PF, true, err);
    w->fault.cr2 = w->la;
    return false;
}

/* Access rights of the translation (§4.6).  `rights` holds the R/W and U/S
 * flags of every level ANDed together: a page is a user page only if U/S is
 * 1 at both levels, writable only if R/W is 1 at both levels. */
static void walk_rights(const struct vcpu *v, struct walk *w, uint32_t rights)
{
    bool rw_all = rights & PTE_RW;
    w->user = rights & PTE_US;
    w->writable_user = w->user && rw_all;
    /* §4.6: with CR0.WP = 0 a supervisor-mode access may write any page
     * with a valid translation, read-only or not; with WP = 1 it needs R/W
     * at every level.  SMEP and SMAP restrict supervisor accesses to user
     * pages further (walk_permits). */
    w->writable_sup = rw_all || !(v->cr0 & CR0_WP);
}

/* Is SMAP in force for a supervisor-mode data access now?  §4.6: "If CPL
 * < 3, SMAP protections are disabled if EFLAGS.AC = 1.  If CPL = 3, SMAP
 * applies to all supervisor-mode data accesses (these are implicit
 * supervisor accesses) regardless of the value of EFLAGS.AC." */
static bool walk_smap_applies(const struct vcpu *v)
{
    return (v->cr4 & CR4_SMAP) && (v->cpl == 3 || !(v->eflags & EFLAGS_AC));
}

/* Does the translation permit this access (§4.6)?  Instruction fetches are
 * checked as reads otherwise: 32-bit paging has no execute-disable bit, so
 * "may be fetched from any linear address with a valid translation" for
 * supervisor mode — unless CR4.SMEP forbids user pages (§4.6.1) — and
 * from any user-mode address for user mode.  With CR4.SMAP supervisor
 * data accesses to user pages fault, reads and writes alike, whatever
 * CR0.WP says (walk_smap_applies). */
static bool walk_permits(const struct vcpu *v, const struct walk *w, enum walk_access access, bool user)
{
    if (user && !w->user)
        return false;
    if (!user && w->user) {
        if (access == WALK_FETCH ? (v->cr4 & CR4_SMEP) != 0 : walk_smap_applies(v))
            return false;
    }
    if (access != WALK_WRITE)
        return true;
    return user ? w->writable_user : w->writable_sup;
}

/* Paging off: linear = physical, everything allowed.  Callers are not
 * supposed to walk then; answer sensibly anyway. */
static bool walk_identity(struct walk *w)
{
    w->pa = w->la;
    w->page_pa = w->la & PTE_FRAME_4K;
    w->user = w->writable_user = w->writable_sup = true;
    w->ok = true;
    return true;
}

/* The PDE maps a 4 MiB page: check its reserved bits and compute pa. */
static bool walk_large(const struct vcpu *v, struct walk *w, enum walk_access access, bool user)
{
    /* §4.3: an entry that sets a reserved bit gives no translation; §4.7:
     * the fault has RSVD = 1 and P = 1 (the entry was present). */
    if (w->pde & PDE_4M_RESERVED)
        return walk_fault(v, w, access, user, PFEC_P | PFEC_RSVD);
    w->pa = (w->pde & PTE_FRAME_4M) | (w->la & LA_OFFSET_4M);
    return true;
}

/* The PDE references a page table: read the PTE and compute pa. */
static bool walk_small(struct vcpu *v, struct walk *w, enum walk_access access, bool user)
{
    w->pte_pa = (w->pde & PTE_FRAME_4K) | (((w->la >> 12) & 0x3ffu) << 2);
    w->pte = walk_read_entry(v, w->pte_pa);
    if (!(w->pte & PTE_P))
        return walk_fault(v, w, access, user, 0);
    w->pa = (w->pte & PTE_FRAME_4K) | (w->la & LA_OFFSET_4K);
    return true;
}

bool walk_guest(struct vcpu *v, uint32_t la, enum walk_access access, bool user, bool set_ad,
                struct walk *w)
{
    memset(w, 0, sizeof *w);
    w->la = la;
    if (!(v->cr0 & CR0_PG))
        return walk_identity(w);
    w->pde_pa = (v->cr3 & PTE_FRAME_4K) | ((la >> 22) << 2);
    w->pde = walk_read_entry(v, w->pde_pa);
    /* §4.3: a not-present entry gives no translation; §4.7: P = 0. */
    if (!(w->pde & PTE_P))
        return walk_fault(v, w, access, user, 0);
    /* §4.3: PS selects a 4 MiB page only with CR4.PSE = 1; otherwise it
     * is ignored and the PDE references a page table. */
    w->large = (v->cr4 & CR4_PSE) && (w->pde & PTE_PS);
    if (set_ad)
        walk_mark_pde_used(v, w);
    if (!(w->large ? walk_large(v, w, access, user) : walk_small(v, w, access, user)))
        return false;
    uint32_t final = w->large ? w->pde : w->pte;
    w->page_pa = w->pa & PTE_FRAME_4K;
    walk_rights(v, w, w->large ? w->pde : w->pde & w->pte);
    w->dirty = final & PTE_D;
    /* §4.10.2.4: G matters only in the entry that maps the page, and only
     * with CR4.PGE = 1 (in a PDE that references a page table it is ignored). */
    w->global = (v->cr4 & CR4_PGE) && (final & PTE_G);
    if (!walk_permits(v, w, access, user))
        return walk_fault(v, w, access, user, PFEC_P);
    w->ok = true;
    if (set_ad)
        walk_set_ad(v, w, access == WALK_WRITE);
    return true;
}

void walk_set_ad(struct vcpu *v, struct walk *w, bool write)
{
    if (!w->ok || !(v->cr0 & CR0_PG))
        return;
    /* §4.8: every entry used for the translation gets A; the entry that
     * maps the page (PTE, or a PDE with PS) gets D on a write.  The D bit
     * of a PDE that references a page table is ignored and never set. */
    uint32_t pde_bits = PTE_A | (w->large && write ? PTE_D : 0);
    walk_or_entry(v, w->pde_pa, &w->pde, pde_bits);
    if (!w->large)
        walk_or_entry(v, w->pte_pa, &w->pte, PTE_A | (write ? PTE_D : 0));
    w->dirty = (w->large ? w->pde : w->pte) & PTE_D;
}

bool walk_guest_range(struct vcpu *v, uint32_t la, uint32_t len, enum walk_access access, bool user,
                      struct walk_range *r, struct event *ev)
{
    struct walk w[WALK_RANGE_MAX_PAGES];
    r->len = len < WALK_RANGE_MAX_BYTES ? len : WALK_RANGE_MAX_BYTES;
    r->n = 0;
    /* Check every page before touching anything: an access that crosses a
     * page boundary either happens whole or faults whole. */
    for (uint32_t off = 0; off < r->len; r->n++) {
        uint32_t at = la + off; /* wraps at 4 GiB, as linear addresses do */
        uint32_t room = GMEM_PAGE_SIZE - (at & LA_OFFSET_4K);
        uint32_t size = r->len - off < room ? r->len - off : room;
        if (!walk_guest(v, at, access, user, false, &w[r->n])) {
            /* The walks so far read their PTEs through their PDEs (§4.8):
             * those PDEs get A; the leaf entries stay untouched. */
            for (uint32_t i = 0; i <= r->n; i++)
                walk_mark_pde_used(v, &w[i]);
            *ev = w[r->n].fault;
            return false;
        }
        r->pa[r->n] = w[r->n].pa;
        r->size[r->n] = size;
        off += size;
    }
    for (uint32_t i = 0; i < r->n; i++)
        walk_set_ad(v, &w[i], access == WALK_WRITE);
    return true;
}
