/*
 * fwcfg.h: QEMU's firmware configuration device (fw_cfg) on I/O ports
 * 0x510-0x51b, as QEMU's docs/specs/fw_cfg.rst defines it.
 *
 * A guest selects an item by writing its 16-bit key to the selector port
 * 0x510 and reads the item's bytes one at a time from the data port 0x511
 * (past the end it reads 0).  The DMA interface at 0x514 (a big-endian
 * 64-bit guest-physical address; writing its low half at 0x518 starts the
 * transfer) moves whole items into guest memory.  Firmware and test
 * frameworks (SeaBIOS, kvm-unit-tests) read the CPU count, the RAM size and
 * named files here.
 *
 *   outw(0x510, FWCFG_KEY_NB_CPUS); n = inb(0x511) | inb(0x511) << 8;
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct vm;

#define FWCFG_PORT_SELECTOR 0x510
#define FWCFG_PORT_DATA 0x511
#define FWCFG_PORT_DMA 0x514 /* 8 bytes: 0x514 high half, 0x518 low half */
#define FWCFG_NR_PORTS 12

/* Item keys (fw_cfg.rst "Selector Register" and QEMU's fw_cfg_keys.h). */
#define FWCFG_KEY_SIGNATURE 0x0000 /* "QEMU" */
#define FWCFG_KEY_ID 0x0001        /* u32 features: bit 0 traditional, bit 1 DMA */
#define FWCFG_KEY_RAM_SIZE 0x0003  /* u64 bytes */
#define FWCFG_KEY_NOGRAPHIC 0x0004 /* u16 */
#define FWCFG_KEY_NB_CPUS 0x0005   /* u16: CPUs present at boot */
#define FWCFG_KEY_MAX_CPUS 0x000f  /* u16 */
#define FWCFG_KEY_FILE_DIR 0x0019  /* be32 count, then struct fwcfg_file entries */
#define FWCFG_KEY_FILE_FIRST 0x0020 /* the first named file's key */

#define FWCFG_ID_TRADITIONAL 0x1u
#define FWCFG_ID_DMA 0x2u

/* DMA control word bits (fw_cfg.rst "DMA interface"). */
#define FWCFG_DMA_ERROR 0x01u
#define FWCFG_DMA_READ 0x02u
#define FWCFG_DMA_SKIP 0x04u
#define FWCFG_DMA_SELECT 0x08u
#define FWCFG_DMA_WRITE 0x10u

#define FWCFG_MAX_ITEMS 16
#define FWCFG_MAX_FILES 4
#define FWCFG_FILE_NAME_LEN 56

/* One item: its key and its bytes (owned by struct fwcfg). */
struct fwcfg_item {
    uint16_t key;
    uint32_t len;
    uint8_t *data;
};

struct fwcfg {
    struct vm *vm;
    uint16_t selector;        /* the item being read */
    uint32_t offset;          /* next byte of it the data port returns */
    uint64_t dma_addr;        /* the DMA address register: its high half waits for the low one */
    struct fwcfg_item items[FWCFG_MAX_ITEMS];
    int count;
    int files;                /* named files so far (keys FWCFG_KEY_FILE_FIRST + i) */
    char file_names[FWCFG_MAX_FILES][FWCFG_FILE_NAME_LEN]; /* NUL-padded, as in the directory */
};

int fwcfg_init(struct vm *vm, char *err, size_t errlen);
void fwcfg_destroy(struct fwcfg *f);
/* Add an item with a copy of data; returns 0 or -1 when the table is full. */
int fwcfg_add_item(struct fwcfg *f, uint16_t key, const void *data, uint32_t len);
/* Add a named file (e.g. "etc/e820") to the directory; 0 or -1. */
int fwcfg_add_file(struct fwcfg *f, const char *name, const void *data, uint32_t len);
/* The item with that key, NULL if none. */
const struct fwcfg_item *fwcfg_find(const struct fwcfg *f, uint16_t key);
/* Select an item as a selector-port write does (rewinds to its first byte). */
void fwcfg_select(struct fwcfg *f, uint16_t key);
/* The DMA register ports 0x514-0x51b (fwcfg_dma.c). */
uint32_t fwcfg_dma_port_read(struct fwcfg *f, uint16_t port, unsigned size);
void fwcfg_dma_port_write(struct fwcfg *f, uint16_t port, unsigned size, uint32_t value);
