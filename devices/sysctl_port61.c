/*
 * sysctl_port61.c: system control port B (0x61) of a PC.
 *
 * On the AT and its successors this port belongs to the timer more than to
 * anything else: bit 0 drives GATE of the 8254's channel 2, bit 1 lets that
 * channel's output reach the speaker, and bit 5 reads channel 2's OUT back.
 * That is how kernels time short delays without an interrupt: Linux's TSC
 * calibration sets bit 0, programs channel 2 in mode 0 with a count, and
 * polls bit 5 until the count has run out.
 *
 * Bit 4 reflects the DRAM refresh request, which on real boards toggles
 * every 15 us (channel 1 programmed with a count of 18); old delay loops wait
 * for it to change a given number of times.  btvisor derives it from host
 * time, 18 PIT ticks per half period, so such a loop waits as long as it
 * would on hardware and always terminates.  Bits 2-3 (parity and I/O channel
 * check disables) are kept as written; bits 6-7 (NMI sources) read 0 since
 * nothing here raises a parity or channel check.
 *
 *   outb(0x61, (inb(0x61) & ~0x02) | 0x01);   // gate channel 2 on, speaker off
 *   while (!(inb(0x61) & 0x20)) ;             // wait for channel 2's OUT
 */
#include <stdio.h>

#include "devices/pit.h"
#include "monitor/vm.h"

#define PORT61_REFRESH_TICKS 18 /* PIT ticks per half period of the refresh toggle */

static uint32_t port61_read(void *dev, uint16_t port, unsigned size)
{
    struct pit *pit = dev;
    struct vm *vm = pit->vm;
    uint64_t now = vm->board.clock_ns(vm);
    uint32_t v = pit->port61 & PORT61_WRITABLE;
    (void)port;
    if (pit_ns_to_ticks(now) / PORT61_REFRESH_TICKS & 1)
        v |= PORT61_REFRESH;
    if (pit_get_out(vm, 2, now))
        v |= PORT61_OUT2;
    return size > 1 ? v | 0xffffff00u : v; /* ports 0x62.. are not decoded here */
}

static void port61_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct pit *pit = dev;
    struct vm *vm = pit->vm;
    (void)port;
    (void)size;
    pit->port61 = (uint8_t)(value & PORT61_WRITABLE);
    pit_set_gate(vm, 2, value & PORT61_GATE2, vm->board.clock_ns(vm));
}

int port61_init(struct vm *vm, char *err, size_t errlen)
{
    if (!vm->board.pit) {
        snprintf(err, errlen, "board: port 0x61 needs the PIT");
        return -1;
    }
    if (portio_register(&vm->board.bus, PORT61, 1, port61_read, port61_write, vm->board.pit,
                        "port61") < 0) {
        snprintf(err, errlen, "board: cannot register system control port 0x%x", PORT61);
        return -1;
    }
    return 0;
}
