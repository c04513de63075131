/*
 * testdev.c: QEMU's pc-testdev (see testdev.h for the register map).
 *
 * The data register: an access of `size` bytes at offset k of the four
 * ports covers bytes k..k+size-1 of the 32-bit register.  QEMU accepts only
 * naturally aligned accesses to these ports (its memory core refuses the
 * others), so an unaligned one is dropped here too and reads as all-ones.
 * The byte-wise window at 0xe8 behaves the same for aligned accesses (QEMU
 * splits them into bytes, which ends in the same register contents).  The
 * flush port takes only 32-bit writes.  The interrupt ports drive the board's ISA lines
 * (devices/intr.h), so a test can raise any IRQ through the 8259s or the
 * I/O APIC.
 *
 *   testdev_init(vm, err, sizeof err);   // board_init does this with -device pc-testdev
 */
#include "devices/testdev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/intr.h"
#include "monitor/vm.h"
#include "shadowmm/mmio.h"

/* Bytes [k, k+size) of the 32-bit register, as a value. */
static uint32_t testdev_data_get(const struct testdev *t, unsigned k, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size && k + i < 4; i++)
        v |= ((t->data >> (8 * (k + i))) & 0xffu) << (8 * i);
    return v;
}

static void testdev_data_put(struct testdev *t, unsigned k, unsigned size, uint32_t value)
{
    for (unsigned i = 0; i < size && k + i < 4; i++) {
        uint32_t shift = 8 * (k + i);
        t->data = (t->data & ~(0xffu << shift)) | (((value >> (8 * i)) & 0xffu) << shift);
    }
}

static uint32_t testdev_port_read(void *dev, uint16_t port, unsigned size)
{
    struct testdev *t = dev;
    unsigned off = port - TESTDEV_PORT_DATA;
    if (port & (size - 1))
        return 0xffffffffu; /* unaligned: refused */
    if (off >= 4 && off < 8)
        return 0; /* flush page: reads 0 */
    return testdev_data_get(t, off & 3, size);
}

static void testdev_port_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct testdev *t = dev;
    unsigned off = port - TESTDEV_PORT_DATA;
    if (port & (size - 1))
        return; /* unaligned: refused */
    if (off < 4 || off >= 8)
        testdev_data_put(t, off & 3, size, value);
    /* 0xe4: "flush page" — the page's contents do not change, nothing to do */
}

static uint32_t testdev_irq_read(void *dev, uint16_t port, unsigned size)
{
    (void)dev;
    (void)port;
    (void)size;
    return 0;
}

static void testdev_irq_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct testdev *t = dev;
    unsigned line = port - TESTDEV_PORT_IRQ;
    (void)size;
    if (line < ISA_NR_IRQS)
        isa_irq_set(t->vm, line, (value & 0xff) != 0);
    /* lines 16-23 are I/O APIC pins with no ISA line on this board */
}

static uint64_t testdev_iomem_read(void *dev, uint64_t offset, unsigned size)
{
    const struct testdev *t = dev;
    uint64_t v = 0;
    if (offset < TESTDEV_IOMEM_LEN && size <= TESTDEV_IOMEM_LEN - offset)
        memcpy(&v, t->iomem + offset, size); /* little-endian host and guest */
    return v;
}

static void testdev_iomem_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
    struct testdev *t = dev;
    if (offset < TESTDEV_IOMEM_LEN && size <= TESTDEV_IOMEM_LEN - offset)
        memcpy(t->iomem + offset, &value, size);
}

int testdev_init(struct vm *vm, char *err, size_t errlen)
{
    if (!vm->cfg.pc_testdev)
        return 0;
    struct testdev *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "board: out of memory for pc-testdev");
        return -1;
    }
    t->vm = vm;
    vm->board.testdev = t;
    if (portio_register(&vm->board.bus, TESTDEV_PORT_DATA, TESTDEV_NR_PORTS, testdev_port_read,
                        testdev_port_write, t, "pc-testdev") < 0 ||
        portio_register(&vm->board.bus, TESTDEV_PORT_IRQ, TESTDEV_NR_IRQ_PORTS, testdev_irq_read,
                        testdev_irq_write, t, "pc-testdev-irq") < 0) {
        snprintf(err, errlen, "board: cannot register pc-testdev at ports 0x%x and 0x%x",
                 TESTDEV_PORT_DATA, TESTDEV_PORT_IRQ);
        return -1;
    }
    if (mmio_register(vm, TESTDEV_IOMEM_BASE, TESTDEV_IOMEM_LEN, testdev_iomem_read,
                      testdev_iomem_write, t, "pc-testdev-iomem") < 0) {
        snprintf(err, errlen, "board: cannot map pc-testdev memory at 0x%x", TESTDEV_IOMEM_BASE);
        return -1;
    }
    return 0;
}
