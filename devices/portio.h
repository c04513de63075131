/*
 * portio.h: the x86 I/O port bus.
 *
 * Devices register a handler pair for a range of ports.  A guest in/out
 * reaches portio_read()/portio_write(), which finds the device by port.
 * Ports nobody decodes read as all-ones (0xff, 0xffff, 0xffffffff) and
 * swallow writes, as on a real ISA bus; they are counted (io_unassigned),
 * never fatal.
 *
 *   static uint32_t uart_read(void *dev, uint16_t port, unsigned size);
 *   portio_register(&vm->board.bus, 0x3f8, 8, uart_read, uart_write, &vm->board.com1, "com1");
 */
#pragma once
#include <stdint.h>

struct vm;

typedef uint32_t (*port_read_fn)(void *dev, uint16_t port, unsigned size);
typedef void (*port_write_fn)(void *dev, uint16_t port, unsigned size, uint32_t value);

#define PORTIO_MAX_RANGES 64

struct port_range {
    uint16_t base;       /* first port */
    uint16_t count;      /* number of ports */
    port_read_fn read;   /* NULL: reads as all-ones */
    port_write_fn write; /* NULL: writes ignored */
    void *dev;           /* the device's own state */
    const char *name;    /* for traces and error messages */
};

struct port_bus {
    struct port_range ranges[PORTIO_MAX_RANGES];
    int count;
};

/* Returns 0, or -1 if the range overlaps another or the table is full. */
int portio_register(struct port_bus *bus, uint16_t base, uint16_t count, port_read_fn read,
                    port_write_fn write, void *dev, const char *name);
/* size is 1, 2 or 4 bytes. */
uint32_t portio_read(struct vm *vm, uint16_t port, unsigned size);
void portio_write(struct vm *vm, uint16_t port, unsigned size, uint32_t value);
