/*
 * ide_identify.c: the 256 words IDENTIFY DEVICE returns (ATA/ATAPI-6
 * §8.15, Table 27) for a fixed disk behind btvisor's controller: LBA28
 * and CHS, PIO modes 3 and 4, READ/WRITE MULTIPLE up to 16 sectors, FLUSH
 * CACHE; no DMA, no LBA48, no removable media.  Strings are ASCII, two
 * characters a word with the first in the high byte, padded with blanks.
 * Word 255 is the integrity word: signature 0xa5 and a checksum that makes
 * the 512 bytes sum to 0 (§8.15.61).
 *
 *   uint8_t buf[512]; ide_identify(drive, buf);   // words little-endian
 */
#include <string.h>

#include "devices/ide.h"

#define ID_WORDS 256

static void id_string(uint16_t *w, unsigned first, unsigned words, const char *s)
{
    size_t len = strlen(s);
    for (unsigned i = 0; i < words * 2; i++) {
        uint8_t ch = i < len ? (uint8_t)s[i] : ' ';
        if (i & 1)
            w[first + i / 2] |= ch;
        else
            w[first + i / 2] = (uint16_t)(ch << 8);
    }
}

static void id_put32(uint16_t *w, unsigned first, uint32_t v)
{
    w[first] = (uint16_t)v;
    w[first + 1] = (uint16_t)(v >> 16);
}

/* Words 54-58: the geometry INITIALIZE DEVICE PARAMETERS set and its capacity. */
static void id_current_chs(const struct ide_drive *d, uint16_t *w)
{
    uint64_t cap = (uint64_t)d->cur_heads * d->cur_spt;
    uint64_t cyls = cap ? d->disk->sectors / cap : 0;
    if (cyls > 65535)
        cyls = 65535;
    w[54] = (uint16_t)cyls;
    w[55] = d->cur_heads;
    w[56] = d->cur_spt;
    id_put32(w, 57, (uint32_t)(cyls * cap));
}

void ide_identify(const struct ide_drive *d, uint8_t *buf)
{
    uint16_t w[ID_WORDS] = { 0 };
    w[0] = 0x0040;                 /* ATA device, fixed */
    w[1] = d->cyls;
    w[3] = d->heads;
    w[6] = d->spt;
    id_string(w, 10, 10, d->serial);
    id_string(w, 23, 4, "0.1");
    id_string(w, 27, 20, "BTVISOR HARDDISK");
    w[47] = 0x8000 | IDE_MAX_MULTIPLE;
    w[49] = 0x0200;                /* LBA supported; no DMA */
    w[50] = 0x4000;
    w[51] = 0x0200;                /* PIO timing mode 2 (obsolete word) */
    w[53] = 0x0003;                /* words 54-58 and 64-70 valid */
    id_current_chs(d, w);
    w[59] = (uint16_t)(d->multiple ? 0x0100 | d->multiple : 0);
    id_put32(w, 60, (uint32_t)d->disk->sectors); /* LBA28 capacity */
    w[64] = 0x0003;                /* PIO modes 3 and 4 */
    w[65] = w[66] = w[67] = w[68] = 120; /* cycle times, ns */
    w[80] = 0x007e;                /* ATA-1 to ATA-6 */
    w[82] = 0x0000;
    w[83] = 0x4000 | 0x1000;       /* FLUSH CACHE supported */
    w[84] = 0x4000;
    w[85] = 0x0000;
    w[86] = 0x1000;                /* FLUSH CACHE enabled */
    w[87] = 0x4000;
    uint8_t sum = 0;
    w[255] = 0x00a5;
    for (unsigned i = 0; i < ID_WORDS; i++) {
        buf[2 * i] = (uint8_t)w[i];
        buf[2 * i + 1] = (uint8_t)(w[i] >> 8);
        if (i < ID_WORDS - 1)
            sum = (uint8_t)(sum + buf[2 * i] + buf[2 * i + 1]);
    }
    sum = (uint8_t)(sum + 0xa5);
    buf[511] = (uint8_t)-sum;
}
