/*
 * test_softmmu.c: the soft MMU's fills and flushes (shadowmm/softmmu.c)
 * against what SDM Vol. 3A says a TLB does: §4.8 (A and D set exactly when
 * the access needs them), §4.6/§4.7 (rights and #PF error codes per TLB),
 * §4.10.4 (which events flush which entries: CR3 keeps global pages,
 * invlpg drops a whole 4 MiB page), and the engine's own rules: no write
 * tag on a page holding translated code, page-crossing accesses checked on
 * both pages before anything moves, devices left to the monitor.
 *
 * The VM is a real one (vm_create with --no-direct-exec), so the tests see
 * the TLB arrays translated code probes.
 */
#include "walk_fixture.h"

#include "bt/bt.h"
#include "shadowmm/shadow.h"
#include "shadowmm/softmmu.h"
#include "tcache/tcache.h"

static int sm_group_setup(void **state)
{
    char err[256];
    struct vm_config cfg = { .kernel = "none", .append = "", .ram_size = WFX_RAM, .mmu = MMU_SOFT,
                             .com1 = { .kind = SERIAL_NULL } };
    struct vm *vm = vm_create(&cfg, err, sizeof err);
    if (!vm) {
        print_error("%s\n", err);
        return -1;
    }
    *state = vm;
    return 0;
}

static int sm_group_teardown(void **state)
{
    vm_destroy(*state);
    return 0;
}

static int sm_setup(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    wfx_reset(v);
    softmmu_flush_all(v);
    return 0;
}

static const struct softmmu_tlb *sm_tlb(struct vcpu *v, bool user) { return &v->tlb[user ? 1 : 0]; }
static unsigned sm_slot(uint32_t la) { return (la >> 12) & (SOFTMMU_TLB_ENTRIES - 1); }
static uint32_t sm_tag(uint32_t la) { return 0u - (la >> 12); }

static enum softmmu_outcome sm_translate(struct vcpu *v, uint32_t la, uint32_t size, bool write, bool user,
                                         uint8_t **host, struct event *ev)
{
    uint64_t addend = 0;
    uint32_t pa = 0;
    enum softmmu_outcome o = softmmu_translate(v, la, size, write, user, &addend, &pa, ev);
    if (host)
        *host = (uint8_t *)(uintptr_t)(addend + la);
    return o;
}

/* §4.8: a read sets A only; the first write sets D.  The write tag comes
 * only with D, so a page's first write always reaches the monitor. */
static void test_read_then_write_sets_a_then_d(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    uint32_t la = 0x00403000, pa = 0x00200000;
    wfx_map(v, la, pa, PTE_P | PTE_RW);
    uint8_t *host;
    struct event ev;
    assert_int_equal(sm_translate(v, la + 8, 4, false, false, &host, &ev), SOFTMMU_OK);
    assert_ptr_equal(host, v->vm->mem.ram + pa + 8);
    uint32_t pte = wfx_rd32(v, wfx_pte_pa(WFX_PT, la));
    assert_true(pte & PTE_A);
    assert_false(pte & PTE_D);
    assert_int_equal(sm_tlb(v, false)->tag_read[sm_slot(la)], sm_tag(la));
    assert_int_equal(sm_tlb(v, false)->tag_write[sm_slot(la)], SOFTMMU_TAG_EMPTY);
    assert_int_equal(sm_translate(v, la + 8, 4, true, false, &host, &ev), SOFTMMU_OK);
    assert_true(wfx_rd32(v, wfx_pte_pa(WFX_PT, la)) & PTE_D);
    assert_int_equal(sm_tlb(v, false)->tag_write[sm_slot(la)], sm_tag(la));
    assert_int_equal((uint64_t)(uintptr_t)host, sm_tlb(v, false)->addend[sm_slot(la)] + la + 8);
}

