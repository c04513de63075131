/*
 * portio.c: the x86 I/O port bus.
 *
 * A guest `in`/`out` (and each element of `ins`/`outs`) ends up here after
 * the monitor has decoded it and checked the I/O permission (IOPL, TSS
 * bitmap).  The bus is a small table of port ranges, one per device; a
 * linear scan over at most PORTIO_MAX_RANGES entries is cheaper than any
 * lookup structure at the handful of devices a PC has, and port I/O is
 * already a callout (a world switch) so the scan is not what costs.
 *
 * Decoding follows the ISA bus: the device that decodes the FIRST port of
 * the access receives the whole access together with its size, and decides
 * what a 16- or 32-bit access means (most 8-bit devices act on the low byte),
 * even when the access runs past the end of its range.  An access that
 * starts on a port nobody decodes is never an error either: nobody drives
 * the data lines, so a read returns all-ones of the access size and a write
 * is dropped.  Such accesses are counted (io_unassigned) so that a guest
 * probing for hardware shows up in the statistics.
 *
 *   portio_register(&vm->board.bus, 0x80, 1, post_read, post_write, &vm->board, "post");
 *   uint32_t v = portio_read(vm, 0x80, 1);
 */
#include "devices/portio.h"

#include "devices/intr.h"

#include <stdbool.h>
#include <stddef.h>

#include "monitor/vm.h"

/* All-ones of an access of `size` bytes (1, 2 or 4). */
static uint32_t portio_all_ones(unsigned size)
{
    return size >= 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
}

static bool portio_ranges_overlap(uint16_t a_base, uint16_t a_count, uint16_t b_base,
                                  uint16_t b_count)
{
    uint32_t a_end = (uint32_t)a_base + a_count; /* exclusive; may be 0x10000 */
    uint32_t b_end = (uint32_t)b_base + b_count;
    return a_base < b_end && b_base < a_end;
}

int portio_register(struct port_bus *bus, uint16_t base, uint16_t count, port_read_fn read,
                    port_write_fn write, void *dev, const char *name)
{
    if (count == 0 || (uint32_t)base + count > 0x10000u || bus->count >= PORTIO_MAX_RANGES)
        return -1;
    for (int i = 0; i < bus->count; i++) {
        const struct port_range *r = &bus->ranges[i];
        if (portio_ranges_overlap(base, count, r->base, r->count))
            return -1;
    }
    bus->ranges[bus->count++] = (struct port_range){
        .base = base, .count = count, .read = read, .write = write, .dev = dev, .name = name,
    };
    return 0;
}

/* The range that decodes `port`, or NULL. */
static const struct port_range *portio_find(const struct port_bus *bus, uint16_t port)
{
    for (int i = 0; i < bus->count; i++) {
        const struct port_range *r = &bus->ranges[i];
        if (port >= r->base && port - r->base < r->count)
            return r;
    }
    return NULL;
}

uint32_t portio_read(struct vm *vm, uint16_t port, unsigned size)
{
    STAT_INC(vm, io_port_reads);
    const struct port_range *r = portio_find(&vm->board.bus, port);
    if (!r) {
        STAT_INC(vm, io_unassigned);
        return portio_all_ones(size);
    }
    if (!r->read)
        return portio_all_ones(size);
    uint32_t v = r->read(r->dev, port, size) & portio_all_ones(size);
    intr_update_pending(vm); /* e.g. reading the UART's IIR lowers its line */
    return v;
}

void portio_write(struct vm *vm, uint16_t port, unsigned size, uint32_t value)
{
    STAT_INC(vm, io_port_writes);
    const struct port_range *r = portio_find(&vm->board.bus, port);
    if (!r) {
        STAT_INC(vm, io_unassigned);
        return;
    }
    if (r->write)
        r->write(r->dev, port, size, value & portio_all_ones(size));
    /* A write may raise or lower a line or unmask one (an 8259 OCW1, a
     * device's interrupt enable): translated sti and popf must see it at
     * once, not at the next timer event. */
    intr_update_pending(vm);
}
