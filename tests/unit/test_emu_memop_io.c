/*
 * test_emu_memop_io.c: the memory-instruction emulator (monitor/emu_memop.c)
 * where the host CPU cannot serve as the reference — accesses to a
 * memory-mapped device and to unassigned addresses, faults that must leave
 * the vCPU unchanged, the stack forms push m / pop m, moffs with segment
 * overrides, 16-bit addressing, and instructions it does not emulate.
 *
 * The fake device logs every access (offset, size, value) and answers
 * reads with a value the test sets, so each test states exactly which bus
 * cycles one guest instruction must make.
 */
#include <stdio.h>

#include "memop_fixture.h"
#include "shadowmm/walk.h"

#define DEV_BASE 0xe0000000u
#define LOG_MAX 16

struct dev_access {
    bool write;      /* write (true) or read */
    uint64_t offset; /* offset from DEV_BASE */
    unsigned size;   /* bytes */
    uint64_t value;  /* written value */
};

struct fake_dev {
    struct dev_access log[LOG_MAX]; /* accesses in order */
    int count;                      /* entries in log */
    uint64_t answer;                /* what every read returns (masked to its size by the bus) */
};

static uint64_t fake_read(void *dev, uint64_t offset, unsigned size)
{
    struct fake_dev *f = dev;
    if (f->count < LOG_MAX)
        f->log[f->count++] = (struct dev_access){ false, offset, size, 0 };
    return f->answer;
}

static void fake_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
    struct fake_dev *f = dev;
    if (f->count < LOG_MAX)
        f->log[f->count++] = (struct dev_access){ true, offset, size, value };
}

/* Put the device (the test's own) at DEV_BASE; mf_reset clears the bus. */
static struct fake_dev *add_device(struct vcpu *v, struct fake_dev *f)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(mmio_register(v->vm, DEV_BASE, 0x1000, fake_read, fake_write, f, "fake"), 0);
    return f;
}

static void assert_access(const struct fake_dev *f, int i, bool write, uint64_t offset, unsigned size)
{
    assert_true(i < f->count);
    assert_int_equal(f->log[i].write, write);
    assert_int_equal(f->log[i].offset, offset);
    assert_int_equal(f->log[i].size, size);
}

/* ---- MMIO ---- */

static void test_mmio_store(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev, *f = add_device(v, &dev);
    struct event ev;
    v->gpr[GPR_EAX] = DEV_BASE + 0x10;
    v->gpr[GPR_ECX] = 0x11223344;
    assert_int_equal(MF_RUN(v, &ev, 0x89, 0x08), EMU_NEXT); /* mov [eax], ecx */
    assert_int_equal(v->eip, MF_EIP + 2);
    assert_int_equal(f->count, 1);
    assert_access(f, 0, true, 0x10, 4);
    assert_int_equal(f->log[0].value, 0x11223344);
    assert_int_equal(v->vm->stats.mmio_accesses, 1);
    assert_int_equal(v->vm->stats.co_total, 1);
    assert_int_equal(v->vm->stats.co_other, 1);
}

/* add dword [eax], 5: one read, one write of the sum, flags of the sum.
 * 0xfffffffd + 5 = 2: carry out (CF), carry out of bit 3 (AF, d + 5 > f),
 * result positive, not zero, one bit set in the low byte (odd: PF = 0). */
static void test_mmio_read_modify_write(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev, *f = add_device(v, &dev);
    struct event ev;
    f->answer = 0xfffffffd;
    v->gpr[GPR_EAX] = DEV_BASE + 0x40;
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_ZF | EFLAGS_PF | EFLAGS_SF | EFLAGS_OF);
    assert_int_equal(MF_RUN(v, &ev, 0x83, 0x00, 0x05), EMU_NEXT);
    assert_int_equal(f->count, 2);
    assert_access(f, 0, false, 0x40, 4);
    assert_access(f, 1, true, 0x40, 4);
    assert_int_equal(f->log[1].value, 2);
    assert_int_equal(vcpu_get_eflags(v) & EFLAGS_ARITH, EFLAGS_CF | EFLAGS_AF);
    assert_int_equal(v->vm->stats.mmio_accesses, 2);
}

