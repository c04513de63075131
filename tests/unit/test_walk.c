/*
 * test_walk.c: the guest page walker (shadowmm/walk.c) against a model of
 * SDM Vol. 3A §4.3 (32-bit paging), §4.6 (access rights), §4.7 (page-fault
 * error codes) and §4.8 (accessed and dirty flags).
 *
 * Like kvm-unit-tests' x86/access.c, the combination tests walk every
 * PDE {P, R/W, U/S} x PTE {P, R/W, U/S} x access {read, write, fetch} x
 * {user, supervisor} x CR0.WP, and every 4 MiB PDE {P, R/W, U/S} x
 * CR4.PSE x access x mode x WP, and compare the outcome, the exact error
 * code, the rights the walk reports and the A/D bits left in guest memory
 * with the model below, which restates the SDM text as a table and rules.
 */
#include "walk_fixture.h"

/* ---- The model (SDM Vol. 3A), independent of shadowmm/walk.c. ---- */

/* §4.6: "a linear address is a user-mode address if U/S is 1 in every
 * paging-structure entry controlling its translation" and writes need R/W
 * "1 in every paging-structure entry".  As a table of the two levels: */
static const struct sdm_combined {
    uint8_t pde_us, pde_rw, pte_us, pte_rw; /* the entries' flags */
    uint8_t user_page, rw_page;             /* what the page is */
} sdm_combined[16] = {
    /* PDE U/S R/W   PTE U/S R/W   user-mode address, R/W everywhere */
    { 0, 0, 0, 0, 0, 0 }, { 0, 0, 0, 1, 0, 0 }, { 0, 0, 1, 0, 0, 0 }, { 0, 0, 1, 1, 0, 0 },
    { 0, 1, 0, 0, 0, 0 }, { 0, 1, 0, 1, 0, 1 }, { 0, 1, 1, 0, 0, 0 }, { 0, 1, 1, 1, 0, 1 },
    { 1, 0, 0, 0, 0, 0 }, { 1, 0, 0, 1, 0, 0 }, { 1, 0, 1, 0, 1, 0 }, { 1, 0, 1, 1, 1, 0 },
    { 1, 1, 0, 0, 0, 0 }, { 1, 1, 0, 1, 0, 1 }, { 1, 1, 1, 0, 1, 0 }, { 1, 1, 1, 1, 1, 1 },
};

static const struct sdm_combined *sdm_lookup(uint32_t pde, uint32_t pte)
{
    for (unsigned i = 0; i < 16; i++) {
        const struct sdm_combined *c = &sdm_combined[i];
        if (c->pde_us == !!(pde & PTE_US) && c->pde_rw == !!(pde & PTE_RW) &&
            c->pte_us == !!(pte & PTE_US) && c->pte_rw == !!(pte & PTE_RW))
            return c;
    }
    fail();
    return NULL;
}

/* §4.6 with CR4.SMEP = CR4.SMAP = 0 and 32-bit paging (no XD). */
static bool sdm_allows(const struct sdm_combined *c, enum walk_access acc, bool user, bool wp)
{
    if (user) {
        /* User-mode reads and fetches: "any user-mode address with a valid
         * translation"; writes: "... for which the R/W flag is 1 in every
         * paging-structure entry".  Supervisor-mode addresses: never. */
        if (!c->user_page)
            return false;
        return acc != WALK_WRITE || c->rw_page;
    }
    /* Supervisor-mode reads and fetches: any address with a valid
     * translation.  Writes: "If CR0.WP = 0, data may be written to any
     * ... address with a valid translation.  If CR0.WP = 1, ... for which
     * the R/W flag is 1 in every paging-structure entry." */
    if (acc != WALK_WRITE)
        return true;
    return !wp || c->rw_page;
}

/* §4.7: P = 0 only for a missing translation; W/R and U/S describe the
 * access; RSVD for a reserved bit; I/D only with SMEP or PAE+NXE: never. */
static uint32_t sdm_error_code(bool valid_translation, bool rsvd, enum walk_access acc, bool user)
{
    return (valid_translation || rsvd ? PFEC_P : 0) | (rsvd ? PFEC_RSVD : 0) |
           (acc == WALK_WRITE ? PFEC_W : 0) | (user ? PFEC_U : 0);
}