/* A read of a page whose D bit is already set may take the write tag too. */
static void test_read_of_dirty_page_allows_writes(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    uint32_t la = 0x00405000;
    wfx_map(v, la, 0x00201000, PTE_P | PTE_RW | PTE_D);
    struct event ev;
    assert_int_equal(sm_translate(v, la, 1, false, false, NULL, &ev), SOFTMMU_OK);
    assert_int_equal(sm_tlb(v, false)->tag_write[sm_slot(la)], sm_tag(la));
}

/* §4.6, §4.7: CR0.WP = 1 makes a read-only page fault on a supervisor
 * write (error P|W); a user read of a supervisor page faults (P|U) and
 * leaves the user TLB empty, while the supervisor TLB may hold the page. */
static void test_rights_and_error_codes(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    uint32_t ro = 0x00407000, sup = 0x00408000;
    wfx_map(v, ro, 0x00202000, PTE_P | PTE_D);
    wfx_map(v, sup, 0x00203000, PTE_P | PTE_RW);
    struct event ev;
    assert_int_equal(sm_translate(v, ro + 4, 4, true, false, NULL, &ev), SOFTMMU_PAGE_FAULT);
    wfx_assert_pf(&ev, ro + 4, PFEC_P | PFEC_W);
    assert_int_equal(sm_tlb(v, false)->tag_write[sm_slot(ro)], SOFTMMU_TAG_EMPTY);
    assert_int_equal(sm_translate(v, sup, 4, false, true, NULL, &ev), SOFTMMU_PAGE_FAULT);
    wfx_assert_pf(&ev, sup, PFEC_P | PFEC_U);
    assert_int_equal(sm_tlb(v, true)->tag_read[sm_slot(sup)], SOFTMMU_TAG_EMPTY);
    assert_int_equal(sm_translate(v, sup, 4, false, false, NULL, &ev), SOFTMMU_OK);
    assert_int_equal(sm_tlb(v, false)->tag_read[sm_slot(sup)], sm_tag(sup));
    /* CR0.WP = 0: the supervisor may write the read-only page. */
    v->cr0 &= ~CR0_WP;
    assert_int_equal(sm_translate(v, ro, 4, true, false, NULL, &ev), SOFTMMU_OK);
    /* A not-present page: error code without P, CR2 the address. */
    assert_int_equal(sm_translate(v, 0x00409abc, 1, false, true, NULL, &ev), SOFTMMU_PAGE_FAULT);
    wfx_assert_pf(&ev, 0x00409abc, PFEC_U);
}

/* §4.10.4.1: a CR3 load keeps global entries (G with CR4.PGE) only. */
static void test_cr3_flush_keeps_global_pages(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    v->cr4 |= CR4_PGE;
    uint32_t g = 0x0040a000, ng = 0x0040b000;
    wfx_map(v, g, 0x00204000, PTE_P | PTE_RW | PTE_G);
    wfx_map(v, ng, 0x00205000, PTE_P | PTE_RW);
    struct event ev;
    assert_int_equal(sm_translate(v, g, 4, false, false, NULL, &ev), SOFTMMU_OK);
    assert_int_equal(sm_translate(v, ng, 4, false, false, NULL, &ev), SOFTMMU_OK);
    softmmu_flush_nonglobal(v);
    assert_int_equal(sm_tlb(v, false)->tag_read[sm_slot(g)], sm_tag(g));
    assert_int_equal(sm_tlb(v, false)->tag_read[sm_slot(ng)], SOFTMMU_TAG_EMPTY);
    softmmu_flush_all(v);
    assert_int_equal(sm_tlb(v, false)->tag_read[sm_slot(g)], SOFTMMU_TAG_EMPTY);
}

/* §4.10.4.1: invlpg of any address in a 4 MiB page drops the whole
 * translation: every 4 KiB entry filled from it, and nothing else. */
