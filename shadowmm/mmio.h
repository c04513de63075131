/*
 * mmio.h: memory-mapped devices on the guest-physical address space.
 *
 * A device registers a range of guest-physical addresses with a read and a
 * write handler.  Such ranges are never mapped into the guest window: a
 * guest access faults, the instruction is decoded and emulated
 * (monitor/emu_memop.c), and its accesses reach the device through
 * mmio_read()/mmio_write().  The monitor's own physical accesses outside RAM
 * (gmem_read_phys/gmem_write_phys) go the same way.  Addresses that are
 * neither RAM nor a device read as all-ones and ignore writes, like an
 * undecoded bus cycle, and are counted (mmio_unassigned).
 *
 *   mmio_register(vm, 0xfee00000, 0x1000, lapic_read, lapic_write, lapic, "lapic");
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct vm;

typedef uint64_t (*mmio_read_fn)(void *dev, uint64_t offset, unsigned size);
typedef void (*mmio_write_fn)(void *dev, uint64_t offset, unsigned size, uint64_t value);

#define MMIO_MAX_RANGES 32

struct mmio_range {
    uint64_t base;        /* first guest-physical address */
    uint64_t len;         /* bytes */
    mmio_read_fn read;    /* NULL: reads as all-ones */
    mmio_write_fn write;  /* NULL: writes ignored */
    void *dev;            /* the device's state */
    const char *name;     /* for traces and messages */
};

struct mmio_bus {
    struct mmio_range ranges[MMIO_MAX_RANGES];
    int count;
};

/* Returns 0, or -1 if the range overlaps RAM or another range, or the table is full. */
int mmio_register(struct vm *vm, uint64_t base, uint64_t len, mmio_read_fn read, mmio_write_fn write,
                  void *dev, const char *name);
/* The device range holding pa, NULL if none. */
const struct mmio_range *mmio_find(const struct vm *vm, uint64_t pa);
/* An access of size 1, 2, 4 or 8 bytes (an access that crosses the end of a
 * range is split by the caller into bytes). */
uint64_t mmio_read(struct vm *vm, uint64_t pa, unsigned size);
void mmio_write(struct vm *vm, uint64_t pa, unsigned size, uint64_t value);
