/*
 * ide.c: the ide guest — the primary IDE channel the way xv6's ide.c and
 * a BIOS-less ATA driver use it (ATA/ATAPI-6 §9 protocols):
 *   - the channel answers (status DRDY) and the secondary, with no drives,
 *     floats (0xff); a software reset (SRST) leaves the ATA signature;
 *   - IDENTIFY DEVICE of master and slave: fixed ATA disk, LBA, capacity
 *     in words 60-61 equal to the image sizes (2048 and 16 sectors);
 *   - READ SECTORS with LBA28 (one sector, the last sector, three sectors
 *     as three DRQ blocks) and with a CHS address built from IDENTIFY's
 *     geometry; a sector past the end fails with ERR;
 *   - SET MULTIPLE MODE and READ MULTIPLE (two blocks of four sectors);
 *   - WRITE SECTORS and WRITE MULTIPLE read back, FLUSH CACHE — or, with
 *     "-append ro" on a readonly=on image, the write aborted (ABRT);
 *   - IRQ 14 through the 8259 and through the I/O APIC (ide_irq.c).
 * run_ide_guest.sh writes the images and checks afterwards what the guest
 * wrote is on the host file (rw) or that the file is unchanged (snapshot=on,
 * readonly=on).
 */
#include "ide.h"

RT_GUEST("ide");

static uint32_t sector[16 * 128];

uint8_t ata_wait(void)
{
    for (unsigned i = 0; i < 1000000; i++) {
        uint8_t s = inb(ATA_STATUS);
        if (!(s & ST_BSY))
            return s;
    }
    return 0xff;
}

void ata_issue(unsigned drive, uint32_t lba, uint8_t count, uint8_t cmd)
{
    ata_wait();
    outb(ATA_NSECT, count);
    outb(ATA_LBA_LOW, (uint8_t)lba);
    outb(ATA_LBA_MID, (uint8_t)(lba >> 8));
    outb(ATA_LBA_HIGH, (uint8_t)(lba >> 16));
    outb(ATA_DEVICE, (uint8_t)(0xe0 | drive << 4 | ((lba >> 24) & 0x0f)));
    outb(ATA_COMMAND, cmd);
}

static int ata_wait_drq(void)
{
    uint8_t s = ata_wait();
    return (s & (ST_DRQ | ST_ERR)) == ST_DRQ;
}

int ata_read_block(uint32_t *buf, unsigned dwords)
{
    if (!ata_wait_drq())
        return 0;
    asm volatile("cld; rep insl" : "+D"(buf), "+c"(dwords) : "d"(ATA_DATA) : "memory");
    return 1;
}

int ata_write_block(const uint32_t *buf, unsigned dwords)
{
    if (!ata_wait_drq())
        return 0;
    asm volatile("cld; rep outsl" : "+S"(buf), "+c"(dwords) : "d"(ATA_DATA) : "memory");
    return 1;
}

int ide_sector_ok(const uint32_t *buf, uint32_t seed, uint32_t n)
{
    for (unsigned i = 0; i < 128; i++)
        if (buf[i] != (seed ^ n << 8 ^ i))
            return 0;
    return 1;
}

static uint16_t identify[256];

static int ata_identify(unsigned drive)
{
    ata_wait();
    outb(ATA_DEVICE, (uint8_t)(0xa0 | drive << 4));
    outb(ATA_COMMAND, CMD_IDENTIFY);
    if (!ata_wait_drq())
        return 0;
    unsigned n = 256;
    uint16_t *p = identify;
    asm volatile("cld; rep insw" : "+D"(p), "+c"(n) : "d"(ATA_DATA) : "memory");
    return 1;
}

static void test_presence_and_reset(void)
{
    if (rt_on_qemu())
        rt_skip("QEMU's PC has its CD-ROM drive there", "secondary channel without drives floats (0xff)");
    else
        rt_eq(inb(0x177), 0xff, "secondary channel without drives floats (0xff)");
    rt_eq(ata_wait() & (ST_DRDY | ST_ERR), ST_DRDY, "primary master ready (DRDY)");
    outb(ATA_CONTROL, CTL_SRST | CTL_NIEN);
    outb(ATA_CONTROL, CTL_NIEN);
    uint8_t s = ata_wait();
    rt_eq(s & (ST_BSY | ST_ERR), 0, "software reset completes (status 0x%x)", s);
    rt_eq(inb(ATA_NSECT), 1, "signature: sector count 1");
    rt_eq(inb(ATA_LBA_LOW), 1, "signature: LBA low 1");
    rt_eq(inb(ATA_LBA_MID) | inb(ATA_LBA_HIGH) << 8, 0, "signature: LBA mid/high 0 (ATA, not ATAPI)");
}

