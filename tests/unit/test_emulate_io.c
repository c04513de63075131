/*
 * test_emulate_io.c: in, out, ins, outs through the emulator — every size,
 * imm8 and DX ports, rep in both directions, 16-bit addressing, segment
 * overrides, a fault in the middle of a rep, and the I/O permission check
 * (IOPL, then the TSS bitmap) — against a test device on the port bus.
 */
#include "devices/portio.h"
#include "emu_fixture.h"

#define TP_BASE 0xe0 /* the test device answers ports 0xe0..0xe7 */
#define TP_LOG 64

/* A test device that logs every access and answers reads with a counter. */
struct test_port {
    uint16_t port[TP_LOG];
    unsigned size[TP_LOG];
    uint32_t value[TP_LOG]; /* written value, or the value a read returned */
    bool write[TP_LOG];
    unsigned n;             /* accesses logged */
    uint32_t counter;       /* next read returns this, then it increments */
};

static void tp_log(struct test_port *t, uint16_t port, unsigned size, uint32_t value, bool write)
{
    if (t->n < TP_LOG) {
        t->port[t->n] = port;
        t->size[t->n] = size;
        t->value[t->n] = value;
        t->write[t->n] = write;
        t->n++;
    }
}

static uint32_t tp_read(void *dev, uint16_t port, unsigned size)
{
    struct test_port *t = dev;
    uint32_t value = t->counter++;
    tp_log(t, port, size, value, false);
    return value;
}

static void tp_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    tp_log(dev, port, size, value, true);
}

static struct test_port *tp_of(struct vcpu *v)
{
    return v->vm->board.bus.ranges[0].dev;
}

static int io_group_setup(void **state)
{
    if (fx_group_setup(state) < 0)
        return -1;
    struct vm *vm = fx_vm(state);
    struct test_port *t = calloc(1, sizeof *t);
    if (!t || portio_register(&vm->board.bus, TP_BASE, 8, tp_read, tp_write, t, "emu-test") < 0)
        return -1;
    return 0;
}

static int io_group_teardown(void **state)
{
    free(tp_of(fx_cpu(state)));
    return fx_group_teardown(state);
}

static int io_test_setup(void **state)
{
    fx_reset(fx_vm(state));
    memset(tp_of(fx_cpu(state)), 0, sizeof(struct test_port));
    tp_of(fx_cpu(state))->counter = 0x11223344;
    return 0;
}

#define IO_TEST(fn) cmocka_unit_test_setup_teardown(fn, io_test_setup, NULL)

static void assert_log(struct test_port *t, unsigned i, uint16_t port, unsigned size, uint32_t value, bool write)
{
    assert_true(i < t->n);
    assert_int_equal(t->port[i], port);
    assert_int_equal(t->size[i], size);
    assert_int_equal(t->value[i], value);
    assert_int_equal(t->write[i], write);
}

/* out: imm8 and DX ports, byte/word/dword, only the operand's bytes. */
static void test_out_sizes(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct test_port *t = tp_of(v);
    struct event ev;
    v->gpr[GPR_EAX] = 0xa1b2c3d4;
    v->gpr[GPR_EDX] = 0xffff00e2; /* only DX counts */
    assert_emu_next(v, ev, 2, 0xe6, 0xe0);       /* out 0xe0, al */
    assert_emu_next(v, ev, 1, 0xee);             /* out dx, al */
    assert_emu_next(v, ev, 2, 0x66, 0xef);       /* out dx, ax */
    assert_emu_next(v, ev, 1, 0xef);             /* out dx, eax */
    assert_emu_next(v, ev, 3, 0x66, 0xe7, 0xe4); /* out 0xe4, ax */
    assert_int_equal(t->n, 5);
    assert_log(t, 0, 0xe0, 1, 0xd4, true);
    assert_log(t, 1, 0xe2, 1, 0xd4, true);
    assert_log(t, 2, 0xe2, 2, 0xc3d4, true);
    assert_log(t, 3, 0xe2, 4, 0xa1b2c3d4, true);
    assert_log(t, 4, 0xe4, 2, 0xc3d4, true);
}

