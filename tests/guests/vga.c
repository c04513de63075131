/*
 * vga.c: the vga guest — the CGA/VGA text console the way a text-mode
 * kernel (xv6's cgaputc, Linux's vgacon) drives it:
 *   - the text screen at 0xb8000 starts blank (0x0720 cells, as the VGA
 *     BIOS leaves mode 3; the last row, which no BIOS message reaches);
 *   - the CRTC at 0x3d4/0x3d5 has mode 3's geometry (80 columns: register
 *     0x01 = 0x4f, offset 0x13 = 0x28) and reads back the cursor (0x0e,
 *     0x0f) and start address (0x0c, 0x0d) written byte by byte or with
 *     one outw to the index port;
 *   - bit 7 of register 0x11 write-protects registers 0-7 except the
 *     line-compare bit 4 of register 7 (IBM VGA Technical Reference);
 *   - input status #1 at 0x3da toggles its retrace bits between reads.
 * Then it fills 40 rows of video memory with "vga line NN", scrolls the
 * display to row 10 through the start address and leaves.  ctest
 * guest.vga_text (run_vga_guest.sh) checks that btvisor's --vga-text file
 * shows rows 10-34 and that --stats counted the cells drawn.
 */
#include "rt.h"

RT_GUEST("vga");

#define CRTC_INDEX 0x3d4
#define CRTC_DATA 0x3d5
#define VGA_STATUS 0x3da
#define TEXT ((volatile uint16_t *)0xb8000)
#define COLS 80
#define SCROLL_ROWS 10
#define FILLED_ROWS 40

static uint8_t crtc_get(uint8_t index)
{
    outb(CRTC_INDEX, index);
    return inb(CRTC_DATA);
}

static void crtc_set(uint8_t index, uint8_t v)
{
    outb(CRTC_INDEX, index);
    outb(CRTC_DATA, v);
}

static void test_blank_screen(void)
{
    int blank = 1;
    for (unsigned col = 0; col < COLS; col++)
        blank &= TEXT[24 * COLS + col] == 0x0720;
    rt_ok(blank, "row 24 of the text screen holds blanks (0x0720)");
}

static void test_geometry(void)
{
    rt_eq(crtc_get(0x01), 0x4f, "CRTC 0x01 horizontal display end: 80 columns");
    rt_eq(crtc_get(0x13), 0x28, "CRTC 0x13 offset: 80 columns of words");
    rt_eq(crtc_get(0x12), 0x8f, "CRTC 0x12 vertical display end (400 lines)");
    rt_eq(crtc_get(0x0a) & 0x1f, 0x0d, "CRTC 0x0a cursor start scan line 13");
}

static void test_cursor(void)
{
    unsigned pos = 23 * COLS + 17;
    crtc_set(0x0e, (uint8_t)(pos >> 8));
    crtc_set(0x0f, (uint8_t)pos);
    outb(CRTC_INDEX, 0x0e);
    rt_eq(inb(CRTC_INDEX), 0x0e, "the index port reads back the index");
    rt_eq(((unsigned)crtc_get(0x0e) << 8) | crtc_get(0x0f), pos, "cursor read back as xv6 does");
    outw(CRTC_INDEX, 0x0f | (0x42 << 8)); /* index and data in one write */
    rt_eq(crtc_get(0x0f), 0x42, "outw 0x3d4 sets index 0x0f and its data");
    outw(CRTC_INDEX, 0x0c | (0x12 << 8));
    outw(CRTC_INDEX, 0x0d | (0x34 << 8));
    rt_eq(((unsigned)crtc_get(0x0c) << 8) | crtc_get(0x0d), 0x1234, "start address read back");
}

static void test_protect(void)
{
    uint8_t r1 = crtc_get(0x01), r7 = crtc_get(0x07), r11 = crtc_get(0x11);
    rt_ok(r11 & 0x80, "mode 3 sets the protect bit of CRTC 0x11 (0x%x)", r11);
    crtc_set(0x01, 0x33);
    rt_eq(crtc_get(0x01), r1, "CRTC 0x01 ignores writes while protected");
    crtc_set(0x07, (uint8_t)(r7 ^ 0x11));
    rt_eq(crtc_get(0x07), r7 ^ 0x10u, "CRTC 0x07 takes only bit 4 (line compare) while protected");
    crtc_set(0x07, r7);
    crtc_set(0x11, (uint8_t)(r11 & 0x7f));
    crtc_set(0x01, 0x33);
    rt_eq(crtc_get(0x01), 0x33, "CRTC 0x01 takes writes once 0x11 bit 7 is clear");
    crtc_set(0x01, r1);
    crtc_set(0x11, r11);
    rt_eq(crtc_get(0x01), r1, "CRTC 0x01 restored");
}

static void test_status(void)
{
    uint8_t a = inb(VGA_STATUS), b = inb(VGA_STATUS);
    rt_eq((a ^ b) & 0x09, 0x09, "0x3da retrace and display bits toggle between reads");
}

/* Row r of video memory: "vga line NN", with an unprintable byte in row 12. */
static void fill_row(unsigned r)
{
    char line[COLS + 1];
    int n = rt_format(line, sizeof line, "vga line %02u", r);
    for (int col = 0; col < COLS; col++)
        TEXT[r * COLS + col] = (uint16_t)(0x1f00 | (col < n ? (uint8_t)line[col] : ' '));
    if (r == 12)
        TEXT[r * COLS + COLS - 1] = 0x1f01;
}

void test_main(const struct rt_boot *boot)
{
    (void)boot;
    test_blank_screen();
    test_geometry();
    test_cursor();
    test_protect();
    test_status();
    for (unsigned r = 0; r < FILLED_ROWS; r++)
        fill_row(r);
    unsigned start = SCROLL_ROWS * COLS;
    crtc_set(0x0c, (uint8_t)(start >> 8));
    crtc_set(0x0d, (uint8_t)start);
    crtc_set(0x0e, (uint8_t)(start >> 8));
    crtc_set(0x0f, (uint8_t)start);
    rt_eq(((unsigned)crtc_get(0x0c) << 8) | crtc_get(0x0d), start, "display scrolled to row %u", SCROLL_ROWS);
    rt_printf("vga: screen rows %u-%u shown\n", SCROLL_ROWS, SCROLL_ROWS + 24);
}