/* ---- Helpers. ---- */

static const char *const access_name[3] = { "read", "write", "fetch" };

/* The rights fields of a walk that found a valid translation. */
static void check_rights(const struct walk *w, const struct sdm_combined *c, bool wp)
{
    assert_int_equal(w->user, c->user_page);
    assert_int_equal(w->writable_user, c->user_page && c->rw_page);
    assert_int_equal(w->writable_sup, c->rw_page || !wp);
}

/* A walk's outcome against the model; returns whether the model allows it. */
static bool check_outcome(const struct walk *w, bool ok, uint32_t la, bool present,
                          const struct sdm_combined *c, enum walk_access acc, bool user, bool wp)
{
    bool allow = present && sdm_allows(c, acc, user, wp);
    if (ok != allow)
        print_error("la %#x %s %s wp=%d: walk says %d, SDM %d\n", la, access_name[acc],
                    user ? "user" : "sup", wp, ok, allow);
    assert_int_equal(ok, allow);
    assert_int_equal(w->ok, allow);
    assert_int_equal(w->la, la);
    if (!allow)
        wfx_assert_pf(&w->fault, la, sdm_error_code(present, false, acc, user));
    else
        assert_int_equal(w->fault.kind, EV_NONE);
    if (present)
        check_rights(w, c, wp);
    return allow;
}

/* ---- 4 KiB pages. ---- */

#define LA_4K 0xc0123456u      /* PDE index 0x300, PTE index 0x123 */
#define FRAME_4K 0x00345000u

static void test_4k_every_combination(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    uint32_t pde_pa = wfx_pde_pa(LA_4K), pte_pa = wfx_pte_pa(WFX_PT, LA_4K);
    unsigned allowed = 0, faulted = 0;
    for (uint32_t pde_bits = 0; pde_bits < 8; pde_bits++)
        for (uint32_t pte_bits = 0; pte_bits < 8; pte_bits++)
            for (int acc = WALK_READ; acc <= WALK_FETCH; acc++)
                for (int user = 0; user < 2; user++)
                    for (int wp = 0; wp < 2; wp++) {
                        uint32_t pde = WFX_PT | pde_bits, pte = FRAME_4K | pte_bits;
                        wfx_wr32(v, pde_pa, pde);
                        wfx_wr32(v, pte_pa, pte);
                        v->cr0 = (v->cr0 & ~CR0_WP) | (wp ? CR0_WP : 0);
                        struct walk w;
                        memset(&w, 0xa5, sizeof w);
                        bool ok = walk_guest(v, LA_4K, acc, user, true, &w);
                        bool present = (pde & PTE_P) && (pte & PTE_P);
                        bool allow = check_outcome(&w, ok, LA_4K, present, sdm_lookup(pde, pte), acc,
                                                   user, wp);
                        allowed += allow;
                        faulted += !allow;
                        /* §4.8: A in every entry used for the translation,
                         * D in the PTE on a write.  A present PDE is used
                         * to read the PTE, so it gets A even when the PTE
                         * is not present or the access faults; the PTE
                         * only when the access is permitted. */
                        uint32_t pde_after = (pde & PTE_P) ? pde | PTE_A : pde;
                        uint32_t pte_after = allow ? pte | PTE_A | (acc == WALK_WRITE ? PTE_D : 0) : pte;
                        assert_int_equal(wfx_rd32(v, pde_pa), pde_after);
                        assert_int_equal(wfx_rd32(v, pte_pa), pte_after);
                        assert_int_equal(w.pde_pa, pde_pa);
                        assert_int_equal(w.pde, pde_after);
                        assert_false(w.large);
                        if (pde & PTE_P) {
                            assert_int_equal(w.pte_pa, pte_pa);
                            assert_int_equal(w.pte, pte_after);
                        }
                        if (allow) {
                            assert_int_equal(w.pa, FRAME_4K | (LA_4K & 0xfff));
                            assert_int_equal(w.page_pa, FRAME_4K);
                            assert_int_equal(w.dirty, acc == WALK_WRITE);
                            assert_false(w.global);
                        }
                    }
    /* The permitted walks counted by hand, so that a broken model cannot
     * pass silently.  Present: 4 (R/W, U/S of the PDE) x 4 (of the PTE) =
     * 16 combinations.  Supervisor read/fetch: 16 x 2 accesses x 2 WP = 64;
     * supervisor write: 16 (WP = 0) + 4 (WP = 1, R/W at both) = 20; user
     * read/fetch: 4 (U/S at both) x 2 x 2 = 16; user write: 1 x 2 = 2. */
    assert_int_equal(allowed + faulted, 768);
    assert_int_equal(allowed, 102);
}