/* in: the destination keeps the bits above the operand size. */
static void test_in_sizes(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct test_port *t = tp_of(v);
    struct event ev;
    v->gpr[GPR_EAX] = 0xdeadbeef;
    v->gpr[GPR_EDX] = 0xe5;
    assert_emu_next(v, ev, 2, 0xe4, 0xe1); /* in al, 0xe1 */
    assert_int_equal(v->gpr[GPR_EAX], 0xdeadbe44);
    assert_emu_next(v, ev, 2, 0x66, 0xed); /* in ax, dx */
    assert_int_equal(v->gpr[GPR_EAX], 0xdead3345);
    assert_emu_next(v, ev, 1, 0xed); /* in eax, dx */
    assert_int_equal(v->gpr[GPR_EAX], 0x11223346);
    assert_log(t, 0, 0xe1, 1, 0x11223344, false);
    assert_log(t, 1, 0xe5, 2, 0x11223345, false);
    assert_log(t, 2, 0xe5, 4, 0x11223346, false);
    /* A port nobody decodes reads as all ones. */
    v->gpr[GPR_EDX] = 0x5555;
    assert_emu_next(v, ev, 1, 0xed);
    assert_int_equal(v->gpr[GPR_EAX], 0xffffffff);
    assert_int_equal(t->n, 3);
    assert_int_equal(v->vm->stats.co_io, 4);
    assert_int_equal(v->vm->stats.co_total, 4);
}

/* rep outsb forward, rep outsw backward. */
static void test_rep_outs_directions(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct test_port *t = tp_of(v);
    struct event ev;
    memcpy(fx_mem(v, 0x8000, 6), "hello!", 6);
    v->gpr[GPR_EDX] = 0xe3;
    v->gpr[GPR_ESI] = 0x8000;
    v->gpr[GPR_ECX] = 5;
    assert_emu_next(v, ev, 2, 0xf3, 0x6e); /* rep outsb */
    assert_int_equal(t->n, 5);
    for (unsigned i = 0; i < 5; i++)
        assert_log(t, i, 0xe3, 1, (uint8_t)"hello"[i], true);
    assert_int_equal(v->gpr[GPR_ESI], 0x8005);
    assert_int_equal(v->gpr[GPR_ECX], 0);
    /* DF = 1: words from the last one down. */
    t->n = 0;
    wr16(v, 0x9000, 0x1111);
    wr16(v, 0x9002, 0x2222);
    wr16(v, 0x9004, 0x3333);
    v->eflags |= EFLAGS_DF;
    v->gpr[GPR_ESI] = 0x9004;
    v->gpr[GPR_ECX] = 3;
    assert_emu_next(v, ev, 3, 0x66, 0xf3, 0x6f); /* rep outsw */
    assert_int_equal(t->n, 3);
    assert_log(t, 0, 0xe3, 2, 0x3333, true);
    assert_log(t, 1, 0xe3, 2, 0x2222, true);
    assert_log(t, 2, 0xe3, 2, 0x1111, true);
    assert_int_equal(v->gpr[GPR_ESI], 0x8ffe);
}

/* rep insd forward and backward into ES:EDI. */
static void test_rep_ins_directions(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_EDX] = 0xe0;
    v->gpr[GPR_EDI] = 0x8000;
    v->gpr[GPR_ECX] = 3;
    assert_emu_next(v, ev, 2, 0xf3, 0x6d); /* rep insd */
    assert_int_equal(rd32(v, 0x8000), 0x11223344);
    assert_int_equal(rd32(v, 0x8004), 0x11223345);
    assert_int_equal(rd32(v, 0x8008), 0x11223346);
    assert_int_equal(v->gpr[GPR_EDI], 0x800c);
    assert_int_equal(v->gpr[GPR_ECX], 0);
    v->eflags |= EFLAGS_DF;
    v->gpr[GPR_ECX] = 2;
    v->gpr[GPR_EDI] = 0x9000;
    assert_emu_next(v, ev, 2, 0xf3, 0x6c); /* rep insb */
    assert_int_equal(*fx_mem(v, 0x9000, 1), 0x47);
    assert_int_equal(*fx_mem(v, 0x8fff, 1), 0x48);
    assert_int_equal(v->gpr[GPR_EDI], 0x8ffe);
    /* Without rep: one element, ECX untouched. */
    v->gpr[GPR_ECX] = 7;
    assert_emu_next(v, ev, 1, 0x6c);
    assert_int_equal(v->gpr[GPR_ECX], 7);
    assert_int_equal(v->gpr[GPR_EDI], 0x8ffd);
}

