/*
 * misc_ports.c: small motherboard ports that need no file of their own.
 *
 * Port 0x80 is the POST diagnostic port: firmware and kernels write
 * progress codes to it (Linux also uses `outb %al, $0x80` as an I/O delay).
 * A POST card would display the byte; btvisor remembers it, and a read
 * returns the last value written, which lets a test kernel check the port
 * bus end to end.
 *
 * Port 0x92 is System Control Port A (the PS/2 "fast A20 and reset" port,
 * IBM PS/2 and PIIX4 datasheet §4.1.4 "Port 92h"): bit 1 gates address line
 * A20 and bit 0 is the fast reset — writing it as 1 when it was 0 resets the
 * CPU.  btvisor keeps A20 open always (like the i8042's A20 bit, the value is
 * kept and read back, never applied: no guest that boots here wraps at
 * 1 MiB), and a reset ends the run with status 0, as the i8042's reset line
 * does.  The other bits read back as written, as QEMU's port 0x92 does.
 *
 *   outb(0x80, 0x42); inb(0x80) == 0x42
 *   outb(0x92, inb(0x92) | 1);   // guest: fast reset, the run ends
 */
#include <stdio.h>

#include "monitor/vm.h"

#define POST_PORT 0x80
#define PORT92 0x92
#define PORT92_RESET 0x01u

static uint32_t post_read(void *dev, uint16_t port, unsigned size)
{
    const struct board *b = dev;
    (void)port;
    (void)size;
    return 0xffffff00u | b->post_code; /* wider reads: ports 0x81.. are not decoded here */
}

static void post_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct board *b = dev;
    (void)port;
    (void)size;
    b->post_code = (uint8_t)value;
}

int post_init(struct vm *vm, char *err, size_t errlen)
{
    vm->board.post_code = 0;
    if (portio_register(&vm->board.bus, POST_PORT, 1, post_read, post_write, &vm->board,
                        "post") < 0) {
        snprintf(err, errlen, "board: cannot register the POST port 0x%x", POST_PORT);
        return -1;
    }
    return 0;
}

static uint32_t port92_read(void *dev, uint16_t port, unsigned size)
{
    const struct vm *vm = dev;
    (void)port;
    (void)size;
    return 0xffffff00u | vm->board.port92;
}

static void port92_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct vm *vm = dev;
    uint8_t old = vm->board.port92;
    (void)port;
    (void)size;
    vm->board.port92 = (uint8_t)(value & ~PORT92_RESET); /* the reset bit does not stick */
    if ((value & PORT92_RESET) && !(old & PORT92_RESET))
        vm_request_exit(vm, VMEXIT_RESET, EXIT_STATUS_OK,
                        vm->cfg.no_reboot ? NULL : "guest requested a reset (port 0x92)");
}

int port92_init(struct vm *vm, char *err, size_t errlen)
{
    vm->board.port92 = 0x02; /* A20 open, as the firmware leaves it for a protected-mode kernel */
    if (portio_register(&vm->board.bus, PORT92, 1, port92_read, port92_write, vm,
                        "port92") < 0) {
        snprintf(err, errlen, "board: cannot register System Control Port A at 0x%x", PORT92);
        return -1;
    }
    return 0;
}
