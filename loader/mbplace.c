/*
 * mbplace.c: where a Multiboot kernel's segments may go, and putting them there.
 *
 * The load plan (ELF program headers or the a.out kludge fields) comes from
 * an untrusted file, so before a single byte is written every segment is
 * checked against the guest's physical memory layout, the same one the
 * kernel is told about in the Multiboot memory map (mbinfo.c):
 *   0x00000-0x00fff  page 0: real-mode interrupt table and BIOS data area;
 *                    refused, a kernel loaded there is almost surely a
 *                    link-script mistake, and it is where a null pointer points;
 *   0x01000-0x9fbff  conventional memory (the information structure goes
 *                    into a free page of it, chosen after this check);
 *   0x9fc00-0xfffff  reserved: EBDA, VGA memory, option and BIOS ROMs;
 *   0x100000-RAM end extended memory, where kernels normally live.
 * Segments must also lie wholly inside RAM and must not overlap each other
 * (two PT_LOADs over the same bytes would make the load order matter).  All
 * ends are computed in 64 bits, so a 32-bit wrap cannot hide a segment.
 *
 * Copying goes through gmem_write_phys(), like every write the monitor makes
 * to guest RAM, so a translation cache that already holds code for these
 * pages (a reload after reset) drops it.
 *
 *   if (mb_segments_check(&img, err, sizeof err) < 0) return -1;
 *   mb_segments_copy(vm, &img);
 */
#include <inttypes.h>

#include "loader/mbimage.h"
#include "monitor/vm.h"

/* End (exclusive) of a segment in 64 bits: paddr + memsz cannot wrap there. */
static uint64_t mb_segment_end(const struct mb_segment *s)
{
    return (uint64_t)s->paddr + s->memsz;
}

static int mb_ranges_overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
    return a0 < b1 && b0 < a1;
}

/* One segment against the fixed layout of guest physical memory. */
static int mb_segment_check_layout(const struct mb_image *img, const struct mb_segment *s,
                                   char *err, size_t errlen)
{
    uint64_t start = s->paddr, end = mb_segment_end(s);
    char sz[32];
    if (start < MB_LOW_LIMIT)
        return mb_fail(err, errlen,
                       "kernel segment 0x%" PRIx64 "-0x%" PRIx64 " lies below 0x%x (page 0 "
                       "holds the real-mode interrupt table)",
                       start, end, MB_LOW_LIMIT);
    if (end > img->ram_size)
        return mb_fail(err, errlen,
                       "kernel segment 0x%" PRIx64 "-0x%" PRIx64 " lies outside guest RAM (%s)",
                       start, end, mb_format_size(img->ram_size, sz, sizeof sz));
    if (mb_ranges_overlap(start, end, MB_LOW_RAM_END, MB_HIGH_RAM_START))
        return mb_fail(err, errlen,
                       "kernel segment 0x%" PRIx64 "-0x%" PRIx64 " overlaps the reserved area "
                       "0x%x-0x%x (EBDA, VGA memory, BIOS ROM)",
                       start, end, MB_LOW_RAM_END, MB_HIGH_RAM_START);
    return 0;
}

int mb_segments_check(const struct mb_image *img, char *err, size_t errlen)
{
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct mb_segment *a = &img->seg[i];
        if (mb_segment_check_layout(img, a, err, errlen) < 0)
            return -1;
        for (unsigned j = 0; j < i; j++) {
            const struct mb_segment *b = &img->seg[j];
            if (mb_ranges_overlap(a->paddr, mb_segment_end(a), b->paddr, mb_segment_end(b)))
                return mb_fail(err, errlen,
                               "kernel segments 0x%x-0x%" PRIx64 " and 0x%x-0x%" PRIx64
                               " overlap",
                               b->paddr, mb_segment_end(b), a->paddr, mb_segment_end(a));
        }
    }
    return 0;
}

/* Zero guest [pa, pa+len) through gmem_write_phys, one page-sized chunk at a time. */
static void mb_zero_phys(struct vm *vm, uint64_t pa, uint32_t len)
{
    static const uint8_t zeros[GMEM_PAGE_SIZE]; /* const: no mutable state */
    while (len) {
        uint32_t n = len < sizeof zeros ? len : (uint32_t)sizeof zeros;
        gmem_write_phys(vm, pa, zeros, n);
        pa += n;
        len -= n;
    }
}

void mb_segments_copy(struct vm *vm, const struct mb_image *img)
{
    for (unsigned i = 0; i < img->nseg; i++) {
        const struct mb_segment *s = &img->seg[i];
        gmem_write_phys(vm, s->paddr, img->data + s->offset, s->filesz);
        mb_zero_phys(vm, (uint64_t)s->paddr + s->filesz, s->memsz - s->filesz);
    }
}