static void test_mmio_movzx_word(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev, *f = add_device(v, &dev);
    struct event ev;
    f->answer = 0xdeadbeefcafe8001ull;
    v->gpr[GPR_EAX] = DEV_BASE + 0x20;
    assert_int_equal(MF_RUN(v, &ev, 0x0f, 0xb7, 0x40, 0x02), EMU_NEXT); /* movzx eax, word [eax+2] */
    assert_int_equal(f->count, 1);
    assert_access(f, 0, false, 0x22, 2);
    assert_int_equal(v->gpr[GPR_EAX], 0x8001);
    assert_int_equal(MF_RUN(v, &ev, 0x0f, 0xbe, 0x00), EMU_NEXT); /* movsx eax, byte [eax] at 0x8001: RAM */
    assert_int_equal(f->count, 1);
}

/* The moffs forms: A0 reads a byte, 66 A3 writes a word. */
static void test_mmio_moffs(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev, *f = add_device(v, &dev);
    struct event ev;
    f->answer = 0x5a;
    v->gpr[GPR_EAX] = 0x12345678;
    assert_int_equal(MF_RUN(v, &ev, 0xa0, 0x30, 0x00, 0x00, 0xe0), EMU_NEXT); /* mov al, [0xe0000030] */
    assert_int_equal(v->gpr[GPR_EAX], 0x1234565a);
    assert_int_equal(MF_RUN(v, &ev, 0x66, 0xa3, 0x31, 0x00, 0x00, 0xe0), EMU_NEXT); /* mov [0xe0000031], ax */
    assert_int_equal(v->eip, MF_EIP + 6);
    assert_int_equal(f->count, 2);
    assert_access(f, 0, false, 0x30, 1);
    assert_access(f, 1, true, 0x31, 2);
    assert_int_equal(f->log[1].value, 0x565a);
}

/* rep stosd into the device: one write per element, ECX counted down. */
static void test_mmio_rep_stos(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev, *f = add_device(v, &dev);
    struct event ev;
    v->gpr[GPR_EAX] = 0xa5a5a5a5;
    v->gpr[GPR_ECX] = 3;
    v->gpr[GPR_EDI] = DEV_BASE + 0x100;
    assert_int_equal(MF_RUN(v, &ev, 0xf3, 0xab), EMU_NEXT);
    assert_int_equal(v->gpr[GPR_ECX], 0);
    assert_int_equal(v->gpr[GPR_EDI], DEV_BASE + 0x10c);
    assert_int_equal(f->count, 3);
    for (int i = 0; i < 3; i++) {
        assert_access(f, i, true, 0x100 + 4 * (unsigned)i, 4);
        assert_int_equal(f->log[i].value, 0xa5a5a5a5);
    }
}

/* cmpxchg that fails still writes the old value back (one write cycle),
 * and loads EAX; bt reads the dword that holds bit 35 (offset +4). */
static void test_mmio_cmpxchg_and_bt(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev, *f = add_device(v, &dev);
    struct event ev;
    f->answer = 0x00000008;
    v->gpr[GPR_EBX] = DEV_BASE + 0x80;
    v->gpr[GPR_EAX] = 7;
    v->gpr[GPR_ECX] = 0x99;
    assert_int_equal(MF_RUN(v, &ev, 0x0f, 0xb1, 0x0b), EMU_NEXT); /* cmpxchg [ebx], ecx */
    assert_int_equal(v->gpr[GPR_EAX], 8);
    assert_false(vcpu_get_eflags(v) & EFLAGS_ZF);
    assert_int_equal(f->count, 2);
    assert_access(f, 1, true, 0x80, 4);
    assert_int_equal(f->log[1].value, 8);
    v->gpr[GPR_ECX] = 35;
    assert_int_equal(MF_RUN(v, &ev, 0x0f, 0xa3, 0x0b), EMU_NEXT); /* bt [ebx], ecx */
    assert_int_equal(f->count, 3);
    assert_access(f, 2, false, 0x84, 4);
    assert_true(vcpu_get_eflags(v) & EFLAGS_CF); /* bit 3 of 8 */
}

/* Nothing behind the address.  The bus reads all-ones and drops writes
 * (the monitor's own physical accesses see that), but a guest instruction
 * that touches such an address stops the VM (shadowmm/gmem.c: there is no
 * guest exception for it on a PC): the access fails with no event to
 * deliver and the instruction has no effect. */
