/*
 * test_shadow.c: the shadow page tables' bookkeeping — fills and true
 * faults, the D-bit protocol, tracing of page-table pages (reverse map by
 * page table), CR3 switches that keep identical directory entries, move
 * mappings onto an equal page table and suspend groups the new directory
 * does not map, invlpg,
 * user-mode rights, devices, and the mapping budget.
 *
 * The shadow's host mappings are real: after a fill the test reads the guest
 * window at W + la and must see the guest-physical page the tables name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "monitor/vm.h"
#include "shadowmm/shadow.h"
#include "shadowmm/walk.h"

#define PD 0x00100000u    /* page directory */
#define PT 0x00101000u    /* page table for linear 0x00400000-0x007fffff */
#define PD2 0x00102000u   /* a second directory sharing PDE 1 */
#define PT_B 0x00103000u  /* a page table used only by PD2 for PDE 2 */
#define PD3 0x00104000u   /* a directory whose PDE 1 names PT_C, a copy of PT */
#define PT_C 0x00105000u
#define PD4 0x00106000u   /* a directory without PDE 1 (a kernel-only directory) */
#define DATA 0x00200000u  /* data pages the tables point to */

static struct vm *shadow_vm;

static void put32(uint32_t pa, uint32_t v) { gmem_write_phys(shadow_vm, pa, &v, 4); }
static uint32_t get32(uint32_t pa)
{
    uint32_t v;
    gmem_read_phys(shadow_vm, pa, &v, 4);
    return v;
}

static int setup(void **state)
{
    char err[256];
    struct vm_config cfg = { .ram_size = 32u << 20, .com1 = { .kind = SERIAL_NULL }, .tc_size = 4u << 20,
                             .mmu = MMU_HOST }; /* the host-mapped shadow is what this tests */
    shadow_vm = vm_create(&cfg, err, sizeof err);
    assert_non_null(shadow_vm);
    *state = shadow_vm;
    return 0;
}

static int teardown(void **state)
{
    vm_destroy(*state);
    return 0;
}

/* Fresh tables: PDE 1 -> PT, PTEs 0..15 -> DATA pages (present, writable,
 * supervisor, A/D clear); page i of DATA holds the word 0x1000 + i. */
static void tables_reset(void)
{
    struct vcpu *v = &shadow_vm->cpu;
    for (uint32_t pa = PD; pa < PD4 + 0x1000; pa += 4)
        put32(pa, 0);
    put32(PD + 4 * 1, PT | PTE_P | PTE_RW);
    put32(PD2 + 4 * 1, PT | PTE_P | PTE_RW);
    put32(PD2 + 4 * 2, PT_B | PTE_P | PTE_RW | PTE_US);
    put32(PD3 + 4 * 1, PT_C | PTE_P | PTE_RW);
    for (uint32_t i = 0; i < 16; i++) {
        put32(PT + 4 * i, (DATA + 0x1000 * i) | PTE_P | PTE_RW);
        put32(PT_C + 4 * i, (DATA + 0x1000 * i) | PTE_P | PTE_RW);
        put32(DATA + 0x1000 * i, 0x1000 + i);
    }
    /* Linear 0x00800000 (PDE 2 of PD2): a user page. */
    put32(PT_B, (DATA + 0x10000) | PTE_P | PTE_RW | PTE_US);
    shadow_flush(shadow_vm);
    v->cr0 = CR0_PE | CR0_ET;
    v->cr3 = PD;
    v->cr0 |= CR0_PG;
    mmu_cr0_written(v, CR0_PE | CR0_ET);
    shadow_set_privilege(v, 0, 0);
}

static uint32_t window32(uint32_t la)
{
    return *(volatile uint32_t *)(shadow_vm->mem.window + la);
}

/* Can the host read the window at W + la?  A pipe write copies from the
 * buffer, so an inaccessible page gives EFAULT instead of a signal. */
static bool host_readable(uint32_t la)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    bool ok = write(fds[1], shadow_vm->mem.window + la, 4) == 4;
    close(fds[0]);
    close(fds[1]);
    return ok;
}

static void test_fill_maps_the_named_page(void **state)
{
    (void)state;
    tables_reset();
    struct event ev;
    uint32_t pa;
    uint32_t live = shadow_live_mappings(shadow_vm);
    assert_int_equal(shadow_fault(&shadow_vm->cpu, 0x00403010, false, &ev, &pa), SHADOW_FILLED);
    assert_int_equal(pa, DATA + 0x3010);
    assert_int_equal(shadow_live_mappings(shadow_vm), live + 1);
    assert_int_equal(window32(0x00403000), 0x1003);
    assert_true(get32(PT + 12) & PTE_A);   /* the fill is the guest's access: A set */
    assert_false(get32(PT + 12) & PTE_D);  /* a read: D still clear */
}

