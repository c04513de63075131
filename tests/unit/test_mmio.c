/*
 * test_mmio.c: the bus of memory-mapped devices (shadowmm/mmio.c).
 *
 * A fake device logs every access it receives (offset, size, value) and
 * answers reads with a value derived from the offset, so each test can
 * check that an access reached the right device, with the offset from the
 * range base and the size the caller asked for; that registration refuses
 * ranges overlapping RAM or each other; and that unassigned addresses read
 * all-ones, drop writes and are counted apart from device accesses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "monitor/vm.h"
#include "shadowmm/mmio.h"

#define RAM_SIZE (16u << 20)
#define LOG_MAX 16

struct fake_access {
    bool write;      /* write (true) or read */
    uint64_t offset; /* offset the device saw */
    unsigned size;   /* bytes */
    uint64_t value;  /* written value */
};

struct fake_dev {
    struct fake_access log[LOG_MAX]; /* accesses in order */
    int count;                       /* entries in log */
    uint64_t salt;                   /* mixed into read answers, per device */
};

/* What the fake device answers: depends on offset and salt, wider than
 * any access so the bus's masking shows. */
static uint64_t fake_answer(const struct fake_dev *f, uint64_t offset)
{
    return 0x8877665544332211ull ^ (offset * 0x0101010101010101ull) ^ f->salt;
}

static uint64_t fake_read(void *dev, uint64_t offset, unsigned size)
{
    struct fake_dev *f = dev;
    if (f->count < LOG_MAX)
        f->log[f->count++] = (struct fake_access){ false, offset, size, 0 };
    return fake_answer(f, offset);
}

static void fake_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
    struct fake_dev *f = dev;
    if (f->count < LOG_MAX)
        f->log[f->count++] = (struct fake_access){ true, offset, size, value };
}