/* A and D bits already set stay set; other bits of the entries survive;
 * set_ad = false leaves memory alone. */
static void test_4k_ad_sticky_and_optional(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    uint32_t pde_pa = wfx_pde_pa(LA_4K), pte_pa = wfx_pte_pa(WFX_PT, LA_4K);
    uint32_t avail = 0xe00u | PTE_PWT | PTE_PCD; /* bits 11:9 are the OS's */
    wfx_wr32(v, pde_pa, WFX_PT | avail | PTE_P | PTE_RW | PTE_US);
    wfx_wr32(v, pte_pa, FRAME_4K | avail | PTE_P | PTE_RW | PTE_US);
    struct walk w;
    assert_true(walk_guest(v, LA_4K, WALK_WRITE, false, false, &w));
    assert_int_equal(wfx_rd32(v, pde_pa), WFX_PT | avail | PTE_P | PTE_RW | PTE_US);
    assert_int_equal(wfx_rd32(v, pte_pa), FRAME_4K | avail | PTE_P | PTE_RW | PTE_US);
    assert_false(w.dirty);
    /* A read sets A only. */
    assert_true(walk_guest(v, LA_4K, WALK_READ, true, true, &w));
    assert_int_equal(wfx_rd32(v, pde_pa), WFX_PT | avail | PTE_P | PTE_RW | PTE_US | PTE_A);
    assert_int_equal(wfx_rd32(v, pte_pa), FRAME_4K | avail | PTE_P | PTE_RW | PTE_US | PTE_A);
    assert_false(w.dirty);
    /* A write adds D to the PTE; the PDE's bit 6 is ignored and stays 0. */
    assert_true(walk_guest(v, LA_4K, WALK_WRITE, true, true, &w));
    assert_int_equal(wfx_rd32(v, pde_pa), WFX_PT | avail | PTE_P | PTE_RW | PTE_US | PTE_A);
    assert_int_equal(wfx_rd32(v, pte_pa), FRAME_4K | avail | PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D);
    assert_true(w.dirty);
    /* A later read neither clears D nor reports the page clean. */
    assert_true(walk_guest(v, LA_4K, WALK_FETCH, false, true, &w));
    assert_true(wfx_rd32(v, pte_pa) & PTE_D);
    assert_true(w.dirty);
}

/* walk_set_ad() alone: the shadow's path for the first write to a page it
 * mapped read-only while D was clear.  A failed walk is never committed. */
static void test_walk_set_ad(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    wfx_map(v, LA_4K, FRAME_4K, PTE_P | PTE_RW);
    struct walk w;
    assert_true(walk_guest(v, LA_4K, WALK_READ, false, false, &w));
    walk_set_ad(v, &w, true);
    assert_int_equal(wfx_rd32(v, wfx_pte_pa(WFX_PT, LA_4K)), FRAME_4K | PTE_P | PTE_RW | PTE_A | PTE_D);
    assert_true(w.dirty);
    assert_true(w.pte & PTE_D);
    assert_true(w.pde & PTE_A);
    /* A user write to a supervisor page faults; committing it does nothing. */
    wfx_wr32(v, wfx_pte_pa(WFX_PT, LA_4K), FRAME_4K | PTE_P | PTE_RW);
    wfx_wr32(v, wfx_pde_pa(LA_4K), WFX_PT | PTE_P | PTE_RW | PTE_US);
    assert_false(walk_guest(v, LA_4K, WALK_WRITE, true, false, &w));
    walk_set_ad(v, &w, true);
    assert_int_equal(wfx_rd32(v, wfx_pte_pa(WFX_PT, LA_4K)), FRAME_4K | PTE_P | PTE_RW);
    assert_int_equal(wfx_rd32(v, wfx_pde_pa(LA_4K)), WFX_PT | PTE_P | PTE_RW | PTE_US);
}

