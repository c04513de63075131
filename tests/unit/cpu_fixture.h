/*
 * cpu_fixture.h: a small protected-mode machine for the unit tests of
 * monitor/cpu.h (test_segload, test_farxfer, test_event, test_task).
 *
 * One struct vm per test process (the guest window is reserved once);
 * every test starts from fx_reset(): guest RAM cleared, a GDT, an empty
 * LDT, an IDT and two 32-bit TSSs built in guest memory, and the vCPU at
 * CPL 0 on flat ring-0 segments with TR = TSS A.
 *
 * Guest physical layout (paging off: linear = physical):
 *   0x1000 GDT (128 entries)   0x2000 LDT (8 entries)   0x3000 IDT (256)
 *   0x4000 TSS A               0x4100 TSS B             0x9000 ring-0 stack top
 *   0xa000 ring-1 stack top    0x20000 ring-3 stack top 0x30000 TSS B stack top
 */
#pragma once
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "monitor/cpu.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"

#define FX_GDT 0x1000u
#define FX_LDT 0x2000u
#define FX_IDT 0x3000u
#define FX_TSS_A 0x4000u
#define FX_TSS_B 0x4100u
#define FX_STACK0 0x9000u
#define FX_STACK1 0xa000u
#define FX_STACK3 0x20000u
#define FX_STACK_B 0x30000u

/* GDT selectors of the fixture. */
enum {
    SEL_CODE0 = 0x08,  /* flat 32-bit code, DPL 0, readable */
    SEL_DATA0 = 0x10,  /* flat 32-bit data, DPL 0, writable */
    SEL_CODE3 = 0x1b,  /* flat code, DPL 3 (RPL 3) */
    SEL_DATA3 = 0x23,  /* flat data, DPL 3 (RPL 3) */
    SEL_TSS_A = 0x28,  /* TSS A, busy (the current task) */
    SEL_TSS_B = 0x30,  /* TSS B, available */
    SEL_CODE1 = 0x39,  /* flat code, DPL 1 (RPL 1) */
    SEL_DATA1 = 0x41,  /* flat data, DPL 1 (RPL 1) */
    SEL_LDT = 0x48,    /* the LDT at FX_LDT, 8 entries */
    SEL_FREE = 0x50,   /* first GDT slot tests fill as they like (0x50..0x3f8) */
};

/* Access bytes (P, DPL, S, type) used below. */
#define AB_CODE0 0x9a /* present, DPL 0, code, readable */
#define AB_DATA0 0x92 /* present, DPL 0, data, writable */
#define AB_CODE3 0xfa
#define AB_DATA3 0xf2
#define AB_CODE1 0xba
#define AB_DATA1 0xb2

/* A code/data or system descriptor: limit is the 20-bit field, flags the
 * G/DB/L/AVL nibble (0xc = 4 KiB granularity, 32-bit). */
static inline uint64_t mkdesc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    return (uint64_t)(limit & 0xffff) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
           ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)(flags & 0xf) << 52) |
           ((uint64_t)(base >> 24) << 56);
}

/* A gate: type is the 4-bit system type, params the call-gate count. */
static inline uint64_t mkgate(uint16_t sel, uint32_t offset, unsigned type, unsigned dpl, bool present,
                              unsigned params)
{
    uint8_t access = (uint8_t)(type | (dpl << 5) | (present ? 0x80 : 0));
    return (uint64_t)(offset & 0xffff) | ((uint64_t)sel << 16) | ((uint64_t)(params & 0x1f) << 32) |
           ((uint64_t)access << 40) | ((uint64_t)(offset >> 16) << 48);
}

static inline struct vm *fx_vm(void **state) { return *state; }
static inline struct vcpu *fx_cpu(void **state) { return &fx_vm(state)->cpu; }

static inline uint8_t *fx_mem(struct vcpu *v, uint32_t pa, uint32_t len)
{
    uint8_t *p = gmem_phys_ptr(&v->vm->mem, pa, len);
    assert_non_null(p);
    return p;
}

static inline uint32_t rd32(struct vcpu *v, uint32_t pa)
{
    uint32_t x;
    memcpy(&x, fx_mem(v, pa, 4), 4);
    return x;
}
static inline uint16_t rd16(struct vcpu *v, uint32_t pa)
{
    uint16_t x;
    memcpy(&x, fx_mem(v, pa, 2), 2);
    return x;
}
static inline uint64_t rd64(struct vcpu *v, uint32_t pa)
{
    uint64_t x;
    memcpy(&x, fx_mem(v, pa, 8), 8);
    return x;
}
static inline void wr32(struct vcpu *v, uint32_t pa, uint32_t x) { memcpy(fx_mem(v, pa, 4), &x, 4); }
static inline void wr16(struct vcpu *v, uint32_t pa, uint16_t x) { memcpy(fx_mem(v, pa, 2), &x, 2); }
static inline void wr64(struct vcpu *v, uint32_t pa, uint64_t x) { memcpy(fx_mem(v, pa, 8), &x, 8); }