static void test_invlpg_drops_whole_large_page(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    v->cr4 |= CR4_PSE;
    uint32_t big = 0x00800000, small = 0x0040c000;
    wfx_wr32(v, wfx_pde_pa(big), 0x00400000 | PTE_P | PTE_RW | PTE_PS);
    wfx_map(v, small, 0x00206000, PTE_P | PTE_RW);
    struct event ev;
    assert_int_equal(sm_translate(v, big + 0x1000, 4, false, false, NULL, &ev), SOFTMMU_OK);
    assert_int_equal(sm_translate(v, big + 0x5000, 4, false, false, NULL, &ev), SOFTMMU_OK);
    assert_int_equal(sm_translate(v, small, 4, false, false, NULL, &ev), SOFTMMU_OK);
    softmmu_flush_page(v, big + 0x3ff000);
    assert_int_equal(sm_tlb(v, false)->tag_read[sm_slot(big + 0x1000)], SOFTMMU_TAG_EMPTY);
    assert_int_equal(sm_tlb(v, false)->tag_read[sm_slot(big + 0x5000)], SOFTMMU_TAG_EMPTY);
    assert_int_equal(sm_tlb(v, false)->tag_read[sm_slot(small)], sm_tag(small));
    softmmu_flush_page(v, small + 0x123);
    assert_int_equal(sm_tlb(v, false)->tag_read[sm_slot(small)], SOFTMMU_TAG_EMPTY);
}

/* An access crossing into a page that is not adjacent in RAM reaches both
 * frames through one host address; one crossing into a not-present page
 * faults with CR2 at the second page (SDM Vol. 3A §4.7) and moves nothing. */
static void test_crossing_access(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    uint32_t la = 0x0040e000;
    wfx_map(v, la, 0x00208000, PTE_P | PTE_RW | PTE_D);
    wfx_map(v, la + 0x1000, 0x00300000, PTE_P | PTE_RW | PTE_D);
    uint8_t *host;
    struct event ev;
    assert_int_equal(sm_translate(v, la + 0xffe, 4, true, false, &host, &ev), SOFTMMU_OK);
    memcpy(host, "\x11\x22\x33\x44", 4);
    assert_int_equal(wfx_rd32(v, 0x00208ffc) >> 16, 0x2211);
    assert_int_equal(wfx_rd32(v, 0x00300000) & 0xffff, 0x4433);
    assert_int_equal(sm_translate(v, la + 0x1ffe, 4, true, false, &host, &ev), SOFTMMU_PAGE_FAULT);
    wfx_assert_pf(&ev, la + 0x2000, PFEC_W);
}

/* Paging off: linear = physical; RAM pages are writable from the start
 * (there is no D bit to set). Beyond RAM: the monitor's devices. */
static void test_paging_off_and_devices(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    v->cr0 &= ~CR0_PG;
    uint8_t *host;
    struct event ev;
    assert_int_equal(sm_translate(v, 0x5000, 4, false, false, &host, &ev), SOFTMMU_OK);
    assert_ptr_equal(host, v->vm->mem.ram + 0x5000);
    assert_int_equal(sm_tlb(v, false)->tag_write[sm_slot(0x5000)], sm_tag(0x5000));
    uint64_t addend;
    uint32_t pa = 0;
    assert_int_equal(softmmu_translate(v, 0xfee00020, 4, false, false, &addend, &pa, &ev), SOFTMMU_NOT_RAM);
    assert_int_equal(pa, 0xfee00020);
}

/* A page that holds translated code never keeps a write tag: the write
 * goes to the monitor, which drops the translations first. */
static void test_code_page_loses_write_tag(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    v->cr0 &= ~CR0_PG;
    uint32_t code = 0x7000;
    struct event ev;
    assert_int_equal(sm_translate(v, code + 0x100, 4, true, false, NULL, &ev), SOFTMMU_OK);
    assert_int_equal(sm_tlb(v, false)->tag_write[sm_slot(code)], sm_tag(code));
    memcpy(v->vm->mem.ram + code, "\x90\x90\xf4", 3); /* nop; nop; hlt */
    v->eip = code;
    struct tb_key k;
    assert_true(tc_current_key(v, &k, &ev));
    assert_non_null(bt_translate(v, &k, false));
    assert_true(tc_page_has_code(v->vm->tc, code >> 12));
    assert_int_equal(sm_tlb(v, false)->tag_write[sm_slot(code)], SOFTMMU_TAG_EMPTY);
    assert_int_equal(sm_tlb(v, false)->tag_read[sm_slot(code)], sm_tag(code));
    uint64_t addend;
    uint32_t pa = 0;
    assert_int_equal(softmmu_translate(v, code + 0x100, 4, true, false, &addend, &pa, &ev), SOFTMMU_CODE_WRITE);
    assert_int_equal(pa, code + 0x100);
    tc_invalidate_page(v->vm->tc, code >> 12);
    assert_int_equal(softmmu_translate(v, code + 0x100, 4, true, false, &addend, &pa, &ev), SOFTMMU_OK);
}