static void test_unassigned(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev, *f = add_device(v, &dev);
    struct event ev;
    uint32_t x = 0x1234;
    gmem_write_phys(v->vm, 0xd0000000, &x, 4);
    gmem_read_phys(v->vm, 0xd0000000, &x, 4);
    assert_int_equal(x, 0xffffffff);
    assert_true(v->vm->stats.mmio_unassigned >= 2); /* one per access, or per byte when split */
    v->gpr[GPR_EAX] = 0xd0000000;
    v->gpr[GPR_ECX] = 0x1234;
    assert_int_equal(MF_RUN(v, &ev, 0x8b, 0x08), EMU_EVENT); /* mov ecx, [eax] */
    assert_int_equal(ev.kind, EV_NONE);
    assert_int_equal(v->vm->exit_reason, VMEXIT_UNSUPPORTED);
    assert_int_equal(v->gpr[GPR_ECX], 0x1234);
    assert_int_equal(v->eip, MF_EIP);
    assert_int_equal(f->count, 0);
    assert_int_equal(v->vm->stats.mmio_accesses, 0);
}

/* ---- faults: nothing changes ---- */

struct snapshot {
    uint32_t gpr[GPR_COUNT];
    uint32_t eip, eflags;
    uint8_t mem[64]; /* MF_BUF - 32 .. MF_BUF + 32 */
};

static void take(struct vcpu *v, struct snapshot *s)
{
    memcpy(s->gpr, v->gpr, sizeof s->gpr);
    s->eip = v->eip;
    s->eflags = vcpu_get_eflags(v);
    memcpy(s->mem, mf_mem(v, MF_BUF - 32, 64), 64);
}

static void assert_unchanged(struct vcpu *v, const struct snapshot *s)
{
    struct snapshot now;
    take(v, &now);
    assert_memory_equal(now.gpr, s->gpr, sizeof s->gpr);
    assert_int_equal(now.eip, s->eip);
    assert_int_equal(now.eflags, s->eflags);
    assert_memory_equal(now.mem, s->mem, 64);
}

/* Run an instruction that must fault with `vec`(0) and change nothing. */
static void expect_fault(struct vcpu *v, uint8_t vec, const uint8_t *bytes, size_t n)
{
    struct snapshot before;
    struct event ev;
    v->eip = MF_EIP;
    take(v, &before);
    assert_int_equal(mf_emulate(v, &ev, bytes, n), EMU_EVENT);
    assert_int_equal(ev.kind, EV_FAULT);
    assert_int_equal(ev.vector, vec);
    assert_true(ev.has_error);
    assert_int_equal(ev.error_code, 0);
    assert_unchanged(v, &before);
}

#define EXPECT_FAULT(v, vec, ...) expect_fault((v), (vec), MF_BYTES(__VA_ARGS__), sizeof MF_BYTES(__VA_ARGS__))

static void set_limit(struct vcpu *v, enum x86_sreg s, uint32_t limit, uint32_t clear_attr)
{
    struct seg_cache c = v->seg[s];
    c.limit = limit;
    c.attr &= ~(SEG_ATTR_G | clear_attr);
    vcpu_set_seg(v, s, c);
}