static void test_true_fault_has_exact_error_code(void **state)
{
    (void)state;
    tables_reset();
    struct event ev;
    uint32_t pa;
    assert_int_equal(shadow_fault(&shadow_vm->cpu, 0x00420000, true, &ev, &pa), SHADOW_GUEST_FAULT);
    assert_int_equal(ev.vector, VEC_PF);
    assert_int_equal(ev.error_code, PFEC_W); /* not present, write, supervisor */
    assert_int_equal(ev.cr2, 0x00420000);
}

static void test_first_write_sets_dirty(void **state)
{
    (void)state;
    tables_reset();
    struct event ev;
    uint32_t pa;
    assert_int_equal(shadow_fault(&shadow_vm->cpu, 0x00401000, false, &ev, &pa), SHADOW_FILLED);
    /* The host refused the write (mapped read-only while D is clear). */
    assert_int_equal(shadow_fault(&shadow_vm->cpu, 0x00401000, true, &ev, &pa), SHADOW_FILLED);
    assert_true(get32(PT + 4) & PTE_D);
    assert_int_equal(shadow_vm->stats.sh_dirty_faults > 0, 1);
}

static void test_page_table_writes_are_traced(void **state)
{
    (void)state;
    tables_reset();
    struct event ev;
    uint32_t pa;
    /* Map PT itself at linear 0x0040f000 (PTE 15), then the data at 0x00402000. */
    put32(PT + 4 * 15, PT | PTE_P | PTE_RW | PTE_D | PTE_A);
    assert_int_equal(shadow_fault(&shadow_vm->cpu, 0x00402000, false, &ev, &pa), SHADOW_FILLED);
    assert_int_equal(shadow_fault(&shadow_vm->cpu, 0x0040f000, false, &ev, &pa), SHADOW_FILLED);
    /* A write through the mapping of the page table is a traced write. */
    assert_int_equal(shadow_fault(&shadow_vm->cpu, 0x0040f008, true, &ev, &pa), SHADOW_TRACED_WRITE);
    assert_int_equal(pa, PT + 8);
    /* The emulated write changes PTE 2: exactly that mapping goes. */
    uint32_t live = shadow_live_mappings(shadow_vm);
    put32(PT + 8, (DATA + 0x5000) | PTE_P | PTE_RW);
    assert_int_equal(shadow_live_mappings(shadow_vm), live - 1);
    assert_int_equal(shadow_fault(&shadow_vm->cpu, 0x00402000, false, &ev, &pa), SHADOW_FILLED);
    assert_int_equal(window32(0x00402000), 0x1005); /* the new page */
}

/* A CR3 load as the guest does it: the register, then the MMU told. */
static void load_cr3(struct vcpu *v, uint32_t to)
{
    uint32_t from = v->cr3;
    v->cr3 = to;
    mmu_cr3_written(v, from);
}

/* Fresh tables with one page (0x00404000) in the shadow; the mappings live. */
static uint32_t reset_with_page_404(struct vcpu *v)
{
    struct event ev;
    uint32_t pa;
    tables_reset();
    assert_int_equal(shadow_fault(v, 0x00404000, false, &ev, &pa), SHADOW_FILLED);
    return shadow_live_mappings(shadow_vm);
}

static void test_cr3_switch_keeps_identical_pdes(void **state)
{
    (void)state;
    struct vcpu *v = &shadow_vm->cpu;
    uint32_t live = reset_with_page_404(v);
    load_cr3(v, PD2);
    assert_int_equal(shadow_live_mappings(shadow_vm), live); /* PDE 1 is the same */
    assert_int_equal(window32(0x00404000), 0x1004);
    /* A directory whose PDE 1 differs drops the group. */
    put32(PD + 4 * 1, PT_B | PTE_P | PTE_RW);
    load_cr3(v, PD);
    assert_int_equal(shadow_live_mappings(shadow_vm), live - 1);
}

/* xv6 gives every process its own copy of the kernel's page tables: a CR3
 * load onto a directory whose entry names an equal table keeps the
 * mappings, which are then traced through the new table. */
