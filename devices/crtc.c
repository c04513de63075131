/*
 * crtc.c: the CRT controller's registers (see crtc.h).
 *
 * Reset values are those of 80x25 colour text mode (mode 3) as a VGA BIOS
 * leaves them: 80 columns, cursor scan lines 13-14, start address and
 * cursor at 0.  Indices beyond the register file read as 0 and ignore
 * writes; the index register keeps only its five defined bits.  Bit 7 of
 * the Vertical Retrace End register (0x11, set in mode 3) write-protects
 * registers 0x00-0x07 except the line-compare bit 4 of Overflow (0x07)
 * (IBM VGA Technical Reference, CRT Controller Registers).  The monochrome
 * alias at 0x3b4/0x3b5 is not decoded: the BIOS data area says colour
 * (CRTC at 0x3d4).
 *
 *   portio_write(vm, 0x3d4, 1, 0x0f); portio_read(vm, 0x3d5, 1);   // cursor low
 */
#include "devices/crtc.h"

#include <stdio.h>
#include <stdlib.h>

#include "monitor/vm.h"

/* Mode 3's CRTC values (80x25, 9x16 cells), registers 0x00-0x18. */
static const uint8_t crtc_mode3[CRTC_NR_REGS] = {
    0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00,
    0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
};

static uint8_t crtc_data(const struct crtc *c)
{
    return c->index < CRTC_NR_REGS ? c->regs[c->index] : 0;
}

static uint32_t crtc_read(void *dev, uint16_t port, unsigned size)
{
    struct crtc *c = dev;
    (void)size;
    if (port == CRTC_PORT_INDEX)
        return c->index | ((uint32_t)crtc_data(c) << 8); /* inw 0x3d4: index and data */
    return crtc_data(c);
}

static void crtc_write_data(struct crtc *c, uint8_t value)
{
    if (c->index >= CRTC_NR_REGS)
        return;
    bool protect = (c->regs[CRTC_REG_VRETRACE_END] & 0x80) != 0;
    if (protect && c->index == CRTC_REG_OVERFLOW)
        c->regs[CRTC_REG_OVERFLOW] = (uint8_t)((c->regs[CRTC_REG_OVERFLOW] & ~0x10u) | (value & 0x10u));
    else if (!protect || c->index > CRTC_REG_OVERFLOW)
        c->regs[c->index] = value;
}

static void crtc_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct crtc *c = dev;
    if (port == CRTC_PORT_DATA) {
        crtc_write_data(c, (uint8_t)value);
        return;
    }
    c->index = (uint8_t)(value & 0x1f);
    if (size >= 2)
        crtc_write_data(c, (uint8_t)(value >> 8)); /* outw 0x3d4: index and data */
}

/* Input status #1: successive reads see the display alternately in and out
 * of vertical retrace, so both `while (!(inb(0x3da) & 8))` and
 * `while (inb(0x3da) & 8)` end. */
static uint32_t crtc_status_read(void *dev, uint16_t port, unsigned size)
{
    struct crtc *c = dev;
    (void)port;
    (void)size;
    uint8_t s = c->status;
    c->status ^= CRTC_STATUS_DISPLAY_OFF | CRTC_STATUS_VRETRACE;
    return s;
}

unsigned crtc_cursor(const struct vm *vm)
{
    const struct crtc *c = vm->board.crtc;
    return c ? ((unsigned)c->regs[CRTC_REG_CURSOR_HI] << 8) | c->regs[CRTC_REG_CURSOR_LO] : 0;
}

unsigned crtc_start_address(const struct vm *vm)
{
    const struct crtc *c = vm->board.crtc;
    return c ? ((unsigned)c->regs[CRTC_REG_START_HI] << 8) | c->regs[CRTC_REG_START_LO] : 0;
}

int crtc_init(struct vm *vm, char *err, size_t errlen)
{
    struct crtc *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "board: out of memory for the CRT controller");
        return -1;
    }
    vm->board.crtc = c;
    for (unsigned i = 0; i < CRTC_NR_REGS; i++)
        c->regs[i] = crtc_mode3[i];
    if (portio_register(&vm->board.bus, CRTC_PORT_INDEX, 2, crtc_read, crtc_write, c, "crtc") < 0 ||
        portio_register(&vm->board.bus, CRTC_PORT_STATUS, 1, crtc_status_read, NULL, c, "vga-status") < 0) {
        snprintf(err, errlen, "board: cannot register the CRT controller at ports 0x%x, 0x%x",
                 CRTC_PORT_INDEX, CRTC_PORT_STATUS);
        return -1;
    }
    return 0;
}