/* DS with a byte-granular limit covering only the dword at MF_BUF. */
static void test_fault_segment_limit(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct event ev;
    set_limit(v, SREG_DS, MF_BUF + 3, 0);
    v->gpr[GPR_EBX] = MF_BUF;
    v->gpr[GPR_ECX] = 0x01020304;
    vcpu_set_eflags(v, EFLAGS_FIXED | EFLAGS_CF | EFLAGS_ZF);
    mf_wr32(v, MF_BUF, 0xaabbccdd);
    EXPECT_FAULT(v, VEC_GP, 0x01, 0x4b, 0x02);             /* add [ebx+2], ecx: straddles the limit */
    EXPECT_FAULT(v, VEC_GP, 0x8b, 0x4b, 0x01);             /* mov ecx, [ebx+1] */
    EXPECT_FAULT(v, VEC_GP, 0x87, 0x4b, 0x04);             /* xchg [ebx+4], ecx */
    EXPECT_FAULT(v, VEC_GP, 0x0f, 0xc1, 0x4b, 0x04);       /* xadd [ebx+4], ecx */
    EXPECT_FAULT(v, VEC_GP, 0x0f, 0xc7, 0x0b);             /* cmpxchg8b [ebx]: 8 bytes */
    EXPECT_FAULT(v, VEC_GP, 0x0f, 0x94, 0x43, 0x04);       /* sete [ebx+4] */
    EXPECT_FAULT(v, VEC_GP, 0x0f, 0x45, 0x4b, 0x04);       /* cmovne ecx, [ebx+4]: read although ZF = 1 */
    v->gpr[GPR_ECX] = 32;
    EXPECT_FAULT(v, VEC_GP, 0x0f, 0xab, 0x0b);             /* bts [ebx], ecx: bit 0 of the dword at +4 */
    v->gpr[GPR_ECX] = 31;
    assert_int_equal(MF_RUN(v, &ev, 0x0f, 0xab, 0x0b), EMU_NEXT); /* bit 31 of the dword at +0 */
    assert_int_equal(mf_rd32(v, MF_BUF), 0xaabbccdd);      /* was set already: CF = 1 */
    assert_true(vcpu_get_eflags(v) & EFLAGS_CF);
    assert_int_equal(MF_RUN(v, &ev, 0x01, 0x0b), EMU_NEXT); /* add [ebx], ecx */
    assert_int_equal(mf_rd32(v, MF_BUF), 0xaabbccdd + 31);
}

/* SS is the default segment of [ebp]; a DS override escapes its limit. */
static void test_fault_stack_segment(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct event ev;
    set_limit(v, SREG_SS, MF_BUF - 1, 0);
    v->gpr[GPR_EBP] = MF_BUF;
    v->gpr[GPR_ECX] = 5;
    EXPECT_FAULT(v, VEC_SS, 0x01, 0x4d, 0x00);             /* add [ebp+0], ecx */
    assert_int_equal(MF_RUN(v, &ev, 0x3e, 0x01, 0x4d, 0x00), EMU_NEXT); /* add ds:[ebp+0], ecx */
    assert_int_equal(mf_rd32(v, MF_BUF), 5);
}

/* A read-only data segment: reads work, and no read-modify-write (not even
 * a cmpxchg whose comparison fails) touches the device before faulting. */
static void test_fault_read_only(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev, *f = add_device(v, &dev);
    struct event ev;
    set_limit(v, SREG_DS, 0xffffffff, SEG_ATTR_RW);
    v->gpr[GPR_EBX] = DEV_BASE;
    v->gpr[GPR_EAX] = 1;
    f->answer = 2;
    EXPECT_FAULT(v, VEC_GP, 0x83, 0x03, 0x05);       /* add dword [ebx], 5 */
    EXPECT_FAULT(v, VEC_GP, 0xff, 0x03);             /* inc dword [ebx] */
    EXPECT_FAULT(v, VEC_GP, 0x0f, 0xb1, 0x0b);       /* cmpxchg [ebx], ecx (EAX != [ebx]) */
    EXPECT_FAULT(v, VEC_GP, 0x0f, 0xba, 0x2b, 0x01); /* bts dword [ebx], 1 */
    EXPECT_FAULT(v, VEC_GP, 0x89, 0x0b);             /* mov [ebx], ecx */
    assert_int_equal(f->count, 0);
    assert_int_equal(MF_RUN(v, &ev, 0x3b, 0x03), EMU_NEXT); /* cmp eax, [ebx] */
    assert_int_equal(MF_RUN(v, &ev, 0x0f, 0xba, 0x23, 0x01), EMU_NEXT); /* bt dword [ebx], 1 */
    assert_true(vcpu_get_eflags(v) & EFLAGS_CF);
    assert_int_equal(f->count, 2);
}

/* ---- paging ---- */

#define PG_DIR 0x10000u /* page directory */
#define PG_LOW 0x11000u /* page table: linear 0..4 MiB identity, MF_BUF's page read-only */
#define PG_DEV 0x12000u /* page table: linear 4 MiB -> the device (page 0 RW, page 1 RO) */