/* The monitor's own accesses (descriptor loads, emulated pushes, fetches)
 * go through the same TLB: a miss walks, sets A/D like the CPU and fills;
 * the next access hits and so keeps using the cached translation until the
 * guest invalidates it, as a hardware TLB would (§4.10.4.3). */
static void test_monitor_accesses_use_the_tlb(void **state)
{
    struct vcpu *v = wfx_cpu(state);
    uint32_t la = 0x00407000, pa = 0x00202000, pa2 = 0x00203000, x = 0x11223344, got = 0;
    wfx_map(v, la, pa, PTE_P | PTE_RW);
    struct event ev;
    assert_true(gmem_write_lin(v, la + 4, &x, 4, false, &ev));
    uint32_t pte = wfx_rd32(v, wfx_pte_pa(WFX_PT, la));
    assert_true((pte & (PTE_A | PTE_D)) == (PTE_A | PTE_D));
    assert_int_equal(sm_tlb(v, false)->tag_write[sm_slot(la)], sm_tag(la));
    uint32_t hit = 0;
    assert_true(softmmu_lookup_pa(v, la + 4, true, false, &hit));
    assert_int_equal(hit, pa + 4);
    assert_false(softmmu_lookup_pa(v, la + 4, false, true, &hit)); /* the user TLB is another */
    /* Remap without invlpg: the cached translation still answers. */
    wfx_map(v, la, pa2, PTE_P | PTE_RW);
    assert_true(gmem_read_lin(v, la + 4, &got, 4, false, &ev));
    assert_int_equal(got, x);
    uint32_t fetched = 0;
    assert_true(shadow_fetch_pa(v, la + 0x10, false, &fetched, &ev));
    assert_int_equal(fetched, pa + 0x10);
    softmmu_flush_page(v, la);
    assert_true(gmem_read_lin(v, la + 4, &got, 4, false, &ev));
    assert_int_equal(got, wfx_rd32(v, pa2 + 4));
    assert_true(shadow_fetch_pa(v, la + 0x10, false, &fetched, &ev));
    assert_int_equal(fetched, pa2 + 0x10);
    /* A fault through the monitor path reports the CPU's #PF. */
    wfx_map(v, la + 0x1000, 0x00204000, PTE_P);
    v->cr0 |= CR0_WP;
    assert_false(gmem_write_lin(v, la + 0x1000, &x, 4, false, &ev));
    assert_int_equal(ev.vector, VEC_PF);
    assert_int_equal(ev.error_code & 3, 3); /* P | W */
    assert_int_equal(ev.cr2, la + 0x1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_read_then_write_sets_a_then_d, sm_setup),
        cmocka_unit_test_setup(test_read_of_dirty_page_allows_writes, sm_setup),
        cmocka_unit_test_setup(test_rights_and_error_codes, sm_setup),
        cmocka_unit_test_setup(test_cr3_flush_keeps_global_pages, sm_setup),
        cmocka_unit_test_setup(test_invlpg_drops_whole_large_page, sm_setup),
        cmocka_unit_test_setup(test_crossing_access, sm_setup),
        cmocka_unit_test_setup(test_paging_off_and_devices, sm_setup),
        cmocka_unit_test_setup(test_code_page_loses_write_tag, sm_setup),
        cmocka_unit_test_setup(test_monitor_accesses_use_the_tlb, sm_setup),
    };
    return cmocka_run_group_tests(tests, sm_group_setup, sm_group_teardown);
}
