/*
 * absent_mem.c: the absent_mem guest — x87, SSE, MMX, integer, stack and
 * string instructions whose memory operand is on physical memory with
 * nothing behind it, or on a device, behave as on a PC.
 *
 * On a PC bus a read nobody claims floats to all-ones and a write is lost;
 * btvisor's translated code cannot touch such an address, so the monitor
 * makes the access (monitor/emu_memop*.c) or runs the instruction on a copy
 * of its operand (monitor/run_bounce.c).  With paging off, ABSENT (512 MiB,
 * far above the 64 MiB of RAM) has nothing behind it; DEV is pc-testdev's
 * 64 KiB of device memory at 0xff000000, which keeps what is written
 * (-device pc-testdev, on btvisor and QEMU alike; QEMU reads unassigned
 * memory as 0, so there only the device checks run).  Checked:
 *   - loads: fld/fild, pxor/paddd with XMM, movq/pxor with MMX, div/mul/
 *     idiv, pop, leave, xlat, lods/movs, all reading 0xff bytes;
 *   - stores are dropped: fstp, movq, stmxcsr, push, stos, then a read;
 *   - exceptions at the instruction: a misaligned 128-bit SSE operand
 *     #GP(0), ldmxcsr of all-ones (reserved bits) #GP(0), div overflow
 *     #DE, a pending unmasked x87 exception #MF at the next fld;
 *   - device memory: fstp/fld, fistp's integer indefinite, movq, movntps,
 *     maskmovq (only the bytes its mask selects change), fnstenv;
 *   - executing absent memory fetches FF FF, an invalid opcode: #UD;
 *   - the same loads from ring 3 code (run directly or translated).
 */
#include "rt.h"

RT_GUEST("absent_mem");

#define ABSENT 0x20000000u
#define DEV 0xff000000u
#define CR4_OSFXSR 0x200u
#define CR4_OSXMMEXCPT 0x400u
#define CR0_EM 0x4u
#define CR0_MP 0x2u
#define CR0_NE 0x20u

static void fpu_enable(void)
{
    uint32_t cr4;
    rt_write_cr0((rt_read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE);
    asm volatile("movl %%cr4, %0" : "=r"(cr4));
    asm volatile("movl %0, %%cr4" ::"r"(cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT));
    asm volatile("fninit");
}

static uint32_t absent_word(uint32_t off) { return *(volatile uint32_t *)(ABSENT + off); }

static void test_x87(void)
{
    uint32_t f32 = 0, lo = 0, hi = 0, i32 = 0;
    asm volatile("flds (%1); fstps %0" : "=m"(f32) : "r"(ABSENT) : "memory");
    rt_eq(f32, 0xffffffffu, "fld dword from absent memory loads the all-ones NaN");
    uint32_t q[2];
    asm volatile("fldl (%1); fstpl %0" : "=m"(q) : "r"(ABSENT + 8) : "memory");
    lo = q[0];
    hi = q[1];
    rt_ok(lo == 0xffffffffu && hi == 0xffffffffu, "fld qword from absent memory: all-ones (%x:%x)", hi, lo);
    asm volatile("fildl (%1); fistpl %0" : "=m"(i32) : "r"(ABSENT) : "memory");
    rt_eq(i32, 0xffffffffu, "fild dword from absent memory loads -1");
    uint16_t sw;
    asm volatile("fld1; fstps (%1); fnstsw %0" : "=a"(sw) : "r"(ABSENT + 16) : "memory");
    rt_eq((sw >> 11) & 7, 0, "fstp to absent memory pops the stack (TOP back to 0)");
    rt_eq(absent_word(16), 0xffffffffu, "the fstp to absent memory was dropped");
    uint32_t two = 2;
    asm volatile("fildl %1; fcomps (%2); fnstsw %0" : "=a"(sw) : "m"(two), "r"(ABSENT) : "memory");
    rt_eq(sw & 0x4500, 0x4500, "fcomp with the NaN from absent memory: unordered (C3 C2 C0)");
    asm volatile("fninit");
}

static void test_sse(void)
{
    static const uint32_t pat[4] __attribute__((aligned(16))) = { 0x01234567, 0x89abcdef, 0x00ff00ff, 0x12345678 };
    uint32_t out[4] __attribute__((aligned(16)));
    asm volatile("movdqa %1, %%xmm0; pxor (%2), %%xmm0; movdqu %%xmm0, %0"
                 : "=m"(out) : "m"(pat), "r"(ABSENT + 0x40) : "memory");
    rt_ok(out[0] == ~pat[0] && out[1] == ~pat[1] && out[2] == ~pat[2] && out[3] == ~pat[3],
          "pxor xmm with absent memory: the complement (%x %x %x %x)", out[0], out[1], out[2], out[3]);
    asm volatile("movdqa %1, %%xmm1; paddd (%2), %%xmm1; movdqu %%xmm1, %0"
                 : "=m"(out) : "m"(pat), "r"(ABSENT + 0x40) : "memory");
    rt_ok(out[0] == pat[0] - 1 && out[3] == pat[3] - 1, "paddd xmm with absent memory adds -1 to each lane");
    uint32_t q[2] = { 0, 0 };
    asm volatile("movsd (%1), %%xmm3; movq %%xmm3, %0" : "=m"(q) : "r"(ABSENT) : "memory");
    rt_ok(q[0] == 0xffffffffu && q[1] == 0xffffffffu, "movsd xmm (SSE2, not the string movsd) from absent memory");
    uint32_t mx = 0, at;
    asm volatile("stmxcsr (%1); stmxcsr %0" : "=m"(mx) : "r"(ABSENT + 0x80) : "memory");
    rt_eq(mx, 0x1f80, "stmxcsr still works (reset MXCSR)");
    rt_eq(absent_word(0x80), 0xffffffffu, "stmxcsr to absent memory was dropped");

    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, %0\n1: pxor 8(%1), %%xmm0" RT_TRY_END
                 : "=m"(at) : "r"(ABSENT + 0x40) : "memory");
    rt_expect_trap(13, 0, at, "pxor xmm with a misaligned operand in absent memory raises #GP(0)");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, %0\n1: ldmxcsr (%1)" RT_TRY_END : "=m"(at) : "r"(ABSENT) : "memory");
    rt_expect_trap(13, 0, at, "ldmxcsr of all-ones (reserved bits) from absent memory raises #GP(0)");
    asm volatile("stmxcsr %0" : "=m"(mx));
    rt_eq(mx, 0x1f80, "the faulting ldmxcsr left MXCSR alone");
}

