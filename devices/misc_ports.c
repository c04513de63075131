/*
 * misc_ports.c: small motherboard ports that need no file of their own.
 *
 * Port 0x80 is the POST diagnostic port: firmware and kernels write
 * progress codes to it (Linux also uses `outb %al, $0x80` as an I/O delay).
 * A POST card would display the byte; btvisor remembers it, and a read
 * returns the last value written, which lets a test kernel check the port
 * bus end to end.
 *
 *   outb(0x80, 0x42); inb(0x80) == 0x42
 */
#include <stdio.h>

#include "monitor/vm.h"

#define POST_PORT 0x80

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
