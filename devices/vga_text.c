/*
 * vga_text.c: the VGA text console (see vga_text.h).
 *
 * The screen is read through the CRTC's start address (registers
 * 0x0c/0x0d, in cells); addresses wrap inside the 32 KiB colour text
 * window the way the VGA's address counter does in odd/even mode.  The
 * cursor is not drawn into the text: a reader wants the characters, and
 * the CRTC keeps the cursor for whoever asks (crtc_cursor()).
 *
 *   vga_text_poll(vm);                    // board_poll: sample at most every 50 ms
 *   char text[VGA_TEXT_RENDER_MAX];
 *   vga_text_render(vm, text, sizeof text);
 */
#include "devices/vga_text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/crtc.h"
#include "monitor/hostcall.h"
#include "monitor/vm.h"

#define VGA_TEXT_BLANK 0x0720u /* a space, light grey on black */

/* Cell i of the displayed screen, from guest RAM (a blank if RAM ends first). */
static uint16_t vga_text_cell(struct vm *vm, unsigned i)
{
    uint32_t off = (crtc_start_address(vm) * 2u + i * 2u) & (VGA_TEXT_WINDOW - 1);
    const uint8_t *p = gmem_phys_ptr(&vm->mem, VGA_TEXT_BASE + off, 2);
    return p ? (uint16_t)(p[0] | p[1] << 8) : VGA_TEXT_BLANK;
}

static char vga_text_char(uint16_t cell)
{
    uint8_t c = cell & 0xff;
    if (c == 0)
        return ' ';
    return c >= 0x20 && c < 0x7f ? (char)c : '?';
}

size_t vga_text_render(struct vm *vm, char *out, size_t outlen)
{
    size_t n = 0;
    if (outlen == 0)
        return 0;
    for (unsigned row = 0; row < VGA_TEXT_ROWS; row++) {
        size_t line = n;
        for (unsigned col = 0; col < VGA_TEXT_COLS && n + 2 < outlen; col++)
            out[n++] = vga_text_char(vga_text_cell(vm, row * VGA_TEXT_COLS + col));
        while (n > line && out[n - 1] == ' ')
            n--; /* trailing blanks */
        if (n + 1 < outlen)
            out[n++] = '\n';
    }
    out[n] = '\0';
    return n;
}

/* Rewrite the screen file in place through the descriptor opened at
 * start-up: once the monitor is confined (monitor/confine.c) no file can be
 * opened.  0, or -1 with errno. */
static int vga_text_write_file(struct vm *vm, int fd)
{
    char text[VGA_TEXT_RENDER_MAX];
    size_t len = vga_text_render(vm, text, sizeof text);
    ssize_t put = host_pwrite(&vm->stats, fd, text, len, 0);
    if (put < 0 || host_ftruncate(&vm->stats, fd, (off_t)len) != 0)
        return -1;
    if ((size_t)put != len) {
        errno = ENOSPC;
        return -1;
    }
    return 0;
}

static void vga_text_rewrite(struct vm *vm, struct vga_text *t)
{
    if (t->fd < 0 || t->write_failed)
        return;
    if (vga_text_write_file(vm, t->fd) < 0) {
        t->write_failed = true;
        host_message(&vm->stats, "btvisor: cannot rewrite the text screen file '%s': %s\n", t->path,
                     strerror(errno));
    }
}

/* Compare the screen with the last sample; returns the cells that changed. */
static unsigned vga_text_sample(struct vm *vm, struct vga_text *t)
{
    unsigned changed = 0;
    for (unsigned i = 0; i < VGA_TEXT_CELLS; i++) {
        uint16_t cell = vga_text_cell(vm, i);
        if (cell != t->shown[i]) {
            t->shown[i] = cell;
            changed++;
        }
    }
    if (changed) {
        STAT_INC(vm, vga_screen_updates);
        STAT_ADD(vm, vga_cells_drawn, changed);
    }
    return changed;
}

void vga_text_poll(struct vm *vm)
{
    struct vga_text *t = vm->board.vga;
    if (!t)
        return;
    uint64_t now = vm->board.clock_ns(vm);
    if (now < t->next_sample_ns)
        return;
    t->next_sample_ns = now + VGA_TEXT_SAMPLE_NS;
    if (vga_text_sample(vm, t))
        vga_text_rewrite(vm, t);
}

void vga_text_finish(struct vm *vm)
{
    struct vga_text *t = vm->board.vga;
    if (!t)
        return;
    vga_text_sample(vm, t);
    vga_text_rewrite(vm, t); /* even unchanged: FILE shows the final screen */
    if (t->fd >= 0)
        host_close(&vm->stats, t->fd);
    t->fd = -1;
}

/* The blank 80x25 screen a VGA BIOS leaves after setting mode 3. */
static void vga_text_clear(struct vm *vm, struct vga_text *t)
{
    uint8_t *p = gmem_phys_ptr(&vm->mem, VGA_TEXT_BASE, VGA_TEXT_CELLS * 2);
    for (unsigned i = 0; i < VGA_TEXT_CELLS; i++) {
        if (p) {
            p[2 * i] = VGA_TEXT_BLANK & 0xff;
            p[2 * i + 1] = VGA_TEXT_BLANK >> 8;
        }
        t->shown[i] = VGA_TEXT_BLANK;
    }
}

int vga_text_init(struct vm *vm, char *err, size_t errlen)
{
    struct vga_text *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "board: out of memory for the VGA text console");
        return -1;
    }
    vm->board.vga = t;
    t->path = vm->cfg.vga_text_path;
    t->fd = -1;
    vga_text_clear(vm, t);
    if (t->path)
        t->fd = open(t->path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_CLOEXEC, 0644);
    if (t->path && (t->fd < 0 || vga_text_write_file(vm, t->fd) < 0)) {
        snprintf(err, errlen, "--vga-text '%s': cannot write: %s", t->path, strerror(errno));
        return -1;
    }
    return 0;
}
