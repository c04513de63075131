/*
 * testdev.h: QEMU's pc-testdev (`-device pc-testdev`), the ISA device
 * kvm-unit-tests drives to check port I/O, string I/O and MMIO emulation:
 *
 *   ports 0xe0-0xe3   a 32-bit data register; an access of any size at
 *                     0xe0 + k reads or writes its bytes k.. (little-endian)
 *   ports 0xe4-0xe7   "flush page": a 32-bit write names a guest-physical
 *                     page whose host mapping QEMU/KVM drops; the memory
 *                     stays as it is, so here the write changes nothing
 *   ports 0xe8-0xeb   the same data register, reached byte by byte (a
 *                     wider access is split into byte accesses)
 *   ports 0x2000-0x2017  one port per interrupt line: writing v drives ISA
 *                     line n (0-15) to level !!v; reads return 0
 *   0xff000000-0xff00ffff  64 KiB of device memory (MMIO that behaves as RAM)
 *
 * It exists only when asked for, as in QEMU (port 0xe0 is otherwise an
 * empty ISA port).
 *
 *   outl(0xe0, 0x12345678); inb(0xe1) == 0x56;  *(uint32_t *)0xff000010 = 7;
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct vm;

#define TESTDEV_PORT_DATA 0xe0
#define TESTDEV_PORT_FLUSH 0xe4
#define TESTDEV_PORT_DATA_BYTES 0xe8
#define TESTDEV_NR_PORTS 12
#define TESTDEV_PORT_IRQ 0x2000
#define TESTDEV_NR_IRQ_PORTS 24
#define TESTDEV_IOMEM_BASE 0xff000000u
#define TESTDEV_IOMEM_LEN 0x10000u

struct testdev {
    struct vm *vm;
    uint32_t data;                      /* the register at 0xe0 and 0xe8 */
    uint8_t iomem[TESTDEV_IOMEM_LEN];   /* the device memory at 0xff000000 */
};

/* Create the device when the configuration asks for it (vm->cfg.pc_testdev). */
int testdev_init(struct vm *vm, char *err, size_t errlen);