/* rep with ECX = 0 touches nothing. */
static void test_rep_zero_count(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    v->gpr[GPR_EDX] = 0xe0;
    v->gpr[GPR_ECX] = 0;
    v->gpr[GPR_EDI] = 0x8000;
    assert_emu_next(v, ev, 2, 0xf3, 0x6c);
    assert_emu_next(v, ev, 2, 0xf3, 0x6e);
    assert_int_equal(tp_of(v)->n, 0);
    assert_int_equal(v->gpr[GPR_EDI], 0x8000);
}

/* Address size 16: CX, DI and SI count and wrap at 64 KiB; the upper
 * halves of ECX/EDI/ESI stay. */
static void test_rep_addr16(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct test_port *t = tp_of(v);
    struct event ev;
    v->gpr[GPR_EDX] = 0xe0;
    v->gpr[GPR_ECX] = 0x77770003;
    v->gpr[GPR_EDI] = 0x1234fffe;
    assert_emu_next(v, ev, 3, 0x67, 0xf3, 0x6c); /* rep insb, a16 */
    assert_int_equal(*fx_mem(v, 0xfffe, 1), 0x44);
    assert_int_equal(*fx_mem(v, 0xffff, 1), 0x45);
    assert_int_equal(*fx_mem(v, 0x0000, 1), 0x46);
    assert_int_equal(v->gpr[GPR_EDI], 0x12340001);
    assert_int_equal(v->gpr[GPR_ECX], 0x77770000);
    t->n = 0;
    memcpy(fx_mem(v, 0x0100, 2), "ab", 2);
    v->gpr[GPR_ECX] = 0xabcd0002;
    v->gpr[GPR_ESI] = 0x99990100;
    assert_emu_next(v, ev, 3, 0x67, 0xf3, 0x6e); /* rep outsb, a16 */
    assert_log(t, 0, 0xe0, 1, 'a', true);
    assert_log(t, 1, 0xe0, 1, 'b', true);
    assert_int_equal(v->gpr[GPR_ESI], 0x99990102);
    assert_int_equal(v->gpr[GPR_ECX], 0xabcd0000);
}

/* outs honours a segment override; ins always writes ES:EDI. */
static void test_string_segments(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct test_port *t = tp_of(v);
    struct event ev;
    fx_set_gdt(v, SEL_FREE, mkdesc(0x50000, 0xffff, AB_DATA0, 0x4));
    fx_load(v, SREG_FS, SEL_FREE);
    *fx_mem(v, 0x50010, 1) = 'F';
    *fx_mem(v, 0x00010, 1) = 'D';
    v->gpr[GPR_EDX] = 0xe0;
    v->gpr[GPR_ESI] = 0x10;
    assert_emu_next(v, ev, 2, 0x64, 0x6e); /* outsb fs:[esi] */
    assert_log(t, 0, 0xe0, 1, 'F', true);
    v->gpr[GPR_ESI] = 0x10;
    assert_emu_next(v, ev, 1, 0x6e); /* outsb ds:[esi] */
    assert_log(t, 1, 0xe0, 1, 'D', true);
    v->gpr[GPR_EDI] = 0x20;
    assert_emu_next(v, ev, 2, 0x64, 0x6c); /* fs: insb: the prefix does not apply */
    assert_int_equal(*fx_mem(v, 0x20, 1), 0x44);
    assert_int_equal(*fx_mem(v, 0x50020, 1), 0);
}

/* A fault in the middle of rep ins/outs leaves ECX/EDI/ESI at the
 * elements done and EIP at the instruction; re-running finishes it. */
