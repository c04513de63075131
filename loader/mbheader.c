/*
 * mbheader.c: finding and checking the Multiboot header of a kernel image.
 *
 * Multiboot 0.6.96 §3.1.1: the header lies entirely within the first 8192
 * bytes of the file, 32-bit aligned, and starts with the magic 0x1BADB002,
 * then flags, then a checksum such that magic + flags + checksum == 0
 * (mod 2^32).  The first aligned position that satisfies all of this is the
 * header; a magic with a bad checksum is skipped, since the same word can
 * occur by chance in code or data placed before the real header.
 *
 * §3.1.2: flag bits 0-15 are requirements: a loader that does not
 * understand one, or cannot meet it, must refuse the image.  btvisor meets
 * bit 0 (page-aligned modules: it loads no modules) and bit 1 (memory
 * information: always provided), but not bit 2 (a video mode table: btvisor
 * has no video adapter to describe).  Of bits 16-31 it understands bit 16,
 * the "a.out kludge" address fields, and ignores the rest as allowed.
 *
 *   if (mb_header_find(&img, err, sizeof err) < 0) return -1;
 *   if (img.hdr.flags & MB_HF_AOUT_KLUDGE) ... img.hdr.load_addr ...
 */
#include "loader/mbimage.h"

/* Bytes of header needed: 12 for magic, flags, checksum; 32 with the address fields. */
#define MB_HEADER_BASE_LEN 12u
#define MB_HEADER_AOUT_LEN 32u

/* True if a valid magic+flags+checksum triple starts at offset off. */
static int mb_header_valid_at(const struct mb_image *img, size_t off)
{
    const uint8_t *p = img->data + off;
    if (mb_get32(p) != MB_HEADER_MAGIC)
        return 0;
    uint32_t sum = mb_get32(p) + mb_get32(p + 4) + mb_get32(p + 8); /* wraps mod 2^32 */
    return sum == 0;
}

/* The window the header must lie in: the first 8 KiB, or less if the file is shorter. */
static size_t mb_header_window(const struct mb_image *img)
{
    return img->size < MB_HEADER_SEARCH ? img->size : MB_HEADER_SEARCH;
}

/* Refuse required flags btvisor cannot satisfy (§3.1.2). */
static int mb_header_check_flags(const struct mb_image *img, char *err, size_t errlen)
{
    uint32_t req = img->hdr.flags & MB_HF_REQUIRED_MASK;
    if (req & MB_HF_VIDEO)
        return mb_fail(err, errlen,
                       "'%s' requires a video mode table (multiboot header flag bit 2), "
                       "which btvisor does not provide",
                       img->path);
    if (req & ~MB_HF_SUPPORTED)
        return mb_fail(err, errlen,
                       "'%s' requires unknown multiboot features (header flags 0x%08x, "
                       "unsupported required bits 0x%04x)",
                       img->path, img->hdr.flags, req & ~MB_HF_SUPPORTED);
    return 0;
}

/* Read the a.out kludge address fields (offsets 12-28, §3.1.3). */
static int mb_header_read_addresses(struct mb_image *img, size_t window, char *err,
                                    size_t errlen)
{
    struct mb_header *h = &img->hdr;
    if (window - h->offset < MB_HEADER_AOUT_LEN)
        return mb_fail(err, errlen,
                       "'%s': multiboot header at offset 0x%x sets flag bit 16 but its "
                       "address fields are cut off by the end of the first 8 KiB or of the file",
                       img->path, h->offset);
    const uint8_t *p = img->data + h->offset;
    h->header_addr = mb_get32(p + 12);
    h->load_addr = mb_get32(p + 16);
    h->load_end_addr = mb_get32(p + 20);
    h->bss_end_addr = mb_get32(p + 24);
    h->entry_addr = mb_get32(p + 28);
    return 0;
}

int mb_header_find(struct mb_image *img, char *err, size_t errlen)
{
    size_t window = mb_header_window(img);
    for (size_t off = 0; off + MB_HEADER_BASE_LEN <= window; off += 4) {
        if (!mb_header_valid_at(img, off))
            continue;
        img->hdr = (struct mb_header){ .offset = (uint32_t)off,
                                       .flags = mb_get32(img->data + off + 4) };
        if (mb_header_check_flags(img, err, errlen) < 0)
            return -1;
        if (img->hdr.flags & MB_HF_AOUT_KLUDGE)
            return mb_header_read_addresses(img, window, err, errlen);
        return 0;
    }
    return mb_fail(err, errlen, "'%s' is not a multiboot kernel: no multiboot header in the "
                                "first 8 KiB (magic 0x1BADB002 with a valid checksum)",
                   img->path);
}
