/*
 * fwcfg.c: the fw_cfg item table, its selector and data ports, and the
 * items this board publishes (see fwcfg.h; the DMA interface is in
 * fwcfg_dma.c).
 *
 * An item is a key and a byte string.  Writing the selector port picks an
 * item and rewinds to its first byte; each read of the data port returns
 * the next byte, 0 past the end or for a key nobody defined (QEMU does the
 * same, and kvm-unit-tests relies on it: an unknown key reads as 0).  A
 * wider read of the data port returns that many consecutive bytes.  Writes
 * to the data port are ignored, as in QEMU since 2.4.  The write-channel
 * bit 0x4000 of a key is dropped; the architecture-local bit 0x8000 is
 * part of the key.
 *
 * The board publishes what a QEMU PC would for these keys: the signature,
 * the feature word (traditional and DMA interfaces), the RAM size, one CPU,
 * no graphics, and a file directory holding "etc/e820" (the RAM as one
 * E820 entry, QEMU's layout).  Files get consecutive keys from 0x0020 and
 * the directory (key 0x0019: a big-endian count, then entries of a
 * big-endian size, key, reserved word and a 56-byte name) is rebuilt at
 * each fwcfg_add_file().
 *
 *   fwcfg_add_file(vm->board.fwcfg, "etc/e820", table, sizeof table);
 */
#include "devices/fwcfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/vm.h"

#define FWCFG_KEY_WRITE_CHANNEL 0x4000u
#define FWCFG_E820_RAM 1u

const struct fwcfg_item *fwcfg_find(const struct fwcfg *f, uint16_t key)
{
    for (int i = 0; i < f->count; i++)
        if (f->items[i].key == key)
            return &f->items[i];
    return NULL;
}

int fwcfg_add_item(struct fwcfg *f, uint16_t key, const void *data, uint32_t len)
{
    struct fwcfg_item *it = (struct fwcfg_item *)fwcfg_find(f, key);
    if (!it) {
        if (f->count == FWCFG_MAX_ITEMS)
            return -1;
        it = &f->items[f->count++];
        it->key = key;
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    memcpy(copy, data, len);
    free(it->data);
    it->data = copy;
    it->len = len;
    return 0;
}

static void fwcfg_put_be(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

/* Rebuild key 0x0019 from the named files FWCFG_KEY_FILE_FIRST.. */
static int fwcfg_build_dir(struct fwcfg *f)
{
    enum { ENTRY = 4 + 2 + 2 + FWCFG_FILE_NAME_LEN };
    uint8_t dir[4 + FWCFG_MAX_FILES * ENTRY];
    memset(dir, 0, sizeof dir);
    fwcfg_put_be(dir, (uint32_t)f->files, 4);
    for (int i = 0; i < f->files; i++) {
        uint16_t key = (uint16_t)(FWCFG_KEY_FILE_FIRST + i);
        uint8_t *e = dir + 4 + i * ENTRY;
        fwcfg_put_be(e, fwcfg_find(f, key)->len, 4);
        fwcfg_put_be(e + 4, key, 2);
        memcpy(e + 8, f->file_names[i], FWCFG_FILE_NAME_LEN);
    }
    return fwcfg_add_item(f, FWCFG_KEY_FILE_DIR, dir, (uint32_t)(4 + f->files * ENTRY));
}

int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, uint32_t len)
{
    if (strlen(name) >= FWCFG_FILE_NAME_LEN || f->files >= FWCFG_MAX_FILES)
        return -1;
    if (fwcfg_add_item(f, (uint16_t)(FWCFG_KEY_FILE_FIRST + f->files), data, len) < 0)
        return -1;
    memset(f->file_names[f->files], 0, FWCFG_FILE_NAME_LEN);
    memcpy(f->file_names[f->files], name, strlen(name));
    f->files++;
    return fwcfg_build_dir(f);
}

static uint8_t fwcfg_next_byte(struct fwcfg *f)
{
    const struct fwcfg_item *it = fwcfg_find(f, f->selector);
    if (!it || f->offset >= it->len)
        return 0;
    return it->data[f->offset++];
}

static uint32_t fwcfg_port_read(void *dev, uint16_t port, unsigned size)
{
    struct fwcfg *f = dev;
    if (port >= FWCFG_PORT_DMA)
        return fwcfg_dma_port_read(f, port, size);
    if (port != FWCFG_PORT_DATA)
        return 0; /* the selector reads as 0 in QEMU too */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)fwcfg_next_byte(f) << (8 * i);
    return v;
}

static void fwcfg_port_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct fwcfg *f = dev;
    if (port >= FWCFG_PORT_DMA) {
        fwcfg_dma_port_write(f, port, size, value);
        return;
    }
    if (port == FWCFG_PORT_SELECTOR && size >= 2)
        fwcfg_select(f, (uint16_t)value);
}

void fwcfg_select(struct fwcfg *f, uint16_t key)
{
    f->selector = (uint16_t)(key & ~FWCFG_KEY_WRITE_CHANNEL);
    f->offset = 0;
}

/* The items a QEMU PC publishes that this board can honour. */
static int fwcfg_add_board_items(struct fwcfg *f, const struct vm *vm)
{
    uint8_t buf[20];
    uint64_t ram = vm->mem.ram_size;
    uint32_t id = FWCFG_ID_TRADITIONAL | FWCFG_ID_DMA;
    uint16_t one = 1;
    int r = fwcfg_add_item(f, FWCFG_KEY_SIGNATURE, "QEMU", 4);
    r |= fwcfg_add_item(f, FWCFG_KEY_ID, &id, 4);
    r |= fwcfg_add_item(f, FWCFG_KEY_RAM_SIZE, &ram, 8);
    r |= fwcfg_add_item(f, FWCFG_KEY_NOGRAPHIC, &one, 2);
    r |= fwcfg_add_item(f, FWCFG_KEY_NB_CPUS, &one, 2);
    r |= fwcfg_add_item(f, FWCFG_KEY_MAX_CPUS, &one, 2);
    uint64_t base = 0;
    uint32_t type = FWCFG_E820_RAM; /* QEMU's struct e820_entry: u64 address, u64 length, u32 type */
    memcpy(buf, &base, 8);
    memcpy(buf + 8, &ram, 8);
    memcpy(buf + 16, &type, 4);
    r |= fwcfg_add_file(f, "etc/e820", buf, sizeof buf);
    return r;
}

void fwcfg_destroy(struct fwcfg *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->count; i++)
        free(f->items[i].data);
    f->count = 0;
}

int fwcfg_init(struct vm *vm, char *err, size_t errlen)
{
    struct fwcfg *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "board: out of memory for fw_cfg");
        return -1;
    }
    vm->board.fwcfg = f;
    f->vm = vm;
    if (fwcfg_add_board_items(f, vm) < 0) {
        snprintf(err, errlen, "board: cannot build the fw_cfg items");
        return -1;
    }
    if (portio_register(&vm->board.bus, FWCFG_PORT_SELECTOR, FWCFG_NR_PORTS, fwcfg_port_read,
                        fwcfg_port_write, f, "fw_cfg") < 0) {
        snprintf(err, errlen, "board: cannot register fw_cfg at port 0x%x", FWCFG_PORT_SELECTOR);
        return -1;
    }
    return 0;
}
