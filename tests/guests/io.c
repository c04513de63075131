/*
 * io.c: the io guest — port I/O of every size and form: IN/OUT with an
 * immediate port and with DX, 8/16/32 bits, INS/OUTS with REP and both
 * directions, against devices with known behaviour:
 *   - unassigned ports read as all ones (an ISA bus with nothing driving
 *     it floats high; btvisor and QEMU both return 0xff/0xffff/0xffffffff);
 *   - the 16550 UART scratch register (base + 7) holds any byte;
 *   - UART loopback (MCR bit 4, PC16550D data sheet): transmitted bytes
 *     arrive in RBR, and MSR bits 7-4 reflect MCR bits 3-0;
 *   - the PCI configuration address register 0xcf8 latches a dword;
 *   - the POST port 0x80 returns the last byte written on btvisor.  QEMU's
 *     port 0x80 discards writes and reads 0xff, so there (recognised by
 *     rt_on_qemu()) the expected value is 0xff.
 */
#include "rt.h"

RT_GUEST("io");

#define COM1 0x3f8
#define UART_RBR 0
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define LSR_DR 0x01
#define NOWHERE 0x2f0 /* no device on either machine */

static void test_unassigned(void)
{
    uint32_t v;
    rt_eq(inb(NOWHERE), 0xff, "inb from an unassigned port (EC)");
    rt_eq(inw(NOWHERE), 0xffff, "inw from an unassigned port (66 ED)");
    rt_eq(inl(NOWHERE), 0xffffffff, "inl from an unassigned port (ED)");
    v = 0x12345678;
    asm volatile("inb $0xe0, %%al" : "+a"(v)); /* E4: nothing at 0xe0 either */
    rt_eq(v, 0x123456ff, "inb al, imm8 (E4) replaces al only");
    v = 0x12345678;
    asm volatile("inw $0xe0, %%ax" : "+a"(v));
    rt_eq(v, 0x1234ffff, "inw ax, imm8 (66 E5) replaces ax only");
    outb(NOWHERE, 0x55);
    outl(NOWHERE, 0x55555555);
    rt_eq(inb(NOWHERE), 0xff, "writes to an unassigned port are dropped");
}

static void test_post_port(int qemu)
{
    uint32_t want = 0x42;
    asm volatile("outb %%al, $0x80" : : "a"(0x42)); /* E6 */
    if (qemu)
        want = 0xff;
    rt_eq(inb(0x80), want, "port 0x80 reads back the last byte written%s",
          qemu ? " (QEMU: 0xff)" : "");
    outw(0x80, 0x1234);
    rt_eq(inb(0x80), qemu ? 0xff : 0x34, "outw to port 0x80 latches the low byte");
}

static void test_pci_address(void)
{
    outl(0xcf8, 0x80000000);
    rt_eq(inl(0xcf8), 0x80000000, "outl/inl round trip on the PCI address register 0xcf8");
    outl(0xcf8, 0);
}

static void test_scratch(void)
{
    uint32_t v;
    outb(COM1 + UART_SCR, 0xa5);
    rt_eq(inb(COM1 + UART_SCR), 0xa5, "UART scratch register holds 0xa5");
    asm volatile("outb %%al, %%dx\n\tinb %%dx, %%al" : "=a"(v) : "a"(0x5a), "d"(COM1 + UART_SCR));
    rt_eq(v & 0xff, 0x5a, "UART scratch register holds 0x5a (out/in via dx)");
}

static void drain_uart(void)
{
    unsigned n = 0;
    while ((inb(COM1 + UART_LSR) & LSR_DR) && n++ < 64)
        inb(COM1 + UART_RBR);
}

/* Everything observed in loopback mode; checked (printed) only after
 * loopback is off, since output written meanwhile would loop back too. */
struct loop_seen {
    uint32_t msr_all, msr_none, dr, rbr;
    uint32_t esi_up, edi_up, ecx_up, esi_down, edi_down;
    uint8_t back_up[4], back_down[8];
};

