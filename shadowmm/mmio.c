/*
 * mmio.c: the bus of memory-mapped devices on the guest-physical address
 * space.
 *
 * Devices register ranges of guest-physical addresses above RAM with a read
 * and a write handler (shadowmm/mmio.h).  The bus is a small table in
 * vm->mmio, searched linearly: a PC has a handful of such ranges (local
 * APIC, I/O APIC, HPET, a frame buffer), so a scan is as fast as anything
 * cleverer and trivially correct.  Ranges never overlap RAM or each other;
 * mmio_register refuses such a range instead of letting one shadow another.
 *
 * An access reaches its device with the offset from the range's base.  An
 * access that does not fit one range (it crosses the end of a range, or
 * has an odd size) is split into bytes here, so a device only ever sees
 * 1-, 2-, 4- or 8-byte accesses inside its own range.  Addresses with
 * nothing behind them read as all-ones and ignore writes, as an undecoded
 * cycle on a PC bus does; they are counted in mmio_unassigned, device
 * accesses in mmio_accesses (monitor/stats.h).
 *
 *   mmio_register(vm, 0xfec00000, 0x20, ioapic_read, ioapic_write, ioapic, "ioapic");
 *   uint64_t id = mmio_read(vm, 0xfec00010, 4);   // ioapic_read(ioapic, 0x10, 4)
 */
#include "shadowmm/mmio.h"

#include <stddef.h>

#include "monitor/vm.h"

/* All-ones of `size` bytes (1..8). */
static uint64_t mmio_ones(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* Do [base, base + len) and [b2, b2 + l2) share a byte?  Both are
 * non-empty and do not wrap (checked at registration). */
static bool mmio_overlaps(uint64_t base, uint64_t len, uint64_t b2, uint64_t l2)
{
    return base < b2 + l2 && b2 < base + len;
}

int mmio_register(struct vm *vm, uint64_t base, uint64_t len, mmio_read_fn read, mmio_write_fn write,
                  void *dev, const char *name)
{
    struct mmio_bus *bus = &vm->mmio;
    if (len == 0 || base + len < base || bus->count >= MMIO_MAX_RANGES)
        return -1;
    if (mmio_overlaps(base, len, 0, vm->mem.ram_size))
        return -1;
    for (int i = 0; i < bus->count; i++)
        if (mmio_overlaps(base, len, bus->ranges[i].base, bus->ranges[i].len))
            return -1;
    bus->ranges[bus->count++] = (struct mmio_range){
        .base = base, .len = len, .read = read, .write = write, .dev = dev, .name = name,
    };
    return 0;
}

const struct mmio_range *mmio_find(const struct vm *vm, uint64_t pa)
{
    const struct mmio_bus *bus = &vm->mmio;
    for (int i = 0; i < bus->count; i++) {
        const struct mmio_range *r = &bus->ranges[i];
        if (pa >= r->base && pa - r->base < r->len)
            return r;
    }
    return NULL;
}

/* Can [pa, pa + size) go to one handler call?  Sizes 1, 2, 4, 8 inside one
 * range (or wholly unassigned: a byte at a time then changes nothing but
 * the count, so only a range boundary forces a split). */
static bool mmio_single(const struct vm *vm, uint64_t pa, unsigned size, const struct mmio_range **out)
{
    const struct mmio_range *r = mmio_find(vm, pa);
    *out = r;
    if (size != 1 && size != 2 && size != 4 && size != 8)
        return false;
    if (r)
        return pa + size - r->base <= r->len;
    for (unsigned i = 1; i < size; i++)
        if (mmio_find(vm, pa + i))
            return false;
    return true;
}

uint64_t mmio_read(struct vm *vm, uint64_t pa, unsigned size)
{
    const struct mmio_range *r;
    if (size == 0 || size > 8)
        return 0;
    if (!mmio_single(vm, pa, size, &r)) {
        uint64_t value = 0;
        for (unsigned i = 0; i < size; i++)
            value |= mmio_read(vm, pa + i, 1) << (8 * i);
        return value;
    }
    if (!r) {
        STAT_INC(vm, mmio_unassigned);
        return mmio_ones(size);
    }
    STAT_INC(vm, mmio_accesses);
    if (!r->read)
        return mmio_ones(size);
    return r->read(r->dev, pa - r->base, size) & mmio_ones(size);
}

void mmio_write(struct vm *vm, uint64_t pa, unsigned size, uint64_t value)
{
    const struct mmio_range *r;
    if (size == 0 || size > 8)
        return;
    if (!mmio_single(vm, pa, size, &r)) {
        for (unsigned i = 0; i < size; i++)
            mmio_write(vm, pa + i, 1, (value >> (8 * i)) & 0xff);
        return;
    }
    if (!r) {
        STAT_INC(vm, mmio_unassigned);
        return;
    }
    STAT_INC(vm, mmio_accesses);
    if (r->write)
        r->write(r->dev, pa - r->base, size, value & mmio_ones(size));
}