static void test_identify(unsigned drive, uint32_t sectors)
{
    rt_ok(ata_identify(drive), "IDENTIFY DEVICE of drive %u gives data", drive);
    rt_eq(identify[0] & 0x8000, 0, "drive %u: word 0 says ATA device", drive);
    rt_eq(identify[49] & 0x0200, 0x0200, "drive %u: LBA supported", drive);
    rt_eq(identify[60] | (uint32_t)identify[61] << 16, sectors, "drive %u: LBA28 capacity", drive);
    rt_ok((identify[47] & 0xff) >= 4, "drive %u: READ/WRITE MULTIPLE up to %u sectors", drive, identify[47] & 0xff);
    if (!rt_on_btvisor())
        return;
    uint8_t sum = 0;
    for (unsigned i = 0; i < 256; i++)
        sum = (uint8_t)(sum + (identify[i] & 0xff) + (identify[i] >> 8));
    rt_ok((identify[255] & 0xff) == 0xa5 && sum == 0, "drive %u: integrity word checks", drive);
    rt_eq(identify[27], ('B' << 8) | 'T', "drive %u: model starts \"BT\"", drive);
}

static void test_read_lba(void)
{
    outb(ATA_CONTROL, CTL_NIEN);
    ata_issue(0, 5, 1, CMD_READ);
    rt_ok(ata_read_block(sector, 128) && ide_sector_ok(sector, IDE_MASTER_SEED, 5), "READ SECTORS LBA 5");
    rt_eq(ata_wait() & (ST_DRQ | ST_ERR), 0, "no DRQ after the last block");
    ata_issue(0, IDE_MASTER_SECTORS - 1, 1, CMD_READ);
    rt_ok(ata_read_block(sector, 128) && ide_sector_ok(sector, IDE_MASTER_SEED, IDE_MASTER_SECTORS - 1),
          "READ SECTORS of the last sector");
    ata_issue(0, 10, 3, CMD_READ);
    int ok = 1;
    for (unsigned i = 0; i < 3; i++)
        ok &= ata_read_block(sector, 128) && ide_sector_ok(sector, IDE_MASTER_SEED, 10 + i);
    rt_ok(ok, "READ SECTORS of three sectors: three DRQ blocks");
    ata_issue(0, IDE_MASTER_SECTORS, 1, CMD_READ);
    uint8_t s = ata_wait();
    rt_eq(s & (ST_ERR | ST_DRQ), ST_ERR, "reading past the end fails (status 0x%x)", s);
    rt_ok(inb(ATA_ERROR) & (ER_IDNF | ER_ABRT), "error register says why (0x%x)", inb(ATA_ERROR));
}

static void test_read_chs(void)
{
    int ok = ata_identify(0);
    uint32_t heads = identify[3], spt = identify[6], lba = 1000;
    rt_ok(ok && heads && spt, "CHS geometry %u heads, %u sectors", heads, spt);
    if (!heads || !spt)
        return;
    uint32_t cyl = lba / (heads * spt), head = lba / spt % heads, sec = lba % spt + 1;
    ata_wait();
    outb(ATA_NSECT, 1);
    outb(ATA_LBA_LOW, (uint8_t)sec);
    outb(ATA_LBA_MID, (uint8_t)cyl);
    outb(ATA_LBA_HIGH, (uint8_t)(cyl >> 8));
    outb(ATA_DEVICE, (uint8_t)(0xa0 | head));
    outb(ATA_COMMAND, CMD_READ);
    rt_ok(ata_read_block(sector, 128) && ide_sector_ok(sector, IDE_MASTER_SEED, lba),
          "READ SECTORS C/H/S %u/%u/%u is LBA %u", cyl, head, sec, lba);
}

