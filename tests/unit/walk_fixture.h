/*
 * walk_fixture.h: a machine with 32-bit paging tables in guest RAM for the
 * unit tests of the page walker (test_walk.c) and of paged linear access
 * (test_walk_lin.c).
 *
 * One struct vm per test process (the guest window is reserved once).  Each
 * test starts from wfx_reset(): RAM cleared, CR0 = PE|PG|WP, CR3 = the page
 * directory at WFX_PD (with all of CR3 bits 11:0 set, which must not
 * matter), CR4 = 0.  Tests write the entries they need with wfx_map().
 *
 *   struct vcpu *v = wfx_cpu(state);
 *   wfx_map(v, 0xc0001000, 0x345000, PTE_P | PTE_RW);  // PDE P|RW|US, PT at WFX_PT
 */
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "monitor/vm.h"
#include "shadowmm/gmem.h"
#include "shadowmm/walk.h"

#define WFX_RAM (16u << 20)
#define WFX_PD 0x100000u        /* page directory */
#define WFX_PT 0x101000u        /* first page table; wfx_map() uses WFX_PT + 0x1000 * n */
#define WFX_CR3_LOW 0xfffu      /* CR3 bits 11:0: PWT, PCD and ignored bits, never address (SDM Table 4-3) */

static inline struct vm *wfx_vm(void **state) { return *state; }
static inline struct vcpu *wfx_cpu(void **state) { return &wfx_vm(state)->cpu; }

static inline uint32_t wfx_rd32(struct vcpu *v, uint32_t pa)
{
    uint32_t x;
    memcpy(&x, gmem_phys_ptr(&v->vm->mem, pa, 4), 4);
    return x;
}

static inline void wfx_wr32(struct vcpu *v, uint32_t pa, uint32_t x)
{
    memcpy(gmem_phys_ptr(&v->vm->mem, pa, 4), &x, 4);
}

static inline uint32_t wfx_pde_pa(uint32_t la) { return WFX_PD + (la >> 22) * 4; }
static inline uint32_t wfx_pte_pa(uint32_t pt, uint32_t la) { return pt + ((la >> 12) & 0x3ff) * 4; }

/* Map the 4 KiB page at la to frame pa with PTE flags `flags`, through a
 * fully permissive PDE (P|RW|US) pointing at page table `pt`. */
static inline void wfx_map_pt(struct vcpu *v, uint32_t pt, uint32_t la, uint32_t pa, uint32_t flags)
{
    wfx_wr32(v, wfx_pde_pa(la), pt | PTE_P | PTE_RW | PTE_US);
    wfx_wr32(v, wfx_pte_pa(pt, la), (pa & PTE_FRAME_4K) | flags);
}

static inline void wfx_map(struct vcpu *v, uint32_t la, uint32_t pa, uint32_t flags)
{
    wfx_map_pt(v, WFX_PT, la, pa, flags);
}

static inline void wfx_reset(struct vcpu *v)
{
    memset(v->vm->mem.ram, 0, v->vm->mem.ram_size);
    v->cr0 = CR0_PE | CR0_ET | CR0_PG | CR0_WP;
    v->cr3 = WFX_PD | WFX_CR3_LOW;
    v->cr4 = 0;
    v->cpl = 0;
}

static inline int wfx_setup(void **state)
{
    wfx_reset(wfx_cpu(state));
    return 0;
}

static inline int wfx_group_setup(void **state)
{
    char err[256];
    struct vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return -1;
    vm->cfg.strict_memory = true; /* nonexistent memory stops the run: the tests check that */
    if (gmem_init(&vm->mem, WFX_RAM, err, sizeof err) < 0) {
        print_error("%s\n", err);
        free(vm);
        return -1;
    }
    vm->cpu.vm = vm;
    *state = vm;
    return 0;
}

static inline int wfx_group_teardown(void **state)
{
    struct vm *vm = *state;
    gmem_destroy(&vm->mem);
    free(vm);
    return 0;
}

/* The #PF a walk or a linear access must report. */
static inline void wfx_assert_pf(const struct event *ev, uint32_t cr2, uint32_t err)
{
    assert_int_equal(ev->kind, EV_FAULT);
    assert_int_equal(ev->vector, VEC_PF);
    assert_true(ev->has_error);
    assert_int_equal(ev->error_code, err);
    assert_int_equal(ev->cr2, cr2);
}