static void test_rep_fault_restartable(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct test_port *t = tp_of(v);
    struct event ev;
    fx_set_gdt(v, SEL_FREE, mkdesc(0, 0x1002, AB_DATA0, 0x4)); /* ES limit 0x1002 */
    fx_load(v, SREG_ES, SEL_FREE);
    v->gpr[GPR_EDX] = 0xe0;
    v->gpr[GPR_EDI] = 0x1000;
    v->gpr[GPR_ECX] = 5;
    assert_emu_fault(v, ev, VEC_GP, 0, 0xf3, 0x6c);
    assert_int_equal(v->gpr[GPR_EDI], 0x1003);
    assert_int_equal(v->gpr[GPR_ECX], 2);
    assert_int_equal(t->n, 3); /* the faulting element read no port */
    fx_set_gdt(v, SEL_FREE, mkdesc(0, 0xffff, AB_DATA0, 0x4));
    fx_load(v, SREG_ES, SEL_FREE);
    assert_emu_next(v, ev, 2, 0xf3, 0x6c);
    assert_int_equal(v->gpr[GPR_EDI], 0x1005);
    assert_int_equal(v->gpr[GPR_ECX], 0);
    for (unsigned i = 0; i < 5; i++)
        assert_int_equal(*fx_mem(v, 0x1000 + i, 1), 0x44 + i);
    /* outsd: DS limit stops the second dword. */
    t->n = 0;
    fx_set_gdt(v, SEL_FREE + 8, mkdesc(0, 0x2005, AB_DATA0, 0x4));
    fx_load(v, SREG_DS, SEL_FREE + 8);
    wr32(v, 0x2000, 0xcafef00d);
    v->gpr[GPR_ESI] = 0x2000;
    v->gpr[GPR_ECX] = 3;
    assert_emu_fault(v, ev, VEC_GP, 0, 0xf3, 0x6f);
    assert_int_equal(t->n, 1);
    assert_log(t, 0, 0xe0, 4, 0xcafef00d, true);
    assert_int_equal(v->gpr[GPR_ESI], 0x2004);
    assert_int_equal(v->gpr[GPR_ECX], 2);
}

/* A very long rep yields with EIP still on the instruction and the count
 * reduced, then finishes when run again. */
static void test_rep_yields(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    unsigned runs = 0;
    v->gpr[GPR_EDX] = 0xe0;
    v->gpr[GPR_EDI] = 0x100000;
    v->gpr[GPR_ECX] = 100000;
    while (v->eip == FX_EIP) {
        assert_int_equal(EMU(v, &ev, 0xf3, 0x6c), EMU_NEXT);
        assert_true(++runs < 1000);
    }
    assert_true(runs > 1);
    assert_int_equal(v->eip, FX_EIP + 2);
    assert_int_equal(v->gpr[GPR_ECX], 0);
    assert_int_equal(v->gpr[GPR_EDI], 0x100000 + 100000);
    assert_int_equal(*fx_mem(v, 0x100000 + 99999, 1), (uint8_t)(0x44 + 99999));
}

/* The TSS I/O bitmap: base 0x68, 32 bytes for ports 0-0xff, then 0xff;
 * ports e0-e3 and e6-e9 allowed, everything else denied. */
static void setup_bitmap(struct vcpu *v)
{
    fx_set_gdt(v, SEL_TSS_A, mkdesc(FX_TSS_A, 0x68 + 32, 0x8b, 0));
    v->tr = desc_to_seg(SEL_TSS_A, fx_gdt(v, SEL_TSS_A));
    wr16(v, FX_TSS_A + 0x66, 0x68);
    memset(fx_mem(v, FX_TSS_A + 0x68, 33), 0xff, 33);
    *fx_mem(v, FX_TSS_A + 0x68 + 0x1c, 1) = 0x30; /* e0-e3, e6, e7 clear; e4, e5 set */
    *fx_mem(v, FX_TSS_A + 0x68 + 0x1d, 1) = 0xfc; /* e8, e9 clear */
    *fx_mem(v, FX_TSS_A + 0x68 + 0x1f, 1) = 0x7f; /* ff clear */
    fx_user(v, 0);
}

