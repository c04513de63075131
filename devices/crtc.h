/*
 * crtc.h: the CGA/VGA CRT controller in colour mode — its index/data
 * register pair at ports 0x3d4/0x3d5 and the input status register at
 * 0x3da.
 *
 * Text-mode kernels program the cursor (registers 0x0e/0x0f) and read it
 * back (xv6's cgaputc does, and panics on garbage); the screen start
 * address (0x0c/0x0d) scrolls the display through video memory.  The
 * registers read back what was written; the text console (vga_text.h)
 * asks for the cursor and the start address with the accessors below.  A
 * 16-bit write to 0x3d4 sets the index and the data at once, as on VGA
 * hardware.  Reads of 0x3da alternate the retrace bits so that a guest
 * that waits for a vertical retrace (or for its end) sees both.
 *
 *   outb(0x3d4, 14); outb(0x3d5, pos >> 8);    // guest: cursor high byte
 *   unsigned pos = crtc_cursor(vm);            // console: cell index
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct vm;

#define CRTC_PORT_INDEX 0x3d4
#define CRTC_PORT_DATA 0x3d5
#define CRTC_PORT_STATUS 0x3da   /* input status #1 (read) */
#define CRTC_NR_REGS 0x19        /* VGA CRTC registers 0x00-0x18 */
#define CRTC_REG_OVERFLOW 0x07
#define CRTC_REG_START_HI 0x0c
#define CRTC_REG_START_LO 0x0d
#define CRTC_REG_CURSOR_HI 0x0e
#define CRTC_REG_CURSOR_LO 0x0f
#define CRTC_REG_VRETRACE_END 0x11
#define CRTC_STATUS_DISPLAY_OFF 0x01 /* input status #1 bit 0: not in the active display */
#define CRTC_STATUS_VRETRACE 0x08    /* bit 3: vertical retrace */

struct crtc {
    uint8_t index;              /* last value written to 0x3d4 (bits 4:0 kept) */
    uint8_t regs[CRTC_NR_REGS]; /* the register file */
    uint8_t status;             /* what the next read of 0x3da returns */
};

int crtc_init(struct vm *vm, char *err, size_t errlen);
/* Cursor location and screen start, in character cells from the start of
 * video memory (0 when the board has no CRTC). */
unsigned crtc_cursor(const struct vm *vm);
unsigned crtc_start_address(const struct vm *vm);