static void test_multiple(void)
{
    outb(ATA_NSECT, 4);
    outb(ATA_DEVICE, 0xe0);
    outb(ATA_COMMAND, CMD_SET_MULTIPLE);
    rt_eq(ata_wait() & ST_ERR, 0, "SET MULTIPLE MODE 4");
    ata_issue(0, 20, 8, CMD_READ_MULTIPLE);
    int ok = 1;
    for (unsigned b = 0; b < 2; b++) {
        ok &= ata_read_block(sector, 4 * 128);
        for (unsigned i = 0; i < 4; i++)
            ok &= ide_sector_ok(sector + i * 128, IDE_MASTER_SEED, 20 + b * 4 + i);
    }
    rt_ok(ok, "READ MULTIPLE of 8 sectors: two blocks of 4");
}

static void test_slave(void)
{
    ata_issue(1, 3, 1, CMD_READ);
    rt_ok(ata_read_block(sector, 128) && ide_sector_ok(sector, IDE_SLAVE_SEED, 3), "slave: READ SECTORS LBA 3");
    outb(ATA_DEVICE, 0xe0); /* back to the master */
}

/* The guest's own data: sector n, dword i. */
static uint32_t written(uint32_t n, unsigned i)
{
    return 0xd0000000u | n << 12 | i;
}

static void fill_written(uint32_t *buf, uint32_t n)
{
    for (unsigned i = 0; i < 128; i++)
        buf[i] = written(n, i);
}

static int sector_written(const uint32_t *buf, uint32_t n)
{
    for (unsigned i = 0; i < 128; i++)
        if (buf[i] != written(n, i))
            return 0;
    return 1;
}

static void test_write(void)
{
    fill_written(sector, 100);
    ata_issue(0, 100, 1, CMD_WRITE);
    int ok = ata_write_block(sector, 128);
    uint8_t s = ata_wait();
    rt_ok(ok && (s & (ST_ERR | ST_DRQ)) == 0, "WRITE SECTORS LBA 100 (status 0x%x)", s);
    ata_issue(0, 99, 3, CMD_READ);
    ok = ata_read_block(sector, 128) && ide_sector_ok(sector, IDE_MASTER_SEED, 99);
    ok &= ata_read_block(sector, 128) && sector_written(sector, 100);
    ok &= ata_read_block(sector, 128) && ide_sector_ok(sector, IDE_MASTER_SEED, 101);
    rt_ok(ok, "sectors 99-101 read back: only 100 changed");
    for (unsigned i = 0; i < 8; i++)
        fill_written(sector + i * 128, 200 + i);
    ata_issue(0, 200, 8, CMD_WRITE_MULTIPLE);
    ok = ata_write_block(sector, 4 * 128) && ata_write_block(sector + 4 * 128, 4 * 128);
    s = ata_wait();
    rt_ok(ok && (s & (ST_ERR | ST_DRQ)) == 0, "WRITE MULTIPLE of 8 sectors at LBA 200");
    memset(sector, 0, sizeof sector);
    ata_issue(0, 200, 8, CMD_READ);
    for (unsigned i = 0; i < 8; i++)
        ok &= ata_read_block(sector, 128) && sector_written(sector, 200 + i);
    rt_ok(ok, "sectors 200-207 read back as written");
    outb(ATA_DEVICE, 0xe0);
    outb(ATA_COMMAND, CMD_FLUSH);
    rt_eq(ata_wait() & ST_ERR, 0, "FLUSH CACHE");
}

static void test_write_refused(void)
{
    fill_written(sector, 100);
    ata_issue(0, 100, 1, CMD_WRITE);
    uint8_t s = ata_wait();
    rt_eq(s & (ST_ERR | ST_DRQ), ST_ERR, "WRITE SECTORS on a read-only image fails (status 0x%x)", s);
    rt_eq(inb(ATA_ERROR) & ER_ABRT, ER_ABRT, "the write was aborted (ABRT)");
    ata_issue(0, 100, 1, CMD_READ);
    rt_ok(ata_read_block(sector, 128) && ide_sector_ok(sector, IDE_MASTER_SEED, 100), "sector 100 unchanged");
}

void test_main(const struct rt_boot *boot)
{
    test_presence_and_reset();
    test_identify(0, IDE_MASTER_SECTORS);
    test_identify(1, IDE_SLAVE_SECTORS);
    test_read_lba();
    test_read_chs();
    test_multiple();
    test_slave();
    if (rt_cmdline_has(boot, "ro"))
        test_write_refused();
    else
        test_write();
    ide_test_irq_pic();
    ide_test_irq_ioapic();
}
