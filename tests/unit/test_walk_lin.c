/*
 * test_walk_lin.c: the monitor's linear accesses with paging on
 * (gmem_read_lin / gmem_write_lin over walk_guest_range, shadowmm/gmem.c and
 * shadowmm/walk.c): page splitting, all-or-nothing faults with CR2 in the
 * faulting page, A/D only after success, translations taken before the
 * first byte is stored, 4 GiB wrap-around, long accesses, and paging off.
 */
#include "walk_fixture.h"

#define PAGE1 0x00401000u  /* linear pages under PDE index 1 */
#define PAGE2 0x00402000u
#define FRAME_A 0x00300000u /* deliberately not adjacent */
#define FRAME_B 0x00207000u

static void fill(struct vcpu *v, uint32_t pa, uint8_t byte, uint32_t len)
{
    memset(gmem_phys_ptr(&v->vm->mem, pa, len), byte, len);
}

/* Are guest bytes [pa, pa+len) all `byte`? */
static bool all_bytes(struct vcpu *v, uint32_t pa, uint8_t byte, uint32_t len)
{
    const uint8_t *p = gmem_phys_ptr(&v->vm->mem, pa, len);
    for (uint32_t i = 0; i < len; i++)
        if (p[i] != byte)
            return false;
    return true;
}