static int setup(void **state)
{
    struct vm *vm = calloc(1, sizeof *vm);
    if (!vm)
        return -1;
    vm->mem.ram_size = RAM_SIZE;
    *state = vm;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void test_register_rejects_ram(void **state)
{
    struct vm *vm = *state;
    struct fake_dev f = { 0 };
    assert_int_equal(mmio_register(vm, 0, 0x1000, fake_read, fake_write, &f, "low"), -1);
    assert_int_equal(mmio_register(vm, RAM_SIZE - 0x1000, 0x1000, fake_read, fake_write, &f, "top"), -1);
    assert_int_equal(mmio_register(vm, RAM_SIZE - 1, 2, fake_read, fake_write, &f, "straddle"), -1);
    assert_int_equal(vm->mmio.count, 0);
    /* The first byte above RAM is fine. */
    assert_int_equal(mmio_register(vm, RAM_SIZE, 0x1000, fake_read, fake_write, &f, "above"), 0);
    assert_int_equal(vm->mmio.count, 1);
}

static void test_register_rejects_overlap(void **state)
{
    struct vm *vm = *state;
    struct fake_dev f = { 0 };
    assert_int_equal(mmio_register(vm, 0xe0001000, 0x1000, fake_read, fake_write, &f, "a"), 0);
    assert_int_equal(mmio_register(vm, 0xe0001800, 0x1000, fake_read, fake_write, &f, "tail"), -1);
    assert_int_equal(mmio_register(vm, 0xe0000800, 0x1000, fake_read, fake_write, &f, "head"), -1);
    assert_int_equal(mmio_register(vm, 0xe0001400, 0x10, fake_read, fake_write, &f, "inside"), -1);
    assert_int_equal(mmio_register(vm, 0xe0000000, 0x4000, fake_read, fake_write, &f, "around"), -1);
    /* Adjacent on both sides is not an overlap. */
    assert_int_equal(mmio_register(vm, 0xe0000000, 0x1000, fake_read, fake_write, &f, "below"), 0);
    assert_int_equal(mmio_register(vm, 0xe0002000, 0x1000, fake_read, fake_write, &f, "above"), 0);
    assert_int_equal(vm->mmio.count, 3);
}

static void test_register_rejects_bad_ranges(void **state)
{
    struct vm *vm = *state;
    struct fake_dev f = { 0 };
    assert_int_equal(mmio_register(vm, 0xe0000000, 0, fake_read, fake_write, &f, "empty"), -1);
    assert_int_equal(mmio_register(vm, ~0ull - 0xff, 0x1000, fake_read, fake_write, &f, "wraps"), -1);
    for (int i = 0; i < MMIO_MAX_RANGES; i++)
        assert_int_equal(mmio_register(vm, 0xf0000000 + 0x1000ull * i, 0x1000, fake_read, fake_write, &f, "n"), 0);
    assert_int_equal(mmio_register(vm, 0xe0000000, 0x1000, fake_read, fake_write, &f, "full"), -1);
    assert_int_equal(vm->mmio.count, MMIO_MAX_RANGES);
}

static void test_find(void **state)
{
    struct vm *vm = *state;
    struct fake_dev a = { 0 }, b = { 0 };
    assert_int_equal(mmio_register(vm, 0xe0000000, 0x100, fake_read, fake_write, &a, "a"), 0);
    assert_int_equal(mmio_register(vm, 0xfee00000, 0x1000, fake_read, fake_write, &b, "b"), 0);
    assert_null(mmio_find(vm, 0xdfffffff));
    assert_ptr_equal(mmio_find(vm, 0xe0000000)->dev, &a);
    assert_ptr_equal(mmio_find(vm, 0xe00000ff)->dev, &a);
    assert_null(mmio_find(vm, 0xe0000100));
    assert_string_equal(mmio_find(vm, 0xfee00fff)->name, "b");
    assert_null(mmio_find(vm, 0x1000));
}

static void test_dispatch_offsets_and_sizes(void **state)
{
    struct vm *vm = *state;
    struct fake_dev a = { .salt = 0 }, b = { .salt = 0xabcdef };
    assert_int_equal(mmio_register(vm, 0xe0000000, 0x1000, fake_read, fake_write, &a, "a"), 0);
    assert_int_equal(mmio_register(vm, 0xe0001000, 0x1000, fake_read, fake_write, &b, "b"), 0);
    static const unsigned sizes[] = { 1, 2, 4, 8 };
    for (unsigned k = 0; k < 4; k++) {
        unsigned n = sizes[k];
        uint64_t mask = n == 8 ? ~0ull : (1ull << (8 * n)) - 1;
        uint64_t off = 0x40 + 8 * k;
        assert_int_equal(mmio_read(vm, 0xe0001000 + off, n), fake_answer(&b, off) & mask);
        mmio_write(vm, 0xe0000000 + off, n, 0xfedcba9876543210ull);
        assert_int_equal(b.log[k].offset, off);
        assert_int_equal(b.log[k].size, n);
        assert_false(b.log[k].write);
        assert_true(a.log[k].write);
        assert_int_equal(a.log[k].offset, off);
        assert_int_equal(a.log[k].size, n);
        assert_int_equal(a.log[k].value, 0xfedcba9876543210ull & mask);
    }
    assert_int_equal(a.count, 4);
    assert_int_equal(b.count, 4);
    assert_int_equal(vm->stats.mmio_accesses, 8);
    assert_int_equal(vm->stats.mmio_unassigned, 0);
}

static void test_unassigned(void **state)
{
    struct vm *vm = *state;
    struct fake_dev a = { 0 };
    assert_int_equal(mmio_register(vm, 0xe0000000, 0x1000, fake_read, fake_write, &a, "a"), 0);
    assert_int_equal(mmio_read(vm, 0xe0001000, 1), 0xff);
    assert_int_equal(mmio_read(vm, 0xe0001000, 2), 0xffff);
    assert_int_equal(mmio_read(vm, 0xe0001000, 4), 0xffffffffu);
    assert_int_equal(mmio_read(vm, 0xc0000000, 8), ~0ull);
    mmio_write(vm, 0xe0001000, 4, 0x12345678);
    assert_int_equal(a.count, 0);
    assert_int_equal(vm->stats.mmio_unassigned, 5);
    assert_int_equal(vm->stats.mmio_accesses, 0);
}

static void test_null_handlers(void **state)
{
    struct vm *vm = *state;
    assert_int_equal(mmio_register(vm, 0xe0000000, 0x1000, NULL, NULL, NULL, "rom-less"), 0);
    assert_int_equal(mmio_read(vm, 0xe0000010, 4), 0xffffffffu);
    mmio_write(vm, 0xe0000010, 4, 1); /* must not call through NULL */
    assert_int_equal(vm->stats.mmio_accesses, 2);
    assert_int_equal(vm->stats.mmio_unassigned, 0);
}

/* A dword whose last two bytes lie past the range's end: the two bytes
 * inside reach the device one at a time, the two outside read 0xff. */
static void test_access_crossing_range_end(void **state)
{
    struct vm *vm = *state;
    struct fake_dev a = { 0 };
    assert_int_equal(mmio_register(vm, 0xe0000000, 0x100, fake_read, fake_write, &a, "a"), 0);
    uint64_t lo = fake_answer(&a, 0xfe) & 0xff, hi = fake_answer(&a, 0xff) & 0xff;
    assert_int_equal(mmio_read(vm, 0xe00000fe, 4), 0xffff0000u | (hi << 8) | lo);
    assert_int_equal(a.count, 2);
    assert_int_equal(a.log[0].offset, 0xfe);
    assert_int_equal(a.log[0].size, 1);
    assert_int_equal(a.log[1].offset, 0xff);
    mmio_write(vm, 0xe00000ff, 2, 0xbbaa);
    assert_int_equal(a.count, 3);
    assert_true(a.log[2].write);
    assert_int_equal(a.log[2].offset, 0xff);
    assert_int_equal(a.log[2].size, 1);
    assert_int_equal(a.log[2].value, 0xaa);
    assert_int_equal(vm->stats.mmio_accesses, 3);
    assert_int_equal(vm->stats.mmio_unassigned, 3);
}

/* An odd size (3 bytes) is split into bytes; a size above 8 is refused. */
static void test_odd_sizes(void **state)
{
    struct vm *vm = *state;
    struct fake_dev a = { 0 };
    assert_int_equal(mmio_register(vm, 0xe0000000, 0x100, fake_read, fake_write, &a, "a"), 0);
    uint64_t want = 0;
    for (unsigned i = 0; i < 3; i++)
        want |= (fake_answer(&a, 0x10 + i) & 0xff) << (8 * i);
    assert_int_equal(mmio_read(vm, 0xe0000010, 3), want);
    assert_int_equal(a.count, 3);
    assert_int_equal(mmio_read(vm, 0xe0000010, 9), 0);
    mmio_write(vm, 0xe0000010, 0, 1);
    assert_int_equal(a.count, 3);
}

static int reset(void **state)
{
    struct vm *vm = *state;
    memset(&vm->mmio, 0, sizeof vm->mmio);
    memset(&vm->stats, 0, sizeof vm->stats);
    return 0;
}

#define T(fn) cmocka_unit_test_setup(fn, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_register_rejects_ram),
        T(test_register_rejects_overlap),
        T(test_register_rejects_bad_ranges),
        T(test_find),
        T(test_dispatch_offsets_and_sizes),
        T(test_unassigned),
        T(test_null_handlers),
        T(test_access_crossing_range_end),
        T(test_odd_sizes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