/* 32-bit paging with CR0.WP, so ring-0 writes honour R/W too. */
static void enable_paging(struct vcpu *v)
{
    for (uint32_t i = 0; i < 1024; i++)
        mf_wr32(v, PG_LOW + 4 * i, (i << 12) | PTE_P | PTE_RW);
    mf_wr32(v, PG_LOW + 4 * (MF_BUF >> 12), MF_BUF | PTE_P);
    mf_wr32(v, PG_DEV, DEV_BASE | PTE_P | PTE_RW);
    mf_wr32(v, PG_DEV + 4, (DEV_BASE + 0x1000) | PTE_P);
    mf_wr32(v, PG_DIR, PG_LOW | PTE_P | PTE_RW);
    mf_wr32(v, PG_DIR + 4, PG_DEV | PTE_P | PTE_RW);
    v->cr3 = PG_DIR;
    v->cr0 |= CR0_PG | CR0_WP;
}

/* Read-modify-write of a read-only page: #PF with P and W/R set and CR2
 * the address, before anything is read; reads of the page work. */
static void test_paging_read_only_page(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev = { 0 }, *f = &dev;
    struct event ev;
    assert_int_equal(mmio_register(v->vm, DEV_BASE + 0x1000, 0x1000, fake_read, fake_write, f, "ro"), 0);
    enable_paging(v);
    mf_wr32(v, MF_BUF, 41);
    v->gpr[GPR_EBX] = MF_BUF;
    v->gpr[GPR_EAX] = 0x401000;
    static const uint8_t insns[][3] = {
        { 0x83, 0x03, 0x01 }, /* add dword [ebx], 1 */
        { 0x0f, 0xb1, 0x0b }, /* cmpxchg [ebx], ecx */
        { 0x83, 0x00, 0x01 }, /* add dword [eax], 1: the device behind a read-only page */
    };
    for (unsigned i = 0; i < 3; i++) {
        uint32_t eflags = vcpu_get_eflags(v), eax = v->gpr[GPR_EAX];
        assert_int_equal(mf_emulate(v, &ev, insns[i], 3), EMU_EVENT);
        assert_int_equal(ev.vector, VEC_PF);
        assert_int_equal(ev.error_code, 0x3); /* P | W/R */
        assert_int_equal(ev.cr2, i < 2 ? MF_BUF : 0x401000);
        assert_int_equal(vcpu_get_eflags(v), eflags);
        assert_int_equal(v->gpr[GPR_EAX], eax);
        assert_int_equal(v->eip, MF_EIP);
    }
    assert_int_equal(f->count, 0);
    assert_int_equal(mf_rd32(v, MF_BUF), 41);
    assert_int_equal(MF_RUN(v, &ev, 0x8b, 0x0b), EMU_NEXT); /* mov ecx, [ebx] */
    assert_int_equal(v->gpr[GPR_ECX], 41);
}

/* A device mapped at linear 4 MiB: the access reaches it through the
 * guest's page tables with the offset inside the device. */
static void test_paging_device(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev, *f = add_device(v, &dev);
    struct event ev;
    enable_paging(v);
    f->answer = 10;
    v->gpr[GPR_EAX] = 0x400010;
    assert_int_equal(MF_RUN(v, &ev, 0x83, 0x00, 0x05), EMU_NEXT); /* add dword [eax], 5 */
    assert_int_equal(f->count, 2);
    assert_access(f, 0, false, 0x10, 4);
    assert_access(f, 1, true, 0x10, 4);
    assert_int_equal(f->log[1].value, 15);
    /* the walk set A and D in the PTE */
    assert_int_equal(mf_rd32(v, PG_DEV) & (PTE_A | PTE_D), PTE_A | PTE_D);
}

/* ---- push m, pop m ---- */

static void test_push_pop_memory(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct event ev;
    mf_wr32(v, MF_BUF, 0x11223344);
    v->gpr[GPR_EBX] = MF_BUF;
    assert_int_equal(MF_RUN(v, &ev, 0xff, 0x33), EMU_NEXT); /* push dword [ebx] */
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK - 4);
    assert_int_equal(mf_rd32(v, MF_STACK - 4), 0x11223344);
    assert_int_equal(MF_RUN(v, &ev, 0x66, 0xff, 0x73, 0x02), EMU_NEXT); /* push word [ebx+2] */
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK - 6);
    assert_int_equal(mf_rd32(v, MF_STACK - 6) & 0xffff, 0x1122);
    assert_int_equal(MF_RUN(v, &ev, 0x66, 0x8f, 0x43, 0x04), EMU_NEXT); /* pop word [ebx+4] */
    assert_int_equal(mf_rd32(v, MF_BUF + 4), 0x1122);
    assert_int_equal(MF_RUN(v, &ev, 0x8f, 0x43, 0x08), EMU_NEXT); /* pop dword [ebx+8] */
    assert_int_equal(mf_rd32(v, MF_BUF + 8), 0x11223344);
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK);
}