/* §4.8 ("Whenever the processor uses a paging-structure entry as part of
 * linear-address translation, it sets the accessed flag in that entry"):
 * the PDE through which the PTE is read gets A even when the walk then
 * faults at the PTE, not present or not permitted; the PTE stays as it
 * was.  A walk without set_ad (a probe) writes nothing, and a 4 MiB PDE
 * (the entry that maps the page) gets no A from a faulting access. */
static void test_pde_accessed_when_pte_faults(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    uint32_t pde_pa = wfx_pde_pa(LA_4K), pte_pa = wfx_pte_pa(WFX_PT, LA_4K);
    static const struct {
        uint32_t pte;
        enum walk_access acc;
        bool user;
        uint32_t err;
    } faults[] = {
        { 0, WALK_READ, false, 0 },                                  /* PTE not present */
        { FRAME_4K, WALK_WRITE, true, PFEC_W | PFEC_U },             /* not present, other bits set */
        { FRAME_4K | PTE_P, WALK_WRITE, false, PFEC_P | PFEC_W },    /* read-only, WP = 1 */
        { FRAME_4K | PTE_P | PTE_RW, WALK_READ, true, PFEC_P | PFEC_U }, /* supervisor page */
    };
    for (unsigned i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        uint32_t pde = WFX_PT | PTE_P | PTE_RW | PTE_US;
        wfx_wr32(v, pde_pa, pde);
        wfx_wr32(v, pte_pa, faults[i].pte);
        struct walk w;
        assert_false(walk_guest(v, LA_4K, faults[i].acc, faults[i].user, false, &w));
        assert_int_equal(wfx_rd32(v, pde_pa), pde);
        assert_false(walk_guest(v, LA_4K, faults[i].acc, faults[i].user, true, &w));
        wfx_assert_pf(&w.fault, LA_4K, faults[i].err);
        assert_int_equal(wfx_rd32(v, pde_pa), pde | PTE_A);
        assert_int_equal(w.pde, pde | PTE_A);
        assert_int_equal(wfx_rd32(v, pte_pa), faults[i].pte);
    }
    /* A not-present PDE is not used: nothing changes. */
    wfx_wr32(v, pde_pa, WFX_PT | PTE_RW | PTE_US);
    struct walk w;
    assert_false(walk_guest(v, LA_4K, WALK_READ, false, true, &w));
    assert_int_equal(wfx_rd32(v, pde_pa), WFX_PT | PTE_RW | PTE_US);
    /* A read-only 4 MiB page written with WP = 1: the PDE maps the page. */
    v->cr4 = CR4_PSE;
    wfx_wr32(v, pde_pa, 0x00800000u | PTE_PS | PTE_P);
    assert_false(walk_guest(v, LA_4K, WALK_WRITE, false, true, &w));
    wfx_assert_pf(&w.fault, LA_4K, PFEC_P | PFEC_W);
    assert_int_equal(wfx_rd32(v, pde_pa), 0x00800000u | PTE_PS | PTE_P);
}

/* Every PDE index and PTE index is taken from the right bits of la: five
 * page tables under PDE indices 0, 1, 0x2ff, 0x300 and 0x3ff, each mapping
 * all 1024 pages to a frame derived from both indices. */
static uint32_t index_frame(uint32_t pdi, uint32_t pti) { return 0x400000u + (((pdi * 7 + pti) & 0x7ff) << 12); }

static void test_indices(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    static const uint32_t pdis[5] = { 0, 1, 0x2ff, 0x300, 0x3ff };
    for (unsigned t = 0; t < 5; t++)
        for (uint32_t pti = 0; pti < 1024; pti++)
            wfx_map_pt(v, WFX_PT + t * 0x1000, (pdis[t] << 22) | (pti << 12), index_frame(pdis[t], pti),
                       PTE_P | PTE_RW | PTE_US);
    for (unsigned t = 0; t < 5; t++)
        for (uint32_t pti = 0; pti < 1024; pti++) {
            uint32_t off = (pti * 0x9d) & 0xfff;
            uint32_t la = (pdis[t] << 22) | (pti << 12) | off;
            struct walk w;
            assert_true(walk_guest(v, la, WALK_READ, true, false, &w));
            assert_int_equal(w.pde_pa, WFX_PD + pdis[t] * 4);
            assert_int_equal(w.pte_pa, WFX_PT + t * 0x1000 + pti * 4);
            assert_int_equal(w.pa, index_frame(pdis[t], pti) | off);
        }
    /* A PDE index with no table is not present. */
    struct walk w;
    assert_false(walk_guest(v, 2u << 22, WALK_READ, false, false, &w));
    wfx_assert_pf(&w.fault, 2u << 22, 0);
}

