/*
 * port92.c: the port92 guest — System Control Port A at 0x92 (fast A20
 * gate and fast reset; PIIX4 datasheet "Port 92h"):
 *   - bit 1 (A20) reads 1 at entry and back as written (it is never cleared
 *     here: this kernel lives at 1 MiB, and QEMU does mask address line 20,
 *     while btvisor keeps A20 open whatever the bit says);
 *   - then, if every check passed, writing bit 0 resets the machine: the
 *     run must end there (ctest guest.port92_reset expects status 0 and
 *     btvisor's "reset (port 0x92)" line; QEMU with -no-reboot exits 0 too).
 * If the reset does not happen the guest says FAIL and exits with 1.
 */
#include "rt.h"

RT_GUEST("port92");

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    uint8_t v = inb(0x92);
    rt_eq(v & 0x02, 0x02, "port 0x92: A20 is open when a Multiboot kernel starts");
    outb(0x92, (v & ~0x01) | 0x02);
    rt_eq(inb(0x92) & 0x03, 0x02, "port 0x92: A20 bit set reads back 1, reset bit 0");
    if (rt_failures())
        return;
    rt_printf("# port92: fast reset now\n");
    outb(0x92, inb(0x92) | 0x01);
    for (volatile int i = 0; i < 1000000; i++)
        ;
    rt_ok(0, "the fast reset (bit 0 of port 0x92) ended the run");
}
