/*
 * aout.c: the load plan of a Multiboot "a.out kludge" kernel.
 *
 * With flag bit 16 set, the Multiboot header itself says where the image
 * goes (Multiboot 0.6.96 §3.1.3), whatever the file format, and takes
 * precedence over an ELF header if there is one:
 *   header_addr    physical address the header's magic is loaded at;
 *   load_addr      physical address of the first loaded byte; the file
 *                  offset of that byte is header offset - (header_addr -
 *                  load_addr), so load_addr <= header_addr;
 *   load_end_addr  end of the loaded bytes, 0 = up to the end of the file;
 *   bss_end_addr   end of the zeroed bss after them, 0 = no bss;
 *   entry_addr     physical address to jump to.
 * The result is one struct mb_segment; where it may lie in RAM is checked
 * later by mb_segments_check(), as for ELF kernels.
 *
 *   if (img.hdr.flags & MB_HF_AOUT_KLUDGE)
 *       if (mb_aout_collect(&img, err, sizeof err) < 0) return -1;
 */
#include "loader/mbimage.h"

/* File offset of the byte that goes to load_addr. */
static int mb_aout_text_offset(const struct mb_image *img, uint32_t *text, char *err,
                               size_t errlen)
{
    const struct mb_header *h = &img->hdr;
    if (h->load_addr > h->header_addr)
        return mb_fail(err, errlen, "'%s': multiboot load_addr 0x%x lies above header_addr 0x%x",
                       img->path, h->load_addr, h->header_addr);
    uint32_t delta = h->header_addr - h->load_addr;
    if (delta > h->offset)
        return mb_fail(err, errlen,
                       "'%s': multiboot header_addr 0x%x - load_addr 0x%x points before the start "
                       "of the file (header at file offset 0x%x)",
                       img->path, h->header_addr, h->load_addr, h->offset);
    *text = h->offset - delta;
    return 0;
}

/* Bytes to copy from the file, from load_end_addr (0: the rest of the file). */
static int mb_aout_file_size(const struct mb_image *img, uint32_t text, uint64_t *filesz,
                             char *err, size_t errlen)
{
    const struct mb_header *h = &img->hdr;
    if (h->load_end_addr == 0) {
        *filesz = img->size - text;
        return 0;
    }
    if (h->load_end_addr < h->load_addr)
        return mb_fail(err, errlen, "'%s': multiboot load_end_addr 0x%x lies below load_addr 0x%x",
                       img->path, h->load_end_addr, h->load_addr);
    *filesz = h->load_end_addr - h->load_addr;
    uint64_t end;
    if (!mb_add_checked(text, *filesz, &end) || end > img->size)
        return mb_fail(err, errlen,
                       "'%s': multiboot load_end_addr 0x%x lies beyond the end of the file "
                       "(needs 0x%llx bytes from file offset 0x%x, the file has %zu)",
                       img->path, h->load_end_addr, (unsigned long long)*filesz, text, img->size);
    return 0;
}

/* Bytes occupied in memory, from bss_end_addr (0: no bss). */
static int mb_aout_mem_size(const struct mb_image *img, uint64_t filesz, uint64_t *memsz,
                            char *err, size_t errlen)
{
    const struct mb_header *h = &img->hdr;
    uint64_t load_end = (uint64_t)h->load_addr + filesz;
    *memsz = filesz;
    if (h->bss_end_addr == 0)
        return 0;
    if (h->bss_end_addr < load_end)
        return mb_fail(err, errlen,
                       "'%s': multiboot bss_end_addr 0x%x lies below the end of the loaded "
                       "image 0x%llx",
                       img->path, h->bss_end_addr, (unsigned long long)load_end);
    *memsz = h->bss_end_addr - h->load_addr;
    return 0;
}

int mb_aout_collect(struct mb_image *img, char *err, size_t errlen)
{
    const struct mb_header *h = &img->hdr;
    uint32_t text = 0;
    uint64_t filesz = 0, memsz = 0;
    if (mb_aout_text_offset(img, &text, err, errlen) < 0 ||
        mb_aout_file_size(img, text, &filesz, err, errlen) < 0 ||
        mb_aout_mem_size(img, filesz, &memsz, err, errlen) < 0)
        return -1;
    if (memsz == 0)
        return mb_fail(err, errlen, "'%s': multiboot load addresses describe an empty image",
                       img->path);
    /* memsz < 2^32: bss_end_addr - load_addr, or a file no larger than guest RAM. */
    if (h->entry_addr < h->load_addr ||
        (uint64_t)h->entry_addr - h->load_addr >= memsz)
        return mb_fail(err, errlen,
                       "'%s': entry point 0x%x is not inside the loaded image 0x%x-0x%llx",
                       img->path, h->entry_addr, h->load_addr,
                       (unsigned long long)h->load_addr + memsz);
    img->seg[0] = (struct mb_segment){ .paddr = h->load_addr, .vaddr = h->load_addr,
                                       .filesz = (uint32_t)filesz, .memsz = (uint32_t)memsz,
                                       .offset = text };
    img->nseg = 1;
    img->entry = h->entry_addr;
    return 0;
}