/* ESP as the base: push uses ESP from before the push, pop the one after
 * the pop (SDM Vol. 2B PUSH, POP). */
static void test_push_pop_esp_base(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct event ev;
    mf_wr32(v, MF_STACK, 0xaaaaaaaa);
    mf_wr32(v, MF_STACK + 4, 0xbbbbbbbb);
    assert_int_equal(MF_RUN(v, &ev, 0xff, 0x74, 0x24, 0x04), EMU_NEXT); /* push dword [esp+4] */
    assert_int_equal(mf_rd32(v, MF_STACK - 4), 0xbbbbbbbb);
    assert_int_equal(MF_RUN(v, &ev, 0x8f, 0x44, 0x24, 0x04), EMU_NEXT); /* pop dword [esp+4] */
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK);
    assert_int_equal(mf_rd32(v, MF_STACK + 4), 0xbbbbbbbb); /* written at new ESP + 4 */
    assert_int_equal(mf_rd32(v, MF_STACK), 0xaaaaaaaa);
}

static void test_push_pop_faults(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    mf_wr32(v, MF_STACK, 0x5555);
    v->gpr[GPR_EBX] = MF_BUF;
    set_limit(v, SREG_DS, MF_BUF - 1, 0);
    EXPECT_FAULT(v, VEC_GP, 0x8f, 0x03);             /* pop dword [ebx]: ESP stays */
    EXPECT_FAULT(v, VEC_GP, 0xff, 0x33);             /* push dword [ebx] */
    set_limit(v, SREG_DS, 0xffffffff, 0);
    set_limit(v, SREG_SS, MF_STACK - 1, 0);
    EXPECT_FAULT(v, VEC_SS, 0x8f, 0x03);             /* the pop itself */
    v->gpr[GPR_ESP] = MF_STACK - 0x1000;
    set_limit(v, SREG_SS, MF_STACK - 0x1000, SEG_ATTR_RW); /* read-only stack */
    EXPECT_FAULT(v, VEC_SS, 0xff, 0x33);             /* push [ebx] */
}

/* ---- the other stack users, near branches, xlat (emu_memop_stack.c) ---- */

/* push imm/r32 (push esp: the value before the push), pop r32 (pop esp:
 * the popped value), leave. */
static void test_push_pop_registers(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct event ev;
    assert_int_equal(MF_RUN(v, &ev, 0x6a, 0xfe), EMU_NEXT); /* push -2 */
    assert_int_equal(mf_rd32(v, MF_STACK - 4), 0xfffffffe);
    assert_int_equal(MF_RUN(v, &ev, 0x54), EMU_NEXT); /* push esp */
    assert_int_equal(mf_rd32(v, MF_STACK - 8), MF_STACK - 4);
    assert_int_equal(MF_RUN(v, &ev, 0x59), EMU_NEXT); /* pop ecx */
    assert_int_equal(v->gpr[GPR_ECX], MF_STACK - 4);
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK - 4);
    assert_int_equal(MF_RUN(v, &ev, 0x66, 0x6a, 0x07), EMU_NEXT); /* push word 7 */
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK - 6);
    assert_int_equal(mf_rd32(v, MF_STACK - 6) & 0xffff, 7);
    mf_wr32(v, MF_STACK - 6, MF_STACK + 0x40);
    assert_int_equal(MF_RUN(v, &ev, 0x5c), EMU_NEXT); /* pop esp */
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK + 0x40);
    mf_wr32(v, MF_STACK + 0x100, 0x1234abcd);
    v->gpr[GPR_EBP] = MF_STACK + 0x100;
    assert_int_equal(MF_RUN(v, &ev, 0xc9), EMU_NEXT); /* leave */
    assert_int_equal(v->gpr[GPR_EBP], 0x1234abcd);
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK + 0x104);
    assert_int_equal(v->eip, MF_EIP + 1);
}

/* call rel32 / call [ebx] / jmp [ebx] / ret / ret imm16, and xlat; a near
 * target past the CS limit is #GP(0) with ESP unchanged. */