static void test_cr3_switch_moves_onto_equal_table(void **state)
{
    (void)state;
    tables_reset();
    struct vcpu *v = &shadow_vm->cpu;
    struct event ev;
    uint32_t pa;
    put32(PT_C + 4 * 5, (DATA + 0x7000) | PTE_P | PTE_RW); /* one entry differs */
    for (uint32_t i = 3; i <= 6; i++)
        assert_int_equal(shadow_fault(v, 0x00400000 + 0x1000 * i, false, &ev, &pa), SHADOW_FILLED);
    uint32_t live = shadow_live_mappings(shadow_vm);
    uint64_t moved = shadow_vm->stats.sh_groups_rehomed;
    load_cr3(v, PD3);
    assert_int_equal(shadow_vm->stats.sh_groups_rehomed, moved + 1);
    assert_int_equal(shadow_live_mappings(shadow_vm), live - 1); /* only page 5 went */
    assert_int_equal(window32(0x00404000), 0x1004);
    assert_true(get32(PT_C + 4 * 4) & PTE_A); /* the new table's entry was used */
    assert_int_equal(shadow_fault(v, 0x00405000, false, &ev, &pa), SHADOW_FILLED);
    assert_int_equal(window32(0x00405000), 0x1007); /* the new table's page */
    /* The new table is traced now, the old one no longer drops anything. */
    put32(PT + 4 * 4, 0);
    assert_int_equal(shadow_live_mappings(shadow_vm), live);
    put32(PT_C + 4 * 4, 0);
    assert_int_equal(shadow_live_mappings(shadow_vm), live - 1);
    assert_int_equal(shadow_fault(v, 0x00404000, false, &ev, &pa), SHADOW_GUEST_FAULT);
    load_cr3(v, PD);
}

/* A directory without the group (xv6's scheduler directory between two
 * processes): the mappings stay but the host cannot reach them, faults
 * are the guest's #PF, and the load back to the first directory resumes
 * them without a fill. */
static void test_cr3_switch_suspends_absent_group(void **state)
{
    (void)state;
    struct vcpu *v = &shadow_vm->cpu;
    struct event ev;
    uint32_t pa, live = reset_with_page_404(v);
    uint64_t hidden = shadow_vm->stats.sh_hidden_faults, resumed = shadow_vm->stats.sh_groups_resumed;
    load_cr3(v, PD4);
    assert_int_equal(shadow_live_mappings(shadow_vm), live);
    /* Under PD4 the host cannot reach the group, and a fault on it is the
     * guest's #PF (not present), with the access's own W/R bit. */
    assert_false(host_readable(0x00404000));
    assert_int_equal(shadow_fault(v, 0x00404000, false, &ev, &pa), SHADOW_GUEST_FAULT);
    assert_int_equal(ev.error_code, 0);
    assert_int_equal(ev.cr2, 0x00404000);
    assert_int_equal(shadow_fault(v, 0x00404000, true, &ev, &pa), SHADOW_GUEST_FAULT);
    assert_int_equal(ev.error_code, PFEC_W);
    assert_int_equal(shadow_fault(v, 0x00406000, false, &ev, &pa), SHADOW_GUEST_FAULT);
    load_cr3(v, PD);
    assert_int_equal(shadow_vm->stats.sh_groups_resumed, resumed + 1);
    assert_int_equal(shadow_live_mappings(shadow_vm), live);
    assert_true(host_readable(0x00404000));
    assert_int_equal(window32(0x00404000), 0x1004);
    assert_int_equal(shadow_vm->stats.sh_hidden_faults, hidden);
    /* Suspended again: a changed entry of the first directory, or user
     * mode, drops the group instead. */
    load_cr3(v, PD4);
    put32(PD + 4 * 1, PT_C | PTE_P | PTE_RW);
    load_cr3(v, PD);
    assert_int_equal(shadow_live_mappings(shadow_vm), live - 1);
    assert_int_equal(shadow_fault(v, 0x00404000, false, &ev, &pa), SHADOW_FILLED);
    load_cr3(v, PD4);
    shadow_set_privilege(v, 3, 1ull << 32);
    assert_int_equal(shadow_live_mappings(shadow_vm), live - 1);
    shadow_set_privilege(v, 0, 0);
    load_cr3(v, PD);
}

static void test_invlpg_drops_one_page(void **state)
{
    (void)state;
    tables_reset();
    struct event ev;
    uint32_t pa;
    shadow_fault(&shadow_vm->cpu, 0x00406000, false, &ev, &pa);
    shadow_fault(&shadow_vm->cpu, 0x00407000, false, &ev, &pa);
    uint32_t live = shadow_live_mappings(shadow_vm);
    mmu_invlpg(&shadow_vm->cpu, 0x00406abc);
    assert_int_equal(shadow_live_mappings(shadow_vm), live - 1);
    assert_int_equal(window32(0x00407000), 0x1007);
}