/* G is reported only for the entry that maps the page and only with
 * CR4.PGE (§4.10.2.4); G in a PDE that references a page table is ignored. */
static void test_global(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    wfx_map(v, LA_4K, FRAME_4K, PTE_P | PTE_G);
    struct walk w;
    assert_true(walk_guest(v, LA_4K, WALK_READ, false, true, &w));
    assert_false(w.global);
    v->cr4 = CR4_PGE;
    assert_true(walk_guest(v, LA_4K, WALK_READ, false, true, &w));
    assert_true(w.global);
    wfx_wr32(v, wfx_pte_pa(WFX_PT, LA_4K), FRAME_4K | PTE_P);
    wfx_wr32(v, wfx_pde_pa(LA_4K), WFX_PT | PTE_P | PTE_G);
    assert_true(walk_guest(v, LA_4K, WALK_READ, false, true, &w));
    assert_false(w.global);
    /* A 4 MiB page's G is in its PDE. */
    v->cr4 = CR4_PSE | CR4_PGE;
    wfx_wr32(v, wfx_pde_pa(LA_4K), 0x00800000u | PTE_PS | PTE_P | PTE_G);
    assert_true(walk_guest(v, LA_4K, WALK_READ, false, true, &w));
    assert_true(w.large);
    assert_true(w.global);
    v->cr4 = CR4_PSE;
    assert_true(walk_guest(v, LA_4K, WALK_READ, false, true, &w));
    assert_false(w.global);
}

/* ---- 4 MiB pages. ---- */

#define LA_4M 0x00c05123u      /* PDE index 3; as a 4 KiB walk, PTE index 5 */
#define FRAME_4M 0x00800000u
#define FRAME_VIA_PT 0x00a00000u /* where the PTE maps LA_4M when PS is ignored */

static void test_4m_every_combination(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    uint32_t pde_pa = wfx_pde_pa(LA_4M), pte_pa = wfx_pte_pa(FRAME_4M, LA_4M);
    uint32_t pte = FRAME_VIA_PT | PTE_P | PTE_RW | PTE_US;
    unsigned allowed = 0;
    for (int pse = 0; pse < 2; pse++)
        for (uint32_t pde_bits = 0; pde_bits < 8; pde_bits++)
            for (int acc = WALK_READ; acc <= WALK_FETCH; acc++)
                for (int user = 0; user < 2; user++)
                    for (int wp = 0; wp < 2; wp++) {
                        uint32_t pde = FRAME_4M | PTE_PS | pde_bits;
                        wfx_wr32(v, pde_pa, pde);
                        /* With CR4.PSE = 0 the PS bit is ignored and the
                         * PDE's frame is a page table (§4.3). */
                        wfx_wr32(v, pte_pa, pte);
                        v->cr4 = pse ? CR4_PSE : 0;
                        v->cr0 = (v->cr0 & ~CR0_WP) | (wp ? CR0_WP : 0);
                        struct walk w;
                        memset(&w, 0x5a, sizeof w);
                        bool ok = walk_guest(v, LA_4M, acc, user, true, &w);
                        bool present = pde & PTE_P;
                        bool allow = check_outcome(&w, ok, LA_4M, present, sdm_lookup(pde, pte), acc, user,
                                                   wp);
                        allowed += allow;
                        uint32_t d = acc == WALK_WRITE ? PTE_D : 0;
                        assert_int_equal(w.pde_pa, pde_pa);
                        if (pse) {
                            /* §4.8: the 4 MiB PDE maps the page: A, and D on a write. */
                            assert_int_equal(wfx_rd32(v, pde_pa), allow ? pde | PTE_A | d : pde);
                            assert_int_equal(wfx_rd32(v, pte_pa), pte);
                            if (present) {
                                assert_true(w.large);
                                assert_int_equal(w.pte_pa, 0);
                                assert_int_equal(w.pte, 0);
                            }
                            if (allow) {
                                assert_int_equal(w.pa, FRAME_4M | (LA_4M & 0x3fffff));
                                assert_int_equal(w.page_pa, 0x00805000u);
                                assert_int_equal(w.dirty, acc == WALK_WRITE);
                            }
                        } else {
                            /* §4.8: the present PDE was used to read the PTE. */
                            assert_int_equal(wfx_rd32(v, pde_pa), present ? pde | PTE_A : pde);
                            assert_int_equal(wfx_rd32(v, pte_pa), allow ? pte | PTE_A | d : pte);
                            assert_false(w.large);
                            if (present)
                                assert_int_equal(w.pte_pa, pte_pa);
                            if (allow) {
                                assert_int_equal(w.pa, FRAME_VIA_PT | (LA_4M & 0xfff));
                                assert_int_equal(w.page_pa, FRAME_VIA_PT);
                            }
                        }
                    }
    /* Per PSE value: 4 present PDEs; sup read/fetch 4x2x2 = 16, sup write
     * wp0 4 + wp1 2 = 6, user read/fetch 2x2x2 = 8, user write 1x2 = 2: 32. */
    assert_int_equal(allowed, 64);
}