static void pattern(uint8_t *buf, uint32_t len, uint8_t seed)
{
    for (uint32_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(seed + i * 7);
}

/* One way for the second page of a 16-byte access at PAGE1 + 0xff8 to fault. */
struct second_fault {
    const char *what;
    uint32_t pte2;     /* PTE flags of PAGE2 */
    bool user;         /* CPL 3 access */
    bool wp;           /* CR0.WP */
    uint32_t err_write; /* error code of the write's #PF */
    bool read_faults;   /* does a read of the same bytes fault too? */
    uint32_t err_read;  /* then with this error code */
};

static const struct second_fault second_faults[] = {
    { "not present", 0, false, true, PFEC_W, true, 0 },
    { "not present, user", 0, true, true, PFEC_W | PFEC_U, true, PFEC_U },
    { "read-only, supervisor, WP=1", PTE_P | PTE_US, false, true, PFEC_P | PFEC_W, false, 0 },
    { "supervisor page, user", PTE_P | PTE_RW, true, false, PFEC_P | PFEC_W | PFEC_U, true,
      PFEC_P | PFEC_U },
    { "read-only user page, user, WP=0", PTE_P | PTE_US, true, false, PFEC_P | PFEC_W | PFEC_U, false, 0 },
};

static void map_two_pages(struct vcpu *v, const struct second_fault *f)
{
    wfx_map(v, PAGE1, FRAME_A, PTE_P | PTE_RW | PTE_US);
    wfx_map(v, PAGE2, FRAME_B, f->pte2);
    v->cr0 = (v->cr0 & ~CR0_WP) | (f->wp ? CR0_WP : 0);
    fill(v, FRAME_A, 0xcc, 0x1000);
    fill(v, FRAME_B, 0xdd, 0x1000);
}

/* A write whose second page faults stores nothing, sets no A/D bit in
 * either PTE, and reports CR2 = the first byte in the second page.  The
 * PDE both PTEs were read through gets A (SDM Vol. 3A §4.8: it was used
 * for the translation). */
static void test_write_second_page_faults(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    for (size_t i = 0; i < sizeof second_faults / sizeof second_faults[0]; i++) {
        const struct second_fault *f = &second_faults[i];
        wfx_reset(v);
        map_two_pages(v, f);
        uint8_t src[16];
        pattern(src, sizeof src, 1);
        struct event ev = { 0 };
        print_message("%s\n", f->what);
        assert_false(gmem_write_lin(v, PAGE1 + 0xff8, src, sizeof src, f->user, &ev));
        wfx_assert_pf(&ev, PAGE2, f->err_write);
        assert_true(all_bytes(v, FRAME_A, 0xcc, 0x1000));
        assert_true(all_bytes(v, FRAME_B, 0xdd, 0x1000));
        assert_int_equal(wfx_rd32(v, wfx_pte_pa(WFX_PT, PAGE1)), FRAME_A | PTE_P | PTE_RW | PTE_US);
        assert_int_equal(wfx_rd32(v, wfx_pte_pa(WFX_PT, PAGE2)), FRAME_B | f->pte2);
        assert_int_equal(wfx_rd32(v, wfx_pde_pa(PAGE1)), WFX_PT | PTE_P | PTE_RW | PTE_US | PTE_A);
    }
}

/* The same accesses as reads: they fault only where the page cannot be
 * read, and then leave the destination untouched. */
static void test_read_second_page(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    for (size_t i = 0; i < sizeof second_faults / sizeof second_faults[0]; i++) {
        const struct second_fault *f = &second_faults[i];
        wfx_reset(v);
        map_two_pages(v, f);
        uint8_t dst[16];
        memset(dst, 0x5a, sizeof dst);
        struct event ev = { 0 };
        print_message("%s\n", f->what);
        assert_int_equal(gmem_read_lin(v, PAGE1 + 0xff8, dst, sizeof dst, f->user, &ev), !f->read_faults);
        uint32_t pte1 = wfx_rd32(v, wfx_pte_pa(WFX_PT, PAGE1));
        if (f->read_faults) {
            wfx_assert_pf(&ev, PAGE2, f->err_read);
            for (size_t k = 0; k < sizeof dst; k++)
                assert_int_equal(dst[k], 0x5a);
            assert_false(pte1 & PTE_A);
        } else {
            for (size_t k = 0; k < 8; k++)
                assert_int_equal(dst[k], 0xcc);
            for (size_t k = 8; k < 16; k++)
                assert_int_equal(dst[k], 0xdd);
            assert_int_equal(pte1, FRAME_A | PTE_P | PTE_RW | PTE_US | PTE_A);
            assert_int_equal(wfx_rd32(v, wfx_pte_pa(WFX_PT, PAGE2)), FRAME_B | f->pte2 | PTE_A);
        }
    }
}

/* A second page under a PDE that is not present (a 4 MiB boundary). */
static void test_write_second_pde_missing(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    wfx_map(v, 0x003ff000u, FRAME_A, PTE_P | PTE_RW | PTE_US);
    fill(v, FRAME_A, 0xcc, 0x1000);
    uint8_t src[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    struct event ev = { 0 };
    assert_false(gmem_write_lin(v, 0x003ffffcu, src, sizeof src, true, &ev));
    wfx_assert_pf(&ev, 0x00400000u, PFEC_W | PFEC_U);
    assert_true(all_bytes(v, FRAME_A, 0xcc, 0x1000));
}

/* Success: the bytes are split at the page boundary onto the two frames,
 * and both PTEs get A and D. */
static void test_write_cross_page(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    wfx_map(v, PAGE1, FRAME_A, PTE_P | PTE_RW);
    wfx_map(v, PAGE2, FRAME_B, PTE_P | PTE_RW);
    uint8_t src[16], back[16];
    pattern(src, sizeof src, 9);
    struct event ev = { 0 };
    assert_true(gmem_write_lin(v, PAGE1 + 0xffa, src, sizeof src, false, &ev));
    assert_int_equal(ev.kind, EV_NONE);
    assert_memory_equal(gmem_phys_ptr(&v->vm->mem, FRAME_A + 0xffa, 6), src, 6);
    assert_memory_equal(gmem_phys_ptr(&v->vm->mem, FRAME_B, 10), src + 6, 10);
    assert_int_equal(wfx_rd32(v, wfx_pte_pa(WFX_PT, PAGE1)), FRAME_A | PTE_P | PTE_RW | PTE_A | PTE_D);
    assert_int_equal(wfx_rd32(v, wfx_pte_pa(WFX_PT, PAGE2)), FRAME_B | PTE_P | PTE_RW | PTE_A | PTE_D);
    assert_int_equal(wfx_rd32(v, wfx_pde_pa(PAGE1)), WFX_PT | PTE_P | PTE_RW | PTE_US | PTE_A);
    assert_true(gmem_read_lin(v, PAGE1 + 0xffa, back, sizeof back, false, &ev));
    assert_memory_equal(back, src, sizeof src);
}

/* A read sets A, never D. */
static void test_read_sets_only_accessed(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    wfx_map(v, PAGE1, FRAME_A, PTE_P | PTE_US);
    uint32_t x;
    struct event ev = { 0 };
    assert_true(gmem_read_lin(v, PAGE1 + 0x10, &x, sizeof x, true, &ev));
    assert_int_equal(wfx_rd32(v, wfx_pte_pa(WFX_PT, PAGE1)), FRAME_A | PTE_P | PTE_US | PTE_A);
    /* ...and a user write to the read-only page faults on the first page. */
    assert_false(gmem_write_lin(v, PAGE1 + 0x10, &x, sizeof x, true, &ev));
    wfx_assert_pf(&ev, PAGE1 + 0x10, PFEC_P | PFEC_W | PFEC_U);
}

/* Both pages are translated before the first byte is stored, as the
 * processor does: a write whose first part rewrites the PTE of its own
 * second page still lands on the page that PTE mapped before. */
static void test_translate_before_store(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    const uint32_t la_pt = 0x007fe000u; /* PTE index 0x3fe: the page table itself */
    const uint32_t la_next = 0x007ff000u; /* PTE index 0x3ff, stored at WFX_PT + 0xffc */
    wfx_map(v, la_pt, WFX_PT, PTE_P | PTE_RW);
    wfx_map(v, la_next, FRAME_A, PTE_P | PTE_RW);
    uint32_t src[2] = { FRAME_B | PTE_P | PTE_RW, 0x11223344u };
    struct event ev = { 0 };
    assert_true(gmem_write_lin(v, la_pt + 0xffc, src, sizeof src, false, &ev));
    assert_int_equal(wfx_rd32(v, WFX_PT + 0xffc), FRAME_B | PTE_P | PTE_RW);
    assert_int_equal(wfx_rd32(v, FRAME_A), 0x11223344u);
    assert_int_equal(wfx_rd32(v, FRAME_B), 0);
}

/* Linear addresses wrap at 4 GiB with paging on too: the page after
 * 0xfffff000 is linear page 0. */
static void test_wrap_4g(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    wfx_map_pt(v, WFX_PT + 0x1000, 0xfffff000u, FRAME_A, PTE_P | PTE_RW);
    wfx_map(v, 0, FRAME_B, PTE_P | PTE_RW);
    uint8_t src[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8];
    struct event ev = { 0 };
    assert_true(gmem_write_lin(v, 0xfffffffcu, src, sizeof src, false, &ev));
    assert_memory_equal(gmem_phys_ptr(&v->vm->mem, FRAME_A + 0xffc, 4), src, 4);
    assert_memory_equal(gmem_phys_ptr(&v->vm->mem, FRAME_B, 4), src + 4, 4);
    assert_true(gmem_read_lin(v, 0xfffffffcu, back, sizeof back, false, &ev));
    assert_memory_equal(back, src, sizeof src);
    /* Page 0 not present: CR2 = 0. */
    wfx_wr32(v, wfx_pte_pa(WFX_PT, 0), 0);
    assert_false(gmem_write_lin(v, 0xfffffffeu, src, 4, false, &ev));
    wfx_assert_pf(&ev, 0, PFEC_W);
}

/* Map `pages` consecutive linear pages from `la` to scattered frames. */
static uint32_t scattered_frame(unsigned i) { return 0x00600000u + i * 0x3000u; }

static void map_scattered(struct vcpu *v, uint32_t la, unsigned pages)
{
    for (unsigned i = 0; i < pages; i++)
        wfx_map(v, la + i * 0x1000u, scattered_frame(i), PTE_P | PTE_RW);
}

/* A long access spread over non-contiguous frames. */
static void test_long_access(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    enum { LEN = 12000, START = 0x800 }; /* 0x800 + 12000 ends in the fourth page */
    static uint8_t src[LEN], back[LEN];
    map_scattered(v, PAGE1, 4);
    pattern(src, LEN, 3);
    struct event ev = { 0 };
    assert_true(gmem_write_lin(v, PAGE1 + START, src, LEN, false, &ev));
    uint32_t off = 0;
    for (unsigned i = 0; i < 4; i++) {
        uint32_t in_page = i == 0 ? 0x1000 - START : (LEN - off < 0x1000 ? LEN - off : 0x1000);
        uint32_t at = scattered_frame(i) + (i == 0 ? START : 0);
        assert_memory_equal(gmem_phys_ptr(&v->vm->mem, at, in_page), src + off, in_page);
        assert_true(wfx_rd32(v, wfx_pte_pa(WFX_PT, PAGE1 + i * 0x1000u)) & PTE_D);
        off += in_page;
    }
    assert_int_equal(off, LEN);
    assert_true(gmem_read_lin(v, PAGE1 + START, back, LEN, false, &ev));
    assert_memory_equal(back, src, LEN);
}

/* Up to WALK_RANGE_MAX_BYTES an access is all-or-nothing even over three
 * pages; a longer one is done in pieces of that size, each all-or-nothing
 * (the monitor's own accesses are at most a few hundred bytes). */
static void test_long_access_faults(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    static uint8_t src[13000];
    map_scattered(v, PAGE1, 4);
    wfx_wr32(v, wfx_pte_pa(WFX_PT, PAGE1 + 0x2000u), 0);
    for (unsigned i = 0; i < 4; i++)
        fill(v, scattered_frame(i), 0xee, 0x1000);
    pattern(src, sizeof src, 5);
    struct event ev = { 0 };
    /* 6000 bytes from PAGE1 + 0xf00: 0x100 + 0x1000 + the rest in page 3. */
    assert_false(gmem_write_lin(v, PAGE1 + 0xf00, src, 6000, false, &ev));
    wfx_assert_pf(&ev, PAGE1 + 0x2000u, PFEC_W);
    assert_true(all_bytes(v, scattered_frame(0), 0xee, 0x1000));
    assert_true(all_bytes(v, scattered_frame(1), 0xee, 0x1000));
    assert_false(wfx_rd32(v, wfx_pte_pa(WFX_PT, PAGE1)) & PTE_A);
    /* 13000 bytes from PAGE1 with page 3 restored and page 4 missing: the
     * first 8 KiB piece (pages 1-2) is stored, the second (pages 3-4) faults. */
    wfx_wr32(v, wfx_pte_pa(WFX_PT, PAGE1 + 0x2000u), scattered_frame(2) | PTE_P | PTE_RW);
    wfx_wr32(v, wfx_pte_pa(WFX_PT, PAGE1 + 0x3000u), 0);
    assert_false(gmem_write_lin(v, PAGE1, src, sizeof src, false, &ev));
    wfx_assert_pf(&ev, PAGE1 + 0x3000u, PFEC_W);
    assert_memory_equal(gmem_phys_ptr(&v->vm->mem, scattered_frame(0), 0x1000), src, 0x1000);
    assert_memory_equal(gmem_phys_ptr(&v->vm->mem, scattered_frame(1), 0x1000), src + 0x1000, 0x1000);
    assert_true(all_bytes(v, scattered_frame(2), 0xee, 0x1000));
}

/* A zero-length access touches nothing and cannot fault. */
static void test_zero_length(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    struct event ev = { 0 };
    uint8_t b = 0;
    assert_true(gmem_write_lin(v, 0x12345678u, &b, 0, true, &ev));
    assert_true(gmem_read_lin(v, 0x12345678u, &b, 0, true, &ev));
    assert_int_equal(ev.kind, EV_NONE);
}

/* Paging off: linear = physical, wrapping at 4 GiB; the page tables that
 * CR3 points at are not consulted. */
static void test_paging_off(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    v->cr0 &= ~CR0_PG;
    uint8_t src[4] = { 0xa1, 0xa2, 0xa3, 0xa4 }, back[4];
    struct event ev = { 0 };
    assert_true(gmem_write_lin(v, 0x00345678u, src, 4, true, &ev));
    assert_memory_equal(gmem_phys_ptr(&v->vm->mem, 0x00345678u, 4), src, 4);
    /* An access that wraps at 4 GiB: the two bytes below 4 GiB have nothing
     * behind them, so the VM stops with a message naming the address and the
     * access has no effect at all (nothing is written at 0 either). */
    uint32_t before = wfx_rd32(v, 0);
    assert_false(gmem_write_lin(v, 0xfffffffeu, src, 4, false, &ev));
    assert_int_equal(ev.kind, EV_NONE);
    assert_int_equal(wfx_rd32(v, 0), before);
    assert_int_equal(v->vm->exit_reason, VMEXIT_UNSUPPORTED);
    assert_non_null(strstr(v->vm->exit_message, "wrote to nonexistent memory at 0xfffffffe"));
    v->vm->exit_reason = VMEXIT_NONE;
    assert_false(gmem_read_lin(v, 0xfffffffeu, back, 4, false, &ev));
    assert_non_null(strstr(v->vm->exit_message, "read from nonexistent memory at 0xfffffffe"));
    v->vm->exit_reason = VMEXIT_NONE;
    /* Without --strict-memory it is a PC bus: the bytes with nothing behind
     * them read as 0xff and their writes are lost, the rest wraps to 0. */
    v->vm->cfg.strict_memory = false;
    assert_true(gmem_write_lin(v, 0xfffffffeu, src, 4, false, &ev));
    assert_int_equal(wfx_rd32(v, 0) & 0xffff, 0xa4a3);
    assert_true(gmem_read_lin(v, 0xfffffffeu, back, 4, false, &ev));
    assert_int_equal(back[0], 0xff);
    assert_int_equal(back[1], 0xff);
    assert_int_equal(back[2], 0xa3);
    assert_int_equal(back[3], 0xa4);
    assert_int_equal(v->vm->exit_reason, VMEXIT_NONE);
    assert_true(v->vm->warned_nonexistent);
    v->vm->cfg.strict_memory = true;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_write_second_page_faults, wfx_setup),
        cmocka_unit_test_setup(test_read_second_page, wfx_setup),
        cmocka_unit_test_setup(test_write_second_pde_missing, wfx_setup),
        cmocka_unit_test_setup(test_write_cross_page, wfx_setup),
        cmocka_unit_test_setup(test_read_sets_only_accessed, wfx_setup),
        cmocka_unit_test_setup(test_translate_before_store, wfx_setup),
        cmocka_unit_test_setup(test_wrap_4g, wfx_setup),
        cmocka_unit_test_setup(test_long_access, wfx_setup),
        cmocka_unit_test_setup(test_long_access_faults, wfx_setup),
        cmocka_unit_test_setup(test_zero_length, wfx_setup),
        cmocka_unit_test_setup(test_paging_off, wfx_setup),
    };
    return cmocka_run_group_tests(tests, wfx_group_setup, wfx_group_teardown);
}