static void test_user_mode_loses_supervisor_pages(void **state)
{
    (void)state;
    tables_reset();
    struct vcpu *v = &shadow_vm->cpu;
    struct event ev;
    uint32_t pa;
    load_cr3(v, PD2);
    assert_int_equal(shadow_fault(v, 0x00408000, false, &ev, &pa), SHADOW_FILLED); /* supervisor page */
    assert_int_equal(shadow_fault(v, 0x00800000, false, &ev, &pa), SHADOW_FILLED); /* user page */
    uint32_t live = shadow_live_mappings(shadow_vm);
    shadow_set_privilege(v, 3, 1ull << 32);
    assert_int_equal(shadow_live_mappings(shadow_vm), live - 1);
    /* In user mode the supervisor page is a true fault with P and U set. */
    assert_int_equal(shadow_fault(v, 0x00408000, false, &ev, &pa), SHADOW_GUEST_FAULT);
    assert_int_equal(ev.error_code, PFEC_P | PFEC_U);
    shadow_set_privilege(v, 0, 0);
}

static void test_device_pages_are_not_mapped(void **state)
{
    (void)state;
    tables_reset();
    struct event ev;
    uint32_t pa;
    put32(PT + 4 * 9, 0xe0000000u | PTE_P | PTE_RW);
    uint32_t live = shadow_live_mappings(shadow_vm);
    assert_int_equal(shadow_fault(&shadow_vm->cpu, 0x00409010, false, &ev, &pa), SHADOW_MMIO);
    assert_int_equal(pa, 0xe0000010u);
    assert_int_equal(shadow_live_mappings(shadow_vm), live);
}

/* A 4 MiB guest page is mapped whole by its first fault (one host mapping),
 * and a page of it holding a page table stays read-only. */
static void test_large_page_maps_whole(void **state)
{
    (void)state;
    tables_reset();
    struct vcpu *v = &shadow_vm->cpu;
    struct event ev;
    uint32_t pa;
    v->cr4 |= CR4_PSE;
    mmu_cr4_written(v, v->cr4 & ~CR4_PSE);
    /* Linear 0x01000000 (PDE 4) -> physical 0x00c00000, dirty and writable. */
    put32(PD + 4 * 4, 0x00c00000u | PTE_P | PTE_RW | PTE_PS | PTE_D | PTE_A);
    put32(0x00c00000u + 0x5000, 0x55);
    put32(0x00c00000u + 0x3ff000, 0x3ff);
    uint64_t fills = shadow_vm->stats.sh_large_fills;
    uint32_t live = shadow_live_mappings(shadow_vm);
    assert_int_equal(shadow_fault(v, 0x01000000u + 0x5000, false, &ev, &pa), SHADOW_FILLED);
    assert_int_equal(shadow_vm->stats.sh_large_fills, fills + 1);
    assert_int_equal(shadow_live_mappings(shadow_vm), live + 1024);
    assert_int_equal(window32(0x01000000u + 0x5000), 0x55);
    assert_int_equal(window32(0x01000000u + 0x3ff000), 0x3ff); /* no second fault needed */
    /* invlpg of any page of it drops the whole 4 MiB translation. */
    mmu_invlpg(v, 0x01000000u + 0x123000);
    assert_int_equal(shadow_live_mappings(shadow_vm), live);
    v->cr4 &= ~CR4_PSE;
    mmu_cr4_written(v, v->cr4 | CR4_PSE);
}

static void test_budget_evicts(void **state)
{
    (void)state;
    tables_reset();
    struct vcpu *v = &shadow_vm->cpu;
    struct event ev;
    uint32_t pa;
    /* 32 page tables of 1024 pages each, all pointing at DATA: enough
     * mappings to pass the budget. */
    for (uint32_t t = 0; t < 32; t++) {
        uint32_t table = 0x00800000u + t * 0x1000;
        put32(PD + 4 * (8 + t), table | PTE_P | PTE_RW);
        for (uint32_t i = 0; i < 1024; i++)
            put32(table + 4 * i, DATA | PTE_P | PTE_RW);
    }
    for (uint32_t n = 0; n < SHADOW_MAP_BUDGET + 100; n++)
        assert_int_equal(shadow_fault(v, 0x02000000u + n * 0x1000, false, &ev, &pa), SHADOW_FILLED);
    assert_true(shadow_live_mappings(shadow_vm) <= SHADOW_MAP_BUDGET);
    assert_true(shadow_vm->stats.sh_evictions >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fill_maps_the_named_page),
        cmocka_unit_test(test_true_fault_has_exact_error_code),
        cmocka_unit_test(test_first_write_sets_dirty),
        cmocka_unit_test(test_page_table_writes_are_traced),
        cmocka_unit_test(test_cr3_switch_keeps_identical_pdes),
        cmocka_unit_test(test_cr3_switch_moves_onto_equal_table),
        cmocka_unit_test(test_cr3_switch_suspends_absent_group),
        cmocka_unit_test(test_invlpg_drops_one_page),
        cmocka_unit_test(test_user_mode_loses_supervisor_pages),
        cmocka_unit_test(test_device_pages_are_not_mapped),
        cmocka_unit_test(test_large_page_maps_whole),
        cmocka_unit_test(test_budget_evicts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
