/*
 * fwcfg_dma.c: the DMA interface of fw_cfg (QEMU docs/specs/fw_cfg.rst,
 * "DMA interface"), see fwcfg.h.
 *
 * The guest builds a descriptor in its memory — a big-endian 32-bit control
 * word, a 32-bit length and a 64-bit address — and writes the descriptor's
 * physical address to the DMA register, big-endian: the high half at port
 * 0x514, then the low half at 0x518, which starts the transfer.  The control
 * word may select an item (key in its top 16 bits, bit 3), then read (bit 1:
 * copy `length` bytes of the item from the current offset to `address`,
 * zeros past its end) or skip (bit 2: advance the offset).  Writing items
 * (bit 4) is not offered: the control word comes back with the error bit
 * (bit 0).  On success the device writes the control word back as 0, which
 * is how the guest learns that the transfer is over (here it always is by
 * the time the port write returns).  Reading the DMA register returns the
 * signature "QEMU CFG" in port order.
 *
 *   outl(0x514, 0); outl(0x518, bswap32(desc_pa));   // guest: run one descriptor
 */
#include <stdbool.h>
#include <string.h>

#include "devices/fwcfg.h"
#include "monitor/vm.h"
#include "shadowmm/gmem.h"

#define FWCFG_DMA_CHUNK 4096u

static uint64_t fwcfg_get_be(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v = (v << 8) | p[i];
    return v;
}

uint32_t fwcfg_dma_port_read(struct fwcfg *f, uint16_t port, unsigned size)
{
    static const char signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };
    unsigned off = port - FWCFG_PORT_DMA;
    uint32_t v = 0;
    (void)f;
    for (unsigned i = 0; i < size && off + i < sizeof signature; i++)
        v |= (uint32_t)(uint8_t)signature[off + i] << (8 * i);
    return v;
}

/* Copy len bytes of the selected item (zeros past its end) to guest pa. */
static void fwcfg_dma_read_item(struct fwcfg *f, uint64_t pa, uint32_t len)
{
    const struct fwcfg_item *it = fwcfg_find(f, f->selector);
    uint8_t chunk[FWCFG_DMA_CHUNK];
    while (len) {
        uint32_t n = len < FWCFG_DMA_CHUNK ? len : FWCFG_DMA_CHUNK;
        memset(chunk, 0, n);
        if (it && f->offset < it->len) {
            uint32_t have = it->len - f->offset;
            memcpy(chunk, it->data + f->offset, have < n ? have : n);
        }
        gmem_write_phys(f->vm, pa, chunk, n);
        f->offset = f->offset + n < f->offset ? UINT32_MAX : f->offset + n;
        pa += n;
        len -= n;
    }
}

/* Run the descriptor at guest-physical address desc_pa. */
static void fwcfg_dma_transfer(struct fwcfg *f, uint64_t desc_pa)
{
    uint8_t desc[16];
    gmem_read_phys(f->vm, desc_pa, desc, sizeof desc);
    uint32_t control = (uint32_t)fwcfg_get_be(desc, 4);
    uint32_t len = (uint32_t)fwcfg_get_be(desc + 4, 4);
    uint64_t pa = fwcfg_get_be(desc + 8, 8);
    bool error = false;
    if (control & FWCFG_DMA_SELECT)
        fwcfg_select(f, (uint16_t)(control >> 16));
    if (control & FWCFG_DMA_READ) {
        if (pa > (1ull << 32) || len > (1ull << 32) - pa)
            error = true; /* beyond the 32-bit physical address space of this board */
        else
            fwcfg_dma_read_item(f, pa, len);
    } else if (control & FWCFG_DMA_WRITE) {
        error = true; /* no item is writable */
    } else if (control & FWCFG_DMA_SKIP) {
        f->offset = f->offset + len < f->offset ? UINT32_MAX : f->offset + len;
    }
    uint8_t status[4] = { 0, 0, 0, error ? FWCFG_DMA_ERROR : 0 };
    gmem_write_phys(f->vm, desc_pa, status, sizeof status);
}

static uint32_t fwcfg_bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

void fwcfg_dma_port_write(struct fwcfg *f, uint16_t port, unsigned size, uint32_t value)
{
    unsigned off = port - FWCFG_PORT_DMA;
    if (size != 4)
        return; /* QEMU acts only on 32-bit halves (or one 64-bit MMIO write) */
    if (off == 0) {
        f->dma_addr = (uint64_t)fwcfg_bswap32(value) << 32;
    } else if (off == 4) {
        uint64_t desc = f->dma_addr | fwcfg_bswap32(value);
        f->dma_addr = 0;
        fwcfg_dma_transfer(f, desc);
    }
}