/* page_pa is the 4 KiB page inside the 4 MiB page that holds la. */
static void test_4m_page_pa(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    v->cr4 = CR4_PSE;
    wfx_wr32(v, WFX_PD + 0x301 * 4, 0x00c00000u | PTE_PS | PTE_P);
    for (uint32_t off = 0; off < 0x400000u; off += 0x1234b) {
        struct walk w;
        uint32_t la = 0xc0400000u + off;
        assert_true(walk_guest(v, la, WALK_READ, false, false, &w));
        assert_int_equal(w.pa, 0x00c00000u + off);
        assert_int_equal(w.page_pa, 0x00c00000u + (off & ~0xfffu));
    }
    /* Bits 21:12 of the PDE do not reach the address: bit 12 is PAT. */
    wfx_wr32(v, WFX_PD + 0x301 * 4, 0x00c00000u | 0x1000u | PTE_PS | PTE_P);
    struct walk w;
    assert_true(walk_guest(v, 0xc0400000u + 0x3ff001u, WALK_READ, false, false, &w));
    assert_int_equal(w.pa, 0x00fff001u);
    assert_int_equal(w.page_pa, 0x00fff000u);
}

/* §4.3: without PSE-36, bits 21:13 of a PDE that maps a 4 MiB page are
 * reserved: #PF with P = 1 and RSVD = 1, whatever the rights say, and no
 * A/D.  With CR4.PSE = 0 the same PDE references a page table and has no
 * reserved bits; a not-present PDE has none either. */
static void test_4m_reserved_bits(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    uint32_t pde_pa = wfx_pde_pa(LA_4M);
    for (unsigned bit = 13; bit <= 21; bit++)
        for (int acc = WALK_READ; acc <= WALK_FETCH; acc++)
            for (int user = 0; user < 2; user++) {
                uint32_t pde = FRAME_4M | (1u << bit) | PTE_PS | PTE_P | PTE_RW | PTE_US;
                wfx_wr32(v, pde_pa, pde);
                /* As a page-table pointer (CR4.PSE = 0) bits 21:13 are address bits. */
                wfx_wr32(v, wfx_pte_pa(pde & PTE_FRAME_4K, LA_4M), FRAME_VIA_PT | PTE_P | PTE_RW | PTE_US);
                v->cr4 = CR4_PSE | CR4_PGE;
                struct walk w;
                assert_false(walk_guest(v, LA_4M, acc, user, true, &w));
                wfx_assert_pf(&w.fault, LA_4M, sdm_error_code(false, true, acc, user));
                assert_int_equal(wfx_rd32(v, pde_pa), pde);
                /* Reserved bits win over a rights violation (supervisor page). */
                wfx_wr32(v, pde_pa, pde & ~(PTE_US | PTE_RW));
                assert_false(walk_guest(v, LA_4M, acc, user, true, &w));
                wfx_assert_pf(&w.fault, LA_4M, sdm_error_code(false, true, acc, user));
                /* Not present: P = 0 and no RSVD (§4.7: the other bits are ignored). */
                wfx_wr32(v, pde_pa, pde & ~PTE_P);
                assert_false(walk_guest(v, LA_4M, acc, user, true, &w));
                wfx_assert_pf(&w.fault, LA_4M, sdm_error_code(false, false, acc, user));
                /* CR4.PSE = 0: a page table, no reserved bits. */
                wfx_wr32(v, pde_pa, pde);
                v->cr4 = 0;
                assert_true(walk_guest(v, LA_4M, acc, user, true, &w));
                assert_int_equal(w.pa, FRAME_VIA_PT | (LA_4M & 0xfff));
            }
    /* Bit 12 (PAT: our CPUID advertises PAT) and bits 11:9 are not reserved. */
    v->cr4 = CR4_PSE;
    wfx_wr32(v, pde_pa, FRAME_4M | 0x1e00u | PTE_PS | PTE_P | PTE_RW);
    struct walk w;
    assert_true(walk_guest(v, LA_4M, WALK_WRITE, false, true, &w));
    assert_int_equal(w.pa, FRAME_4M | (LA_4M & 0x3fffff));
}

