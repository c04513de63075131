/*
 * bios_bda.c: the BIOS data area at 0x400 and the EBDA, and the helpers
 * the table writers share (see bios.h).
 *
 * Kernels read a few BDA words instead of asking the BIOS (IBM PC/AT
 * Technical Reference, "BIOS data area"):
 *   0x400-0x407  I/O ports of COM1-COM4 (0 = absent)
 *   0x40e        segment of the extended BIOS data area (xv6 and Linux
 *                search its first KiB for the MP floating pointer / RSDP)
 *   0x410        equipment word: serial port count (bits 11:9), initial
 *                video mode 80x25 colour (bits 5:4 = 10b)
 *   0x413        base memory in KiB (below the EBDA): 639
 *   0x449-0x463  video: mode 3, 80 columns, page size 4000, CRTC at 0x3d4
 *   0x484        rows on screen minus one: 24
 *
 *   bios_write_bda(vm);
 */
#include <string.h>

#include "devices/bios.h"
#include "devices/uart.h"
#include "monitor/vm.h"

uint8_t bios_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + p[i]);
    return (uint8_t)-sum;
}

void bios_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void bios_put32(uint8_t *p, uint32_t v)
{
    bios_put16(p, (uint16_t)v);
    bios_put16(p + 2, (uint16_t)(v >> 16));
}

void bios_copy_to_guest(struct vm *vm, uint32_t pa, const void *src, size_t len)
{
    uint8_t *dst = gmem_phys_ptr(&vm->mem, pa, len);
    if (dst)
        memcpy(dst, src, len);
}

void bios_write_bda(struct vm *vm)
{
    uint8_t bda[0x100];
    memset(bda, 0, sizeof bda);
    unsigned serial = vm->board.com1 ? 1 : 0;
    if (serial)
        bios_put16(bda + 0x00, UART_COM1_BASE);
    bios_put16(bda + 0x0e, BIOS_EBDA >> 4);
    bios_put16(bda + 0x10, (uint16_t)((serial << 9) | (2u << 4)));
    bios_put16(bda + 0x13, BIOS_EBDA >> 10);
    bda[0x49] = 3;                  /* video mode */
    bios_put16(bda + 0x4a, 80);     /* columns */
    bios_put16(bda + 0x4c, 4000);   /* bytes per page */
    bios_put16(bda + 0x63, 0x3d4);  /* CRTC base port */
    bda[0x84] = 24;                 /* rows - 1 */
    bios_put16(bda + 0x85, 16);     /* character height */
    bios_copy_to_guest(vm, BIOS_BDA, bda, sizeof bda);
    uint8_t ebda[0x400];
    memset(ebda, 0, sizeof ebda);
    ebda[0] = 1; /* its size: 1 KiB */
    bios_copy_to_guest(vm, BIOS_EBDA, ebda, sizeof ebda);
}

void bios_install(struct vm *vm)
{
    bios_write_ivt(vm);
    bios_write_bda(vm);
    bios_write_mptable(vm);
    bios_write_acpi(vm);
}
