/*
 * test_vga.c: the CRT controller (devices/crtc.c) and the VGA text
 * console (devices/vga_text.c) on a small fake RAM and a fake clock.
 *
 * The console's view of the screen is checked through its rendering (what
 * --vga-text writes) after the test pokes cells straight into guest RAM as
 * a guest would: blanks at start, printable ASCII kept, NUL as a blank,
 * other bytes as '?', trailing blanks trimmed, the CRTC start address
 * scrolling and wrapping inside the 32 KiB window.  Sampling is checked
 * against the fake clock: nothing is counted before 50 ms have passed, then
 * exactly the cells that changed.  The file is checked byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "devices/crtc.h"
#include "devices/portio.h"
#include "devices/vga_text.h"
#include "monitor/vm.h"

#define RAM_SIZE (1u << 20)

struct fixture {
    struct vm vm;       /* vm.board.clock_ns = fake_clock */
    uint64_t now;       /* fake monotonic time, ns */
    char path[64];      /* the --vga-text file */
};

static uint64_t fake_clock(struct vm *vm)
{
    return ((struct fixture *)((char *)vm - offsetof(struct fixture, vm)))->now;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    char err[128];
    if (!f || !(f->vm.mem.ram = calloc(1, RAM_SIZE)))
        return -1;
    f->vm.mem.ram_size = RAM_SIZE;
    f->vm.board.clock_ns = fake_clock;
    f->now = 1000000000ull;
    strcpy(f->path, "/tmp/btv-test-vga-XXXXXX");
    int fd = mkstemp(f->path);
    if (fd < 0)
        return -1;
    close(fd);
    f->vm.cfg.vga_text_path = f->path;
    if (crtc_init(&f->vm, err, sizeof err) < 0 || vga_text_init(&f->vm, err, sizeof err) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    unlink(f->path);
    free(f->vm.board.crtc);
    free(f->vm.board.vga);
    free(f->vm.mem.ram);
    free(f);
    return 0;
}

static void put_cell(struct fixture *f, unsigned cell, uint8_t ch)
{
    f->vm.mem.ram[VGA_TEXT_BASE + 2 * cell] = ch;
    f->vm.mem.ram[VGA_TEXT_BASE + 2 * cell + 1] = 0x1e;
}

static void put_text(struct fixture *f, unsigned cell, const char *s)
{
    for (; *s; s++)
        put_cell(f, cell++, (uint8_t)*s);
}

static void crtc_set(struct fixture *f, uint8_t index, uint8_t v)
{
    portio_write(&f->vm, CRTC_PORT_INDEX, 1, index);
    portio_write(&f->vm, CRTC_PORT_DATA, 1, v);
}

/* Row `row` of the rendered screen, without its newline. */
static const char *rendered_row(struct fixture *f, unsigned row)
{
    static char text[VGA_TEXT_RENDER_MAX], line[VGA_TEXT_COLS + 1];
    vga_text_render(&f->vm, text, sizeof text);
    const char *p = text;
    for (unsigned r = 0; r < row; r++)
        p = strchr(p, '\n') + 1;
    size_t n = (size_t)(strchr(p, '\n') - p);
    memcpy(line, p, n);
    line[n] = '\0';
    return line;
}

static void test_starts_blank(void **state)
{
    struct fixture *f = *state;
    char text[VGA_TEXT_RENDER_MAX];
    assert_int_equal(f->vm.mem.ram[VGA_TEXT_BASE], 0x20);
    assert_int_equal(f->vm.mem.ram[VGA_TEXT_BASE + 1], 0x07);
    assert_int_equal(vga_text_render(&f->vm, text, sizeof text), VGA_TEXT_ROWS);
    for (unsigned i = 0; i < VGA_TEXT_ROWS; i++)
        assert_int_equal(text[i], '\n');
}

static void test_characters(void **state)
{
    struct fixture *f = *state;
    put_text(f, 2 * VGA_TEXT_COLS, "$ ls");
    put_cell(f, 2 * VGA_TEXT_COLS + 5, 0x00);
    put_cell(f, 2 * VGA_TEXT_COLS + 6, 0xb3); /* CP437 box drawing */
    put_cell(f, 2 * VGA_TEXT_COLS + 7, 0x7f);
    assert_string_equal(rendered_row(f, 2), "$ ls  ??");
    put_cell(f, 3 * VGA_TEXT_COLS + VGA_TEXT_COLS - 1, 'z');
    assert_int_equal(strlen(rendered_row(f, 3)), VGA_TEXT_COLS);
    assert_string_equal(rendered_row(f, 1), "");
}

static void test_start_address_scrolls_and_wraps(void **state)
{
    struct fixture *f = *state;
    put_text(f, 30 * VGA_TEXT_COLS, "row thirty");
    crtc_set(f, CRTC_REG_START_HI, (30 * VGA_TEXT_COLS) >> 8);
    crtc_set(f, CRTC_REG_START_LO, (30 * VGA_TEXT_COLS) & 0xff);
    assert_int_equal(crtc_start_address(&f->vm), 30 * VGA_TEXT_COLS);
    assert_string_equal(rendered_row(f, 0), "row thirty");
    /* Start 256 cells before the window's end: screen cell 256 (row 3,
     * column 16) is the window's first cell. */
    unsigned start = VGA_TEXT_WINDOW / 2 - 256;
    crtc_set(f, CRTC_REG_START_HI, (uint8_t)(start >> 8));
    crtc_set(f, CRTC_REG_START_LO, (uint8_t)start);
    put_cell(f, 0, 'W');
    assert_string_equal(rendered_row(f, 3), "                W");
}

static void test_cursor_register_pair(void **state)
{
    struct fixture *f = *state;
    crtc_set(f, CRTC_REG_CURSOR_HI, 0x07);
    crtc_set(f, CRTC_REG_CURSOR_LO, 0xcf);
    assert_int_equal(crtc_cursor(&f->vm), 0x7cf);
    portio_write(&f->vm, CRTC_PORT_INDEX, 2, CRTC_REG_CURSOR_LO | 0x10 << 8);
    assert_int_equal(crtc_cursor(&f->vm), 0x710);
    assert_int_equal(portio_read(&f->vm, CRTC_PORT_INDEX, 2), CRTC_REG_CURSOR_LO | 0x10 << 8);
    portio_write(&f->vm, CRTC_PORT_INDEX, 1, 0x3f); /* beyond the file: index bits 4:0 */
    assert_int_equal(portio_read(&f->vm, CRTC_PORT_INDEX, 1), 0x1f);
    assert_int_equal(portio_read(&f->vm, CRTC_PORT_DATA, 1), 0);
}

static void test_sampling_counts_changed_cells(void **state)
{
    struct fixture *f = *state;
    vga_text_poll(&f->vm); /* the first poll samples at once */
    assert_int_equal(f->vm.stats.vga_screen_updates, 0);
    put_text(f, 0, "hello");
    f->now += VGA_TEXT_SAMPLE_NS - 1;
    vga_text_poll(&f->vm);
    assert_int_equal(f->vm.stats.vga_cells_drawn, 0); /* too early */
    f->now += 1;
    vga_text_poll(&f->vm);
    assert_int_equal(f->vm.stats.vga_cells_drawn, 5);
    assert_int_equal(f->vm.stats.vga_screen_updates, 1);
    put_text(f, 0, "help!"); /* two cells differ */
    vga_text_finish(&f->vm);
    assert_int_equal(f->vm.stats.vga_cells_drawn, 7);
    assert_int_equal(f->vm.stats.vga_screen_updates, 2);
}

static void test_file_holds_the_screen(void **state)
{
    struct fixture *f = *state;
    char text[VGA_TEXT_RENDER_MAX], file[VGA_TEXT_RENDER_MAX + 16];
    put_text(f, 24 * VGA_TEXT_COLS, "init: starting sh");
    vga_text_finish(&f->vm);
    size_t len = vga_text_render(&f->vm, text, sizeof text);
    FILE *in = fopen(f->path, "r");
    assert_non_null(in);
    size_t got = fread(file, 1, sizeof file, in);
    fclose(in);
    assert_int_equal(got, len);
    assert_memory_equal(file, text, len);
    assert_non_null(strstr(file, "\ninit: starting sh\n"));
}

static void test_unwritable_file_is_an_error(void **state)
{
    (void)state;
    struct vm *vm = calloc(1, sizeof *vm);
    char err[160] = "";
    assert_non_null(vm);
    vm->cfg.vga_text_path = "/nonexistent-dir/screen.txt";
    assert_int_equal(vga_text_init(vm, err, sizeof err), -1);
    assert_non_null(strstr(err, "--vga-text '/nonexistent-dir/screen.txt': cannot write"));
    free(vm->board.vga);
    free(vm);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_starts_blank, setup, teardown),
        cmocka_unit_test_setup_teardown(test_characters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_address_scrolls_and_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_register_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sampling_counts_changed_cells, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_holds_the_screen, setup, teardown),
        cmocka_unit_test(test_unwritable_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