static void test_near_branches(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct event ev;
    assert_int_equal(MF_RUN(v, &ev, 0xe8, 0x10, 0x00, 0x00, 0x00), EMU_NEXT); /* call +0x10 */
    assert_int_equal(v->eip, MF_EIP + 5 + 0x10);
    assert_int_equal(mf_rd32(v, MF_STACK - 4), MF_EIP + 5);
    assert_int_equal(MF_RUN(v, &ev, 0xc2, 0x08, 0x00), EMU_NEXT); /* ret 8 */
    assert_int_equal(v->eip, MF_EIP + 5);
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK + 8);
    v->gpr[GPR_ESP] = MF_STACK;
    mf_wr32(v, MF_BUF, 0x00345678);
    v->gpr[GPR_EBX] = MF_BUF;
    assert_int_equal(MF_RUN(v, &ev, 0xff, 0x13), EMU_NEXT); /* call [ebx] */
    assert_int_equal(v->eip, 0x00345678);
    assert_int_equal(mf_rd32(v, MF_STACK - 4), MF_EIP + 2);
    assert_int_equal(MF_RUN(v, &ev, 0xc3), EMU_NEXT); /* ret */
    assert_int_equal(v->eip, MF_EIP + 2);
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK);
    assert_int_equal(MF_RUN(v, &ev, 0xff, 0x23), EMU_NEXT); /* jmp [ebx] */
    assert_int_equal(v->eip, 0x00345678);
    mf_mem(v, MF_BUF, 0x40)[0x31] = 0x9c;
    v->gpr[GPR_EAX] = 0x7731;
    assert_int_equal(MF_RUN(v, &ev, 0xd7), EMU_NEXT); /* xlat */
    assert_int_equal(v->gpr[GPR_EAX], 0x779c);
    set_limit(v, SREG_CS, 0xfffff, 0);
    mf_wr32(v, MF_STACK, 0x00200000);
    EXPECT_FAULT(v, VEC_GP, 0xc3);       /* ret past the CS limit */
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK);
    mf_wr32(v, MF_BUF, 0x00200000);
    EXPECT_FAULT(v, VEC_GP, 0xff, 0x13); /* call [ebx] past it: nothing pushed */
    assert_int_equal(v->gpr[GPR_ESP], MF_STACK);
}

/* ---- addressing ---- */

/* A segment override with a base (moffs through FS) and 16-bit addressing
 * ([bx] takes only BX). */
static void test_addressing(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct event ev;
    struct seg_cache fs = v->seg[SREG_FS];
    fs.base = 0x7000;
    vcpu_set_seg(v, SREG_FS, fs);
    mf_wr32(v, MF_BUF, 0xfeedface);
    assert_int_equal(MF_RUN(v, &ev, 0x64, 0xa1, 0x00, 0x10, 0x00, 0x00), EMU_NEXT); /* mov eax, fs:[0x1000] */
    assert_int_equal(v->gpr[GPR_EAX], 0xfeedface);
    v->gpr[GPR_EBX] = 0xabcd0000u | (MF_BUF + 4);
    v->gpr[GPR_ECX] = 0x01020304;
    assert_int_equal(MF_RUN(v, &ev, 0x67, 0x89, 0x0f), EMU_NEXT); /* mov [bx], ecx */
    assert_int_equal(v->eip, MF_EIP + 3);
    assert_int_equal(mf_rd32(v, MF_BUF + 4), 0x01020304);
    /* bt with a 16-bit address: the bit offset moves [bx] down by 4 */
    v->gpr[GPR_ECX] = (uint32_t)-1;
    assert_int_equal(MF_RUN(v, &ev, 0x67, 0x0f, 0xab, 0x0f), EMU_NEXT); /* bts [bx], ecx */
    assert_int_equal(mf_rd32(v, MF_BUF), 0xfeedface | 0x80000000u);
}

/* ---- what it does not emulate ---- */

static void expect_unsupported(struct vcpu *v, const char *name, const uint8_t *bytes, size_t n)
{
    struct event ev;
    v->vm->exit_reason = VMEXIT_NONE;
    assert_int_equal(mf_emulate(v, &ev, bytes, n), EMU_STOP);
    assert_int_equal(v->vm->exit_reason, VMEXIT_UNSUPPORTED);
    assert_non_null(strstr(v->vm->exit_message, name));
    assert_int_equal(v->eip, MF_EIP);
}

