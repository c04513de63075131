/*
 * testdev.c: the testdev guest — QEMU's pc-testdev (-device pc-testdev),
 * the device kvm-unit-tests' emulator, eventinj and realmode tests use:
 *   - the data register at 0xe0-0xe3: a dword written reads back whole and
 *     by bytes and words at their offsets; a byte write changes one byte;
 *   - its byte-wise window at 0xe8-0xeb shows the same register, a word
 *     written at 0xea lands in bytes 2-3, and an unaligned word at 0xe9 is
 *     dropped (QEMU refuses unaligned accesses to the device);
 *   - rep outsb/insb move bytes through the register (string I/O);
 *   - the flush-page port 0xe4 changes no memory;
 *   - the 64 KiB at 0xff000000 behave as memory for 1-, 2- and 4-byte
 *     accesses and for movs between it and RAM;
 *   - port 0x2000 + n drives ISA line n: with the 8259 set up and IRQ 5
 *     unmasked, writing 1 to port 0x2005 interrupts the CPU at vector 0x25,
 *     taken right after the instruction that follows sti (SDM Vol. 3A
 *     §6.8.3), before the cli two instructions later.
 * The ctest passes -device pc-testdev on btvisor and on QEMU alike.
 */
#include "rt.h"

RT_GUEST("testdev");

#define DATA 0xe0
#define FLUSH 0xe4
#define BYTES 0xe8
#define IRQ_PORT(n) (0x2000 + (n))
#define IOMEM ((volatile uint8_t *)0xff000000u)
#define VEC_BASE 0x20

static void test_data_register(void)
{
    outl(DATA, 0x12345678);
    rt_eq(inl(DATA), 0x12345678, "outl/inl on the data register 0xe0");
    rt_eq(inb(DATA + 1), 0x56, "inb 0xe1 reads byte 1");
    rt_eq(inw(DATA + 2), 0x1234, "inw 0xe2 reads bytes 2-3");
    outb(DATA + 3, 0xab);
    rt_eq(inl(DATA), 0xab345678, "outb 0xe3 changes byte 3 only");
    rt_eq(inl(BYTES), 0xab345678, "the byte-wise window 0xe8 shows the same register");
    outw(BYTES + 2, 0xcdef);
    rt_eq(inl(DATA), 0xcdef5678, "outw 0xea writes bytes 2 and 3");
    outw(BYTES + 1, 0x1111);
    rt_eq(inl(DATA), 0xcdef5678, "an unaligned outw at 0xe9 is dropped");
}

static void test_string_io(void)
{
    static uint8_t src[4] = { 1, 2, 3, 4 }, dst[4];
    uint32_t n = 4, p = (uint32_t)src;
    asm volatile("cld; rep outsb" : "+S"(p), "+c"(n) : "d"(DATA) : "memory");
    rt_eq(inb(DATA), 4, "rep outsb: the last byte written is in the register");
    outl(DATA, 0x0000009a);
    n = 4;
    p = (uint32_t)dst;
    asm volatile("cld; rep insb" : "+D"(p), "+c"(n) : "d"(DATA) : "memory");
    rt_ok(dst[0] == 0x9a && dst[3] == 0x9a, "rep insb reads the register four times");
    rt_eq(p, (uint32_t)dst + 4, "rep insb advances EDI by the count");
}

static void test_flush_and_iomem(void)
{
    static volatile uint32_t page_word = 0x5a5a1234;
    outl(FLUSH, (uint32_t)&page_word);
    rt_eq(page_word, 0x5a5a1234, "the flush-page port leaves the page's contents alone");
    IOMEM[0] = 0x11;
    IOMEM[1] = 0x22;
    rt_eq(*(volatile uint16_t *)IOMEM, 0x2211, "device memory: two byte stores, one word load");
    *(volatile uint32_t *)(IOMEM + 0x100) = 0xdeadbeef;
    rt_eq(*(volatile uint32_t *)(IOMEM + 0x100), 0xdeadbeef, "device memory: dword round trip");
    rt_eq(IOMEM[0x103], 0xde, "device memory is little-endian");
    *(volatile uint32_t *)(IOMEM + 0xfffc) = 0x01020304;
    rt_eq(*(volatile uint32_t *)(IOMEM + 0xfffc), 0x01020304, "the last dword of the 64 KiB");
    static uint32_t ram[2] = { 0x11111111, 0x22222222 }, back[2];
    uint32_t s = (uint32_t)ram, d = 0xff000200u, n = 2;
    asm volatile("cld; rep movsl" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    s = 0xff000200u;
    d = (uint32_t)back;
    n = 2;
    asm volatile("cld; rep movsl" : "+S"(s), "+D"(d), "+c"(n) : : "memory");
    rt_ok(back[0] == 0x11111111 && back[1] == 0x22222222, "rep movsl to device memory and back");
}

static volatile unsigned irq5_seen;

static void on_irq5(struct rt_frame *f)
{
    (void)f;
    irq5_seen++;
    outb(IRQ_PORT(5), 0); /* lower the line before the EOI */
    outb(0x20, 0x20);     /* non-specific EOI (8259A OCW2) */
}

/* 8259A ICW1-ICW4: vectors 0x20 and 0x28, cascade on IRQ 2, 8086 mode; all masked. */
static void pic_init(void)
{
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, VEC_BASE);
    outb(0xa1, VEC_BASE + 8);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

static void test_irq_line(void)
{
    pic_init();
    rt_set_handler(VEC_BASE + 5, on_irq5);
    outb(0x21, 0xff & ~(1u << 5)); /* unmask IRQ 5 only */
    irq5_seen = 0;
    outb(IRQ_PORT(5), 1);
    asm volatile("sti; nop; cli" ::: "memory");
    rt_eq(irq5_seen, 1, "writing 1 to port 0x2005 raises IRQ 5 (vector 0x25), taken between sti; nop and cli");
    rt_eq(inb(IRQ_PORT(5)), 0, "the interrupt ports read as 0");
    outb(0x21, 0xff);
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    test_data_register();
    test_string_io();
    test_flush_and_iomem();
    test_irq_line();
}