static void test_mmx(void)
{
    static const uint32_t pat[2] = { 0x11223344, 0x55667788 };
    uint32_t out[2];
    asm volatile("movq (%1), %%mm0; movq %%mm0, %0" : "=m"(out) : "r"(ABSENT) : "memory");
    rt_ok(out[0] == 0xffffffffu && out[1] == 0xffffffffu, "movq mm from absent memory: all-ones");
    asm volatile("movq %1, %%mm1; pxor (%2), %%mm1; movq %%mm1, %0" : "=m"(out) : "m"(pat), "r"(ABSENT) : "memory");
    rt_ok(out[0] == ~pat[0] && out[1] == ~pat[1], "pxor mm with absent memory: the complement");
    asm volatile("movq %0, %%mm2; movq %%mm2, (%1)" ::"m"(pat), "r"(ABSENT + 0x20) : "memory");
    rt_eq(absent_word(0x20), 0xffffffffu, "movq mm to absent memory was dropped");
    asm volatile("emms");
}

static void test_integer(void)
{
    uint32_t eax = 0x12345678, edx = 0, at;
    asm volatile("divl (%2)" : "+a"(eax), "+d"(edx) : "r"(ABSENT) : "memory", "cc");
    rt_ok(eax == 0 && edx == 0x12345678, "div by 0xffffffff from absent memory (eax %x edx %x)", eax, edx);
    eax = 2;
    asm volatile("mull (%2)" : "+a"(eax), "=d"(edx) : "r"(ABSENT) : "memory", "cc");
    rt_ok(eax == 0xfffffffeu && edx == 1, "mul by 0xffffffff from absent memory (edx:eax %x:%x)", edx, eax);
    eax = 6;
    edx = 0;
    asm volatile("idivl (%2)" : "+a"(eax), "+d"(edx) : "r"(ABSENT) : "memory", "cc");
    rt_eq(eax, (uint32_t)-6, "idiv by -1 from absent memory");
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $0xffffffff, %%edx\n\tmovl $1f, %0\n1: divl (%1)" RT_TRY_END
                 : "=m"(at) : "r"(ABSENT) : "memory", "eax", "edx", "cc");
    rt_expect_trap(0, RT_ANY_ERROR, at, "div overflow by absent memory raises #DE");
    uint32_t al = 0x1234;
    asm volatile("xlat" : "+a"(al) : "b"(ABSENT) : "memory");
    rt_eq(al, 0x12ff, "xlat from absent memory: AL = 0xff");
}

/* With ESP in absent memory: pushes are lost and pops read all-ones.  No
 * exception may happen meanwhile (its frame would be lost too). */
