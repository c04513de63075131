/*
 * bios_ivt.c: the real-mode interrupt vector table a BIOS leaves at
 * physical 0, and the handlers it points to.
 *
 * Real-mode code (a boot path, a test that leaves protected mode) takes
 * interrupts through the IVT at IDTR.base (SDM Vol. 3A §20.1.4); after a
 * BIOS ran, every one of the 256 vectors leads somewhere harmless.  btvisor
 * runs no BIOS, so it writes the same at VM creation: 4-byte entries
 * (offset, then segment F000h) pointing at three handlers in the BIOS area
 * at 0xf8000, above the ACPI tables:
 *   vector 08h (IRQ 0)     bump the tick count at 0040:006Ch as the BIOS's
 *                          INT 08h does, end the interrupt at the master PIC
 *   vectors 09h-0Fh        end the interrupt at the master PIC (IRQ 1-7)
 *   vectors 70h-77h        end it at the slave, then the master (IRQ 8-15)
 *   every other vector     iret
 * (the vector bases 08h and 70h are those of the PICs at creation,
 * devices/pic.c).  Kernels loaded over the IVT simply replace it.
 *
 *   bios_write_ivt(vm);   // from bios_install
 */
#include <string.h>

#include "devices/bios.h"

#define IVT_SEGMENT 0xf000u
#define IVT_CODE (BIOS_IVT_CODE - 0xf0000u) /* the handlers' offset in segment F000h */

static const uint8_t ivt_iret[] = { 0xcf };
static const uint8_t ivt_timer[] = {
    0x50,                         /* push ax */
    0x1e,                         /* push ds */
    0x31, 0xc0,                   /* xor ax, ax */
    0x8e, 0xd8,                   /* mov ds, ax */
    0x83, 0x06, 0x6c, 0x04, 0x01, /* add word [046ch], 1 */
    0x83, 0x16, 0x6e, 0x04, 0x00, /* adc word [046eh], 0 */
    0xb0, 0x20,                   /* mov al, 20h (non-specific EOI) */
    0xe6, 0x20,                   /* out 20h, al */
    0x1f,                         /* pop ds */
    0x58,                         /* pop ax */
    0xcf,                         /* iret */
};
static const uint8_t ivt_master[] = { 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf };
static const uint8_t ivt_slave[] = { 0x50, 0xb0, 0x20, 0xe6, 0xa0, 0xe6, 0x20, 0x58, 0xcf };

/* Where each handler sits, 16 bytes apart. */
enum { IVT_AT_IRET = 0x00, IVT_AT_TIMER = 0x10, IVT_AT_MASTER = 0x30, IVT_AT_SLAVE = 0x40 };

static uint16_t ivt_handler_of(unsigned vector)
{
    if (vector == 0x08)
        return IVT_AT_TIMER;
    if (vector >= 0x09 && vector <= 0x0f)
        return IVT_AT_MASTER;
    if (vector >= 0x70 && vector <= 0x77)
        return IVT_AT_SLAVE;
    return IVT_AT_IRET;
}

void bios_write_ivt(struct vm *vm)
{
    uint8_t code[0x50];
    memset(code, 0xcf, sizeof code);
    memcpy(&code[IVT_AT_IRET], ivt_iret, sizeof ivt_iret);
    memcpy(&code[IVT_AT_TIMER], ivt_timer, sizeof ivt_timer);
    memcpy(&code[IVT_AT_MASTER], ivt_master, sizeof ivt_master);
    memcpy(&code[IVT_AT_SLAVE], ivt_slave, sizeof ivt_slave);
    bios_copy_to_guest(vm, BIOS_IVT_CODE, code, sizeof code);
    uint8_t ivt[256 * 4];
    for (unsigned vec = 0; vec < 256; vec++) {
        bios_put16(&ivt[vec * 4], (uint16_t)(IVT_CODE + ivt_handler_of(vec)));
        bios_put16(&ivt[vec * 4 + 2], IVT_SEGMENT);
    }
    bios_copy_to_guest(vm, 0, ivt, sizeof ivt);
}