/* ---- Odd machines. ---- */

/* CR3 above RAM: entries read as all-ones (open bus) and are never
 * written.  Without PSE the all-ones PDE references a page table at
 * 0xfffff000 whose all-ones PTE maps 0xfffff000; with PSE the all-ones PDE
 * maps a 4 MiB page with reserved bits set. */
static void test_tables_outside_ram(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    v->cr3 = 0x40000000u;
    struct walk w;
    assert_true(walk_guest(v, 0x12345678u, WALK_WRITE, true, true, &w));
    assert_int_equal(w.pde, 0xffffffffu);
    assert_int_equal(w.pte_pa, 0xfffff000u | (0x345u << 2));
    assert_int_equal(w.pa, 0xfffff678u);
    assert_true(w.dirty);
    v->cr4 = CR4_PSE;
    assert_false(walk_guest(v, 0x12345678u, WALK_READ, false, true, &w));
    wfx_assert_pf(&w.fault, 0x12345678u, PFEC_P | PFEC_RSVD);
    /* A page table outside RAM under a PDE in RAM. */
    v->cr3 = WFX_PD;
    v->cr4 = 0;
    wfx_wr32(v, wfx_pde_pa(LA_4K), 0x80000000u | PTE_P | PTE_RW);
    assert_true(walk_guest(v, LA_4K, WALK_WRITE, false, true, &w));
    assert_int_equal(w.pa, 0xfffff456u);
    assert_int_equal(wfx_rd32(v, wfx_pde_pa(LA_4K)), 0x80000000u | PTE_P | PTE_RW | PTE_A);
}

/* Paging off: linear = physical, nothing read or written. */
static void test_paging_off(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    v->cr0 &= ~CR0_PG;
    v->cr3 = 0;
    struct walk w;
    assert_true(walk_guest(v, 0xfedcba98u, WALK_WRITE, true, true, &w));
    assert_true(w.ok);
    assert_int_equal(w.pa, 0xfedcba98u);
    assert_int_equal(w.page_pa, 0xfedcb000u);
    assert_int_equal(wfx_rd32(v, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_4k_every_combination, wfx_setup),
        cmocka_unit_test_setup(test_4k_ad_sticky_and_optional, wfx_setup),
        cmocka_unit_test_setup(test_walk_set_ad, wfx_setup),
        cmocka_unit_test_setup(test_pde_accessed_when_pte_faults, wfx_setup),
        cmocka_unit_test_setup(test_indices, wfx_setup),
        cmocka_unit_test_setup(test_global, wfx_setup),
        cmocka_unit_test_setup(test_4m_every_combination, wfx_setup),
        cmocka_unit_test_setup(test_4m_page_pa, wfx_setup),
        cmocka_unit_test_setup(test_4m_reserved_bits, wfx_setup),
        cmocka_unit_test_setup(test_tables_outside_ram, wfx_setup),
        cmocka_unit_test_setup(test_paging_off, wfx_setup),
    };
    return cmocka_run_group_tests(tests, wfx_group_setup, wfx_group_teardown);
}
