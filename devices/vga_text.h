/*
 * vga_text.h: the VGA text console — the 80x25 colour text screen in video
 * memory at 0xb8000, made visible on the host.
 *
 * Video memory is ordinary guest RAM here (RAM is contiguous from 0 and
 * the text buffer needs no side effects), so guest writes to it run at
 * full speed with no exit.  The console samples the screen instead: every
 * VGA_TEXT_SAMPLE_NS of host time (from board_poll) and once more when the
 * run ends, it reads the 2000 cells from the CRTC's start address, counts
 * the cells that changed since the last sample (--stats: vga_cells_drawn,
 * vga_screen_updates) and, with `--vga-text FILE`, rewrites FILE with the
 * screen as 25 lines of text (attributes dropped, trailing blanks trimmed,
 * bytes outside printable ASCII shown as '?', NUL as a blank).  At start
 * the screen holds blanks with attribute 0x07, as a VGA BIOS leaves it
 * after setting mode 3.
 *
 *   btvisor -kernel xv6/kernel ... --vga-text screen.txt   # watch -n1 cat screen.txt
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define VGA_TEXT_BASE 0xb8000u
#define VGA_TEXT_WINDOW 0x8000u   /* 32 KiB of colour text memory, 0xb8000-0xbffff */
#define VGA_TEXT_COLS 80
#define VGA_TEXT_ROWS 25
#define VGA_TEXT_CELLS (VGA_TEXT_COLS * VGA_TEXT_ROWS)
#define VGA_TEXT_SAMPLE_NS 50000000ull /* 50 ms */
/* The screen as text: each row's characters and a newline. */
#define VGA_TEXT_RENDER_MAX (VGA_TEXT_ROWS * (VGA_TEXT_COLS + 1) + 1)

struct vga_text {
    const char *path;                /* --vga-text FILE, NULL: nothing written */
    int fd;                          /* FILE, open for the whole run; -1: none */
    uint16_t shown[VGA_TEXT_CELLS];  /* the cells (character | attribute << 8) at the last sample */
    uint64_t next_sample_ns;         /* board clock time of the next periodic sample */
    bool write_failed;               /* FILE could not be rewritten (warned once) */
};

int vga_text_init(struct vm *vm, char *err, size_t errlen);
/* Sample the screen if VGA_TEXT_SAMPLE_NS passed since the last sample. */
void vga_text_poll(struct vm *vm);
/* Sample now and rewrite the file (the run ends). */
void vga_text_finish(struct vm *vm);
/* The screen as it is in guest memory now, as text (NUL-terminated);
 * returns its length. */
size_t vga_text_render(struct vm *vm, char *out, size_t outlen);