static inline void fx_set_gdt(struct vcpu *v, uint16_t sel, uint64_t d) { wr64(v, FX_GDT + (sel & ~7u), d); }
static inline uint64_t fx_gdt(struct vcpu *v, uint16_t sel) { return rd64(v, FX_GDT + (sel & ~7u)); }
static inline void fx_set_ldt(struct vcpu *v, uint16_t sel, uint64_t d) { wr64(v, FX_LDT + (sel & ~7u), d); }
static inline void fx_set_idt(struct vcpu *v, unsigned vec, uint64_t d) { wr64(v, FX_IDT + vec * 8, d); }
static inline bool fx_accessed(struct vcpu *v, uint16_t sel) { return (fx_gdt(v, sel) >> 40) & 1; }
static inline unsigned fx_type(struct vcpu *v, uint16_t sel) { return (fx_gdt(v, sel) >> 40) & 0xf; }

/* Load a segment register straight from the GDT, without checks. */
static inline void fx_load(struct vcpu *v, enum x86_sreg s, uint16_t sel)
{
    vcpu_set_seg(v, s, desc_to_seg(sel, fx_gdt(v, sel)));
}

/* Put the vCPU at CPL 3 on the ring-3 segments and stack. */
static inline void fx_enter_ring3(struct vcpu *v)
{
    fx_load(v, SREG_CS, SEL_CODE3);
    fx_load(v, SREG_SS, SEL_DATA3);
    fx_load(v, SREG_DS, SEL_DATA3);
    fx_load(v, SREG_ES, SEL_DATA3);
    v->cpl = 3;
    v->gpr[GPR_ESP] = FX_STACK3;
}

/* Ring-0..2 stacks of TSS A (SDM Vol. 3A Figure 7-2 offsets). */
static inline void fx_tss_stack(struct vcpu *v, uint32_t tss, unsigned level, uint16_t ss, uint32_t esp)
{
    wr32(v, tss + 4 + 8 * level, esp);
    wr32(v, tss + 8 + 8 * level, ss);
}

static inline void fx_reset(struct vm *vm)
{
    struct vcpu *v = &vm->cpu;
    memset(vm->mem.ram, 0, 1u << 20);
    memset(v, 0, sizeof *v);
    memset(&vm->stats, 0, sizeof vm->stats);
    vm->exit_reason = VMEXIT_NONE;
    vm->exit_message[0] = '\0';
    v->vm = vm;
    v->cr0 = CR0_PE | CR0_ET;
    v->gdtr = (struct dtr){ .base = FX_GDT, .limit = 128 * 8 - 1 };
    v->idtr = (struct dtr){ .base = FX_IDT, .limit = 256 * 8 - 1 };
    fx_set_gdt(v, SEL_CODE0, mkdesc(0, 0xfffff, AB_CODE0, 0xc));
    fx_set_gdt(v, SEL_DATA0, mkdesc(0, 0xfffff, AB_DATA0, 0xc));
    fx_set_gdt(v, SEL_CODE3, mkdesc(0, 0xfffff, AB_CODE3, 0xc));
    fx_set_gdt(v, SEL_DATA3, mkdesc(0, 0xfffff, AB_DATA3, 0xc));
    fx_set_gdt(v, SEL_CODE1, mkdesc(0, 0xfffff, AB_CODE1, 0xc));
    fx_set_gdt(v, SEL_DATA1, mkdesc(0, 0xfffff, AB_DATA1, 0xc));
    fx_set_gdt(v, SEL_TSS_A, mkdesc(FX_TSS_A, 0x67, 0x8b, 0));
    fx_set_gdt(v, SEL_TSS_B, mkdesc(FX_TSS_B, 0x67, 0x89, 0));
    fx_set_gdt(v, SEL_LDT, mkdesc(FX_LDT, 8 * 8 - 1, 0x82, 0));
    fx_tss_stack(v, FX_TSS_A, 0, SEL_DATA0, FX_STACK0);
    fx_tss_stack(v, FX_TSS_A, 1, SEL_DATA1, FX_STACK1);
    fx_load(v, SREG_CS, SEL_CODE0);
    fx_load(v, SREG_SS, SEL_DATA0);
    fx_load(v, SREG_DS, SEL_DATA0);
    fx_load(v, SREG_ES, SEL_DATA0);
    fx_load(v, SREG_FS, SEL_DATA0);
    fx_load(v, SREG_GS, SEL_DATA0);
    v->ldtr = desc_to_seg(SEL_LDT, fx_gdt(v, SEL_LDT));
    v->tr = desc_to_seg(SEL_TSS_A, fx_gdt(v, SEL_TSS_A));
    v->cpl = 0;
    v->gpr[GPR_ESP] = FX_STACK0;
    v->eip = 0x1234;
    vcpu_set_eflags(v, EFLAGS_FIXED);
}

static inline int fx_group_setup(void **state)
{
    char err[256];
    struct vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return -1;
    vm->mem.memfd = -1;
    if (gmem_init(&vm->mem, 16u << 20, err, sizeof err) < 0) {
        print_error("gmem_init: %s\n", err);
        free(vm);
        return -1;
    }
    vm->cpu.vm = vm;
    *state = vm;
    return 0;
}

static inline int fx_group_teardown(void **state)
{
    struct vm *vm = *state;
    gmem_destroy(&vm->mem);
    free(vm);
    return 0;
}

static inline int fx_test_setup(void **state)
{
    fx_reset(fx_vm(state));
    return 0;
}

/* Assert an error-code fault. */
#define assert_fault(ev, vec, err)                                                   \
    do {                                                                             \
        assert_int_equal((ev).kind, EV_FAULT);                                       \
        assert_int_equal((ev).vector, (vec));                                        \
        assert_true((ev).has_error);                                                 \
        assert_int_equal((ev).error_code, (err));                                    \
    } while (0)

#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_test_setup, NULL)
