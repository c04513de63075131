/*
 * pci.h: PCI configuration mechanism #1 with a host bridge (devices/pci.c).
 */
#pragma once
#include <stdint.h>

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_RESET_CONTROL 0xcf9

/* The board's PCI state: the address latch and the host bridge's
 * configuration space (bus 0, device 0, function 0). */
struct pci_bus {
    uint32_t address;        /* last dword written to 0xcf8 */
    uint8_t reset_control;   /* port 0xcf9 */
    uint8_t host_config[256];/* the host bridge's configuration space */
};