static void test_io_bitmap(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    setup_bitmap(v);
    assert_emu_next(v, ev, 2, 0xe4, 0xe0);       /* in al, 0xe0 */
    assert_emu_next(v, ev, 2, 0xe5, 0xe0);       /* in eax, 0xe0: e0-e3 */
    assert_emu_fault(v, ev, VEC_GP, 0, 0xe5, 0xe1); /* e1-e4: e4 denied */
    assert_emu_fault(v, ev, VEC_GP, 0, 0x66, 0xe5, 0xe3); /* e3-e4 */
    assert_emu_next(v, ev, 3, 0x66, 0xe7, 0xe2); /* out 0xe2, ax */
    assert_emu_fault(v, ev, VEC_GP, 0, 0xe6, 0xe4); /* out 0xe4, al */
    /* e6-e9 straddles two bitmap bytes. */
    v->gpr[GPR_EDX] = 0xe6;
    assert_emu_next(v, ev, 1, 0xed);
    v->gpr[GPR_EDX] = 0xe7;
    assert_emu_fault(v, ev, VEC_GP, 0, 0xed); /* e7-ea: ea denied */
    /* Port ff: its bit and the 0xff byte after it are inside the limit. */
    assert_emu_next(v, ev, 2, 0xe4, 0xff);
    /* Port 0x100 would need bitmap bytes past the limit. */
    v->gpr[GPR_EDX] = 0x100;
    assert_emu_fault(v, ev, VEC_GP, 0, 0xec);
    /* String forms check too, before touching anything. */
    v->gpr[GPR_EDX] = 0xe4;
    v->gpr[GPR_ECX] = 2;
    v->gpr[GPR_EDI] = 0x8000;
    assert_emu_fault(v, ev, VEC_GP, 0, 0xf3, 0x6c);
    assert_int_equal(v->gpr[GPR_ECX], 2);
    assert_int_equal(v->gpr[GPR_EDI], 0x8000);
    v->gpr[GPR_EDX] = 0xe0;
    assert_emu_next(v, ev, 2, 0xf3, 0x6c);
    assert_int_equal(v->gpr[GPR_ECX], 0);
}

/* CPL <= IOPL skips the bitmap; so does CPL 0. */
static void test_io_iopl(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    setup_bitmap(v);
    vcpu_set_eflags(v, vcpu_get_eflags(v) | EFLAGS_IOPL);
    assert_emu_next(v, ev, 2, 0xe6, 0xe4); /* denied by the bitmap, allowed by IOPL 3 */
    fx_reset(v->vm);
    wr16(v, FX_TSS_A + 0x66, 0x68); /* no bitmap at all */
    assert_emu_next(v, ev, 2, 0xe6, 0xe4); /* CPL 0 */
    v->cpl = 1;
    assert_emu_fault(v, ev, VEC_GP, 0, 0xe6, 0xe4); /* CPL 1 > IOPL 0, no bitmap */
}

/* Only a 32-bit TSS has a bitmap. */
static void test_io_16bit_tss(void **state)
{
    struct vcpu *v = fx_cpu(state);
    struct event ev;
    setup_bitmap(v);
    v->tr.attr = (v->tr.attr & ~SEG_ATTR_TYPE_MASK) | SYS_TSS16_BUSY;
    assert_emu_fault(v, ev, VEC_GP, 0, 0xe4, 0xe0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IO_TEST(test_out_sizes),        IO_TEST(test_in_sizes),          IO_TEST(test_rep_outs_directions),
        IO_TEST(test_rep_ins_directions), IO_TEST(test_rep_zero_count),  IO_TEST(test_rep_addr16),
        IO_TEST(test_string_segments),  IO_TEST(test_rep_fault_restartable), IO_TEST(test_rep_yields),
        IO_TEST(test_io_bitmap),        IO_TEST(test_io_iopl),           IO_TEST(test_io_16bit_tss),
    };
    return cmocka_run_group_tests(tests, io_group_setup, io_group_teardown);
}