static void loopback_run(struct loop_seen *s, const uint8_t *msg)
{
    uint32_t esi, edi, ecx;

    outb(COM1 + UART_MCR, 0x1f); /* loop, OUT2, OUT1, RTS, DTR */
    s->msr_all = inb(COM1 + UART_MSR) & 0xf0;
    outb(COM1 + UART_MCR, 0x10);
    s->msr_none = inb(COM1 + UART_MSR) & 0xf0;
    outb(COM1, 0xc3);
    s->dr = inb(COM1 + UART_LSR) & LSR_DR;
    s->rbr = inb(COM1 + UART_RBR);

    esi = (uint32_t)msg;
    ecx = 4;
    asm volatile("rep outsb" : "+S"(esi), "+c"(ecx) : "d"(COM1) : "memory");
    s->esi_up = esi;
    edi = (uint32_t)s->back_up;
    ecx = 4;
    asm volatile("rep insb" : "+D"(edi), "+c"(ecx) : "d"(COM1) : "memory");
    s->edi_up = edi;
    s->ecx_up = ecx;

    esi = (uint32_t)&msg[7];
    ecx = 4;
    asm volatile("std\n\trep outsb\n\tcld" : "+S"(esi), "+c"(ecx) : "d"(COM1) : "memory");
    s->esi_down = esi;
    edi = (uint32_t)&s->back_down[7];
    ecx = 4;
    asm volatile("std\n\trep insb\n\tcld" : "+D"(edi), "+c"(ecx) : "d"(COM1) : "memory");
    s->edi_down = edi;

    drain_uart();
    outb(COM1 + UART_MCR, 0x03);
}

static void test_loopback(void)
{
    static const uint8_t msg[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    static struct loop_seen s;
    uint32_t i, got = 0;

    while (!(inb(COM1 + UART_LSR) & 0x40)) /* transmitter empty: our text is out */
        ;
    drain_uart();
    loopback_run(&s, msg);

    rt_eq(s.msr_all, 0xf0, "loopback: MSR DCD RI DSR CTS follow MCR");
    rt_eq(s.msr_none, 0x00, "loopback: MSR clear with MCR outputs clear");
    rt_eq(s.dr, LSR_DR, "loopback: data ready after a write");
    rt_eq(s.rbr, 0xc3, "loopback: RBR returns the byte sent");
    rt_eq(s.esi_up, (uint32_t)msg + 4, "rep outsb: esi += 4");
    rt_ok(memcmp(s.back_up, msg, 4) == 0, "loopback: rep insb gets the 4 bytes rep outsb sent");
    rt_eq(s.edi_up, (uint32_t)s.back_up + 4, "rep insb: edi += 4");
    rt_eq(s.ecx_up, 0, "rep insb: ecx = 0");
    rt_eq(s.esi_down, (uint32_t)&msg[3], "rep outsb with DF=1: esi -= 4");
    for (i = 4; i < 8; i++)
        got = got << 8 | s.back_down[i];
    /* sent 88 77 66 55 (downward from msg[7]); stored downward from back_down[7] */
    rt_eq(got, 0x55667788, "loopback with DF=1 on both sides");
    rt_eq(s.edi_down, (uint32_t)&s.back_down[3], "rep insb with DF=1: edi -= 4");
}

static void test_wide_strings(int qemu)
{
    static uint16_t words[4] = {1, 2, 3, 4};
    static uint32_t dwords[3] = {0x11111111, 0x22222233, 0x33333344};
    uint32_t edi = (uint32_t)words, ecx = 3, esi;

    asm volatile("rep insw" : "+D"(edi), "+c"(ecx) : "d"(NOWHERE) : "memory");
    rt_ok(words[0] == 0xffff && words[2] == 0xffff && words[3] == 4,
          "rep insw from an unassigned port stores 3 x 0xffff");
    rt_eq(edi, (uint32_t)words + 6, "rep insw: edi += 6");

    esi = (uint32_t)&dwords[2];
    ecx = 3;
    asm volatile("std\n\trep outsl\n\tcld" : "+S"(esi), "+c"(ecx) : "d"(0x80) : "memory");
    rt_eq(esi, (uint32_t)dwords - 4, "rep outsd with DF=1: esi -= 12");
    rt_eq(inb(0x80), qemu ? 0xff : 0x11, "rep outsd DF=1: the last dword sent is dwords[0]");
    edi = (uint32_t)dwords;
    asm volatile("insl" : "+D"(edi) : "d"(NOWHERE) : "memory");
    rt_eq(dwords[0], 0xffffffff, "insd without rep stores one dword");
    rt_eq(dwords[1], 0x22222233, "insd without rep stores only one dword");
}

void test_main(const struct rt_boot *boot)
{
    int qemu = rt_on_qemu();

    (void)boot;
    rt_printf("# machine: %s\n", qemu ? "QEMU (fw_cfg signature found)" : "not QEMU");
    test_unassigned();
    test_post_port(qemu);
    test_pci_address();
    test_scratch();
    test_loopback();
    test_wide_strings(qemu);
}