uint32_t saved_esp, saved_ebp, got_pop, got_popf, got_esp, got_leave_ebp, got_leave_esp;

static void test_stack(void)
{
    asm volatile("movl %%esp, saved_esp\n\t"
                 "movl %%ebp, saved_ebp\n\t"
                 "movl %0, %%esp\n\t"
                 "pushl $0x55\n\t"
                 "popl got_pop\n\t"
                 "pushfl\n\t"
                 "popl %%eax\n\t"
                 "movl %%eax, got_popf\n\t"
                 "pushl %%esp\n\t"
                 "popl %%eax\n\t"
                 "movl %%esp, got_esp\n\t"
                 "movl %0, %%ebp\n\t"
                 "leave\n\t"
                 "movl %%ebp, got_leave_ebp\n\t"
                 "movl %%esp, got_leave_esp\n\t"
                 "movl saved_ebp, %%ebp\n\t"
                 "movl saved_esp, %%esp"
                 ::"i"(ABSENT + 0x1000) : "eax", "memory");
    rt_eq(got_pop, 0xffffffffu, "push imm then pop with the stack in absent memory: all-ones");
    rt_eq(got_popf, 0xffffffffu, "pushf then pop there: all-ones");
    rt_eq(got_esp, ABSENT + 0x1000, "ESP moved by the pushes and pops as on a PC");
    rt_eq(got_leave_ebp, 0xffffffffu, "leave with EBP in absent memory: EBP = all-ones");
    rt_eq(got_leave_esp, ABSENT + 0x1004, "leave: ESP = EBP + 4");
}

