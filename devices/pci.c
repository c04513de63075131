/*
 * pci.c: PCI configuration space access, mechanism #1 (PCI Local Bus
 * Specification 3.0 §3.2.2.3.2), and the one device behind it: an i440FX
 * host bridge at 00:00.0, which is what operating systems probe first.
 *
 * A dword write to 0xcf8 latches an address (bit 31 enable, bus, device,
 * function, register); accesses to 0xcfc-0xcff then read or write that
 * register.  Functions that do not exist read as all-ones, which is how
 * software finds out that no device is there.  Byte accesses to 0xcf8-0xcfb
 * do not reach the latch (only dword ones do); 0xcf9 is the chipset's reset
 * control register, whose bit 2 resets the machine when set.
 *
 *   outl(0xcf8, 0x80000000); inl(0xcfc) == 0x12378086  // vendor/device
 */
#include "devices/pci.h"

#include <stdio.h>
#include <string.h>

#include "devices/board.h"
#include "monitor/vm.h"

#define PCI_ENABLE 0x80000000u

static void pci_host_bridge_reset(struct pci_bus *pci)
{
    uint8_t *c = pci->host_config;
    memset(c, 0, sizeof pci->host_config);
    c[0x00] = 0x86; c[0x01] = 0x80;             /* vendor: Intel */
    c[0x02] = 0x37; c[0x03] = 0x12;             /* device: 82441FX (i440FX) */
    c[0x04] = 0x06;                             /* command: memory space, bus master */
    c[0x06] = 0x00; c[0x07] = 0x02;             /* status: medium DEVSEL timing */
    c[0x08] = 0x02;                             /* revision */
    c[0x0a] = 0x00; c[0x0b] = 0x06;             /* class: bridge, host bridge */
    c[0x0e] = 0x00;                             /* header type 0, single function */
}

/* The configuration byte the latched address selects, plus `offset`; NULL
 * when it names no existing function. */
static uint8_t *pci_config_byte(struct pci_bus *pci, unsigned offset)
{
    uint32_t a = pci->address;
    if (!(a & PCI_ENABLE))
        return NULL;
    unsigned bus = (a >> 16) & 0xff, dev = (a >> 11) & 0x1f, fn = (a >> 8) & 7;
    if (bus != 0 || dev != 0 || fn != 0)
        return NULL;
    return &pci->host_config[((a & 0xfc) + offset) & 0xff];
}

/* Registers software may change: the command register and a few bits of
 * the chipset configuration; the identification and class are read-only. */
static bool pci_host_writable(unsigned reg)
{
    return reg == 0x04 || reg == 0x05 || reg == 0x0d || reg >= 0x40;
}

static uint32_t pci_data_read(void *dev, uint16_t port, unsigned size)
{
    struct pci_bus *pci = dev;
    uint32_t value = 0;
    for (unsigned i = 0; i < size; i++) {
        const uint8_t *b = pci_config_byte(pci, (port & 3u) + i);
        value |= (uint32_t)(b ? *b : 0xff) << (8 * i);
    }
    return value;
}

static void pci_data_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct pci_bus *pci = dev;
    for (unsigned i = 0; i < size; i++) {
        uint8_t *b = pci_config_byte(pci, (port & 3u) + i);
        if (b && pci_host_writable((unsigned)(b - pci->host_config)))
            *b = (uint8_t)(value >> (8 * i));
    }
}

static uint32_t pci_address_read(void *dev, uint16_t port, unsigned size)
{
    struct pci_bus *pci = dev;
    if (port == PCI_CONFIG_ADDRESS && size == 4)
        return pci->address;
    if (port == PCI_RESET_CONTROL && size == 1)
        return pci->reset_control;
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}


static void pci_address_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct vm *vm = dev;
    struct pci_bus *pci = &vm->board.pci;
    if (port == PCI_CONFIG_ADDRESS && size == 4) {
        pci->address = value & 0x80fffffcu; /* reserved bits 30:24 and 1:0 read as 0 */
        return;
    }
    if (port == PCI_RESET_CONTROL && size == 1) {
        pci->reset_control = (uint8_t)(value & 0x0e);
        if (value & 0x04) /* RST_CPU: the 0 -> 1 edge resets the system */
            vm_request_exit(vm, VMEXIT_RESET, EXIT_STATUS_OK, vm->cfg.no_reboot ? NULL : "guest requested a reset");
    }
}

static uint32_t pci_address_read_vm(void *dev, uint16_t port, unsigned size)
{
    return pci_address_read(&((struct vm *)dev)->board.pci, port, size);
}

int pci_init(struct vm *vm, char *err, size_t errlen)
{
    pci_host_bridge_reset(&vm->board.pci);
    if (portio_register(&vm->board.bus, PCI_CONFIG_ADDRESS, 4, pci_address_read_vm, pci_address_write,
                        vm, "pci-address") < 0 ||
        portio_register(&vm->board.bus, PCI_CONFIG_DATA, 4, pci_data_read, pci_data_write,
                        &vm->board.pci, "pci-data") < 0) {
        snprintf(err, errlen, "board: cannot register the PCI configuration ports");
        return -1;
    }
    return 0;
}