#define EXPECT_UNSUPPORTED(v, name, ...) \
    expect_unsupported((v), (name), MF_BYTES(__VA_ARGS__), sizeof MF_BYTES(__VA_ARGS__))

/* 128-bit SSE moves to and from a device: the XMM registers in vcpu->fpu
 * (FXSAVE layout, XMMn at 160 + 16n); movaps wants 16-byte alignment. */
static void test_mmio_sse_moves(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    struct fake_dev dev, *f = add_device(v, &dev);
    struct event ev;
    for (unsigned i = 0; i < 16; i++)
        v->fpu[160 + 16 + i] = (uint8_t)(0x10 + i); /* XMM1 */
    v->gpr[GPR_EBX] = DEV_BASE + 0x20;
    assert_int_equal(MF_RUN(v, &ev, 0xf3, 0x0f, 0x7f, 0x0b), EMU_NEXT); /* movdqu [ebx], xmm1 */
    assert_int_equal(f->count, 2);
    assert_access(f, 0, true, 0x20, 8);
    assert_access(f, 1, true, 0x28, 8);
    assert_int_equal(f->log[0].value, 0x1716151413121110ull);
    assert_int_equal(f->log[1].value, 0x1f1e1d1c1b1a1918ull);
    f->count = 0;
    f->answer = 0x0123456789abcdefull;
    assert_int_equal(MF_RUN(v, &ev, 0x0f, 0x10, 0x13), EMU_NEXT); /* movups xmm2, [ebx] */
    assert_int_equal(f->count, 2);
    uint64_t lo, hi;
    memcpy(&lo, v->fpu + 160 + 32, 8);
    memcpy(&hi, v->fpu + 160 + 40, 8);
    assert_int_equal(lo, 0x0123456789abcdefull);
    assert_int_equal(hi, 0x0123456789abcdefull);
    f->count = 0;
    v->gpr[GPR_EBX] = DEV_BASE + 0x28; /* not 16-byte aligned */
    assert_int_equal(MF_RUN(v, &ev, 0x0f, 0x29, 0x0b), EMU_EVENT); /* movaps [ebx], xmm1 */
    assert_int_equal(ev.vector, VEC_GP);
    assert_int_equal(ev.error_code, 0);
    assert_int_equal(f->count, 0); /* the device saw nothing */
}

static void test_unsupported(void **state)
{
    struct vcpu *v = &((struct vm *)*state)->cpu;
    v->gpr[GPR_EBX] = MF_BUF;
    /* Sensitive instructions are callouts, never the host's to run on a
     * copy of the operand (div, fld, SSE: monitor/run_bounce.c, whose
     * host runs guest.absent_mem checks). */
    EXPECT_UNSUPPORTED(v, "mov ds", 0x8e, 0x1b);            /* mov ds, [ebx] */
    EXPECT_UNSUPPORTED(v, "lgdt", 0x0f, 0x01, 0x13);        /* lgdt [ebx] */
    assert_int_equal(v->vm->stats.co_total, 2);
    assert_int_equal(v->vm->stats.co_other, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        MF_TEST(test_mmio_store),
        MF_TEST(test_mmio_read_modify_write),
        MF_TEST(test_mmio_movzx_word),
        MF_TEST(test_mmio_moffs),
        MF_TEST(test_mmio_rep_stos),
        MF_TEST(test_mmio_cmpxchg_and_bt),
        MF_TEST(test_unassigned),
        MF_TEST(test_fault_segment_limit),
        MF_TEST(test_fault_stack_segment),
        MF_TEST(test_fault_read_only),
        MF_TEST(test_paging_read_only_page),
        MF_TEST(test_paging_device),
        MF_TEST(test_push_pop_memory),
        MF_TEST(test_push_pop_esp_base),
        MF_TEST(test_push_pop_faults),
        MF_TEST(test_push_pop_registers),
        MF_TEST(test_near_branches),
        MF_TEST(test_addressing),
        MF_TEST(test_mmio_sse_moves),
        MF_TEST(test_unsupported),
    };
    return cmocka_run_group_tests(tests, mf_group_setup, mf_group_teardown);
}