static void test_strings(void)
{
    static uint32_t dst[4];
    uint32_t s = ABSENT, d = (uint32_t)dst, n = 4;
    asm volatile("cld; rep movsl" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    rt_ok(dst[0] == 0xffffffffu && dst[3] == 0xffffffffu, "rep movsl from absent memory copies all-ones");
    rt_eq(d, (uint32_t)dst + 16, "rep movsl advanced EDI");
    uint32_t a = 0x5a5a5a5a;
    d = ABSENT + 0x100;
    n = 4;
    asm volatile("cld; rep stosl" : "+D"(d), "+c"(n) : "a"(a) : "memory");
    rt_eq(absent_word(0x100), 0xffffffffu, "rep stosl to absent memory was dropped");
    s = ABSENT;
    asm volatile("lodsl" : "=a"(a), "+S"(s) : : "memory");
    rt_eq(a, 0xffffffffu, "lodsl from absent memory");
}

/* An x87 exception left pending is reported by the next waiting x87
 * instruction, before it touches its operand (SDM Vol. 1 §8.6). */
static void test_pending_x87(void)
{
    if (rt_on_qemu()) {
        rt_skip("QEMU raises #MF at the faulting instruction", "pending x87 exception: #MF at the next fld");
        return;
    }
    uint16_t fcw = 0x037b, sw; /* all masked but ZE */
    uint32_t at, one = 0x3f800000; /* 1.0f */
    asm volatile("fninit; fldcw %0" ::"m"(fcw));
    asm volatile("fldz; fdivrs %0" ::"m"(one) : "memory"); /* 1/0: ZE, unmasked: pending */
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl $1f, %0\n1: flds (%1)" RT_TRY_END : "=m"(at) : "r"(ABSENT) : "memory");
    rt_expect_trap(16, RT_ANY_ERROR, at, "fld from absent memory with a pending ZE raises #MF there");
    asm volatile("fnstsw %0" : "=a"(sw));
    rt_eq((sw >> 11) & 7, 7, "the fld did not run: one register on the stack (TOP = 7)");
    asm volatile("fninit");
}

static void test_device(void)
{
    volatile uint32_t *dev = (volatile uint32_t *)DEV;
    for (unsigned i = 0; i < 16; i++)
        dev[i] = 0xa0a0a0a0u + i;
    static const uint32_t one_half[2] = { 0, 0x3fe00000 }; /* 0.5 as a double */
    asm volatile("fldl %0; fstpl (%1)" ::"m"(one_half), "r"(DEV) : "memory");
    rt_ok(dev[0] == 0 && dev[1] == 0x3fe00000 && dev[2] == 0xa0a0a0a2u, "fstp qword to device memory writes 8 bytes");
    uint32_t f32;
    dev[4] = 0x40490fdb; /* pi as a float */
    asm volatile("flds (%1); fstps %0" : "=m"(f32) : "r"(DEV + 16) : "memory");
    rt_eq(f32, 0x40490fdb, "fld dword from device memory");
    static const uint32_t big[2] = { 0, 0x42000000 }; /* 2^33 as a double */
    dev[5] = 0xbbbbbbbb;
    asm volatile("fninit; fldl %0; fistps (%1); fninit" ::"m"(big), "r"(DEV + 20) : "memory");
    rt_eq(dev[5], 0xbbbb8000u, "fistp word of 2^33 (IE masked) stores the integer indefinite, 2 bytes");
    static const uint32_t pat[4] __attribute__((aligned(16))) = { 1, 2, 3, 4 };
    asm volatile("movdqa %0, %%xmm2; movntps %%xmm2, (%1)" ::"m"(pat), "r"(DEV + 0x40) : "memory");
    rt_ok(dev[16] == 1 && dev[19] == 4, "movntps to device memory writes 16 bytes");
    static const uint32_t q[2] = { 0x44332211, 0x88776655 }, mask[2] = { 0x0080ff00, 0x80000000 };
    dev[8] = 0xcccccccc;
    dev[9] = 0xcccccccc;
    asm volatile("movq %0, %%mm0; movq %1, %%mm1; maskmovq %%mm1, %%mm0; emms"
                 ::"m"(q), "m"(mask), "D"(DEV + 32) : "memory");
    rt_ok(dev[8] == 0xcc3322cc && dev[9] == 0x88cccccc,
          "maskmovq to device memory changes only the bytes its mask selects (%x %x)", dev[8], dev[9]);
    dev[10] = 0x11111111;
    dev[11] = 0x22222222;
    uint32_t out[2];
    asm volatile("movq (%1), %%mm3; movq %%mm3, %0; emms" : "=m"(out) : "r"(DEV + 40) : "memory");
    rt_ok(out[0] == 0x11111111 && out[1] == 0x22222222, "movq mm from device memory");
    for (unsigned i = 32; i < 40; i++)
        dev[i] = 0xeeeeeeee;
    asm volatile("fninit; fnstenv (%0)" ::"r"(DEV + 128) : "memory");
    rt_ok((dev[32] & 0xffff) == 0x037f && dev[39] == 0xeeeeeeee,
          "fnstenv to device memory writes its 28 bytes (FCW %x) and no more", dev[32] & 0xffff);
    uint32_t eax = 100, edx = 0;
    dev[12] = 7;
    asm volatile("divl (%2)" : "+a"(eax), "+d"(edx) : "r"(DEV + 48) : "memory", "cc");
    rt_ok(eax == 14 && edx == 2, "div by device memory");
}

/* A fetch reads the all-ones too: FF FF is FF /7, an invalid opcode. */
static void test_execute(void)
{
    rt_trap_reset();
    asm volatile(RT_TRY_BEGIN "movl %0, %%eax\n\tjmp *%%eax" RT_TRY_END ::"i"(ABSENT + 0x2000) : "eax", "memory");
    rt_expect_trap(6, 0, ABSENT + 0x2000, "executing absent memory raises #UD there");
}

static uint32_t ring3_f32, ring3_div, ring3_pxor[2];

static void ring3_body(void)
{
    uint32_t eax = 0x12345678, edx = 0;
    asm volatile("flds (%1); fstps %0" : "=m"(ring3_f32) : "r"(ABSENT) : "memory");
    asm volatile("divl (%2)" : "+a"(eax), "+d"(edx) : "r"(ABSENT) : "memory", "cc");
    ring3_div = edx;
    asm volatile("pxor %%mm0, %%mm0; pxor (%1), %%mm0; movq %%mm0, %0; emms" : "=m"(ring3_pxor) : "r"(ABSENT) : "memory");
}

static void test_ring3(void)
{
    ring3_f32 = ring3_div = ring3_pxor[0] = 0;
    rt_run_ring(SEL_UCODE, SEL_UDATA, ring3_body, 0x2);
    rt_eq(ring3_f32, 0xffffffffu, "ring 3: fld from absent memory");
    rt_eq(ring3_div, 0x12345678, "ring 3: div by absent memory");
    rt_eq(ring3_pxor[0], 0xffffffffu, "ring 3: pxor mm with absent memory");
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    fpu_enable();
    if (rt_on_qemu()) { /* the reference for the device checks */
        rt_skip("QEMU's unassigned memory reads 0, not a PC bus's all-ones", "the absent-memory checks");
        test_device();
        return;
    }
    rt_eq(absent_word(0), 0xffffffffu, "a dword read of absent memory is all-ones");
    test_x87();
    test_sse();
    test_mmx();
    test_integer();
    test_stack();
    test_strings();
    test_pending_x87();
    test_device();
    test_execute();
    test_ring3();
}
