/*
 * i8042.h: the PC's 8042 keyboard controller with a PS/2 keyboard behind it
 * and no auxiliary (mouse) port, at ports 0x60 (data) and 0x64 (status and
 * command), interrupting on IRQ 1.
 *
 * btvisor has no keyboard input (the console is the serial port), so the
 * only bytes that come out of the controller are answers to commands: the
 * controller's own (self test, command byte, output port) and the
 * keyboard's (ACKs, identification).  Its output line to the CPU's reset
 * pin (command 0xfe, or 0xd1 with bit 0 clear) ends the run.
 *
 *   outb(0x64, 0xaa); while (!(inb(0x64) & 1)) ; inb(0x60) == 0x55   // self test
 *   outb(0x64, 0xfe);                                                 // reset: the run ends
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define I8042_PORT_DATA 0x60
#define I8042_PORT_STATUS 0x64 /* read: status; write: command */
#define I8042_IRQ_KBD 1
#define I8042_QUEUE_SIZE 16    /* bytes waiting for the output buffer */

/* Status register. */
#define I8042_STR_OBF 0x01     /* output buffer full: port 0x60 has a byte */
#define I8042_STR_IBF 0x02     /* input buffer full (always clear: writes are taken at once) */
#define I8042_STR_SYS 0x04     /* system flag: self test passed (command byte bit 2) */
#define I8042_STR_CMD 0x08     /* last write was to port 0x64 (command), not 0x60 */
#define I8042_STR_UNLOCKED 0x10 /* keyboard not inhibited by the key lock */
#define I8042_STR_AUXDATA 0x20 /* the output byte came from the aux port */
#define I8042_STR_TIMEOUT 0x40
#define I8042_STR_PARITY 0x80

/* Command byte (controller RAM byte 0). */
#define I8042_CTR_KBDINT 0x01  /* IRQ 1 when the keyboard's byte is in the output buffer */
#define I8042_CTR_AUXINT 0x02  /* IRQ 12 for aux bytes (never: no aux port) */
#define I8042_CTR_SYS 0x04     /* system flag, mirrored in the status register */
#define I8042_CTR_KBDDIS 0x10  /* keyboard interface disabled (clock held low) */
#define I8042_CTR_AUXDIS 0x20  /* aux interface disabled */
#define I8042_CTR_XLATE 0x40   /* translate scan code set 2 to set 1 */

/* Output port (commands 0xd0/0xd1). */
#define I8042_OUT_RESET 0x01   /* CPU reset line, active low: writing 0 resets */
#define I8042_OUT_A20 0x02     /* A20 gate */
#define I8042_OUT_KBD_OBF 0x10 /* wired to IRQ 1 */
#define I8042_OUT_AUX_OBF 0x20 /* wired to IRQ 12 */
#define I8042_OUT_ONES 0xcc    /* keyboard clock/data and undefined bits read high */

/* Controller commands that take a data byte through port 0x60 next. */
enum i8042_pending {
    I8042_PENDING_NONE = 0, /* a data write goes to the keyboard */
    I8042_PENDING_RAM,      /* 0x60-0x7f: write controller RAM byte `pending_index` */
    I8042_PENDING_OUTPORT,  /* 0xd1: write the output port */
    I8042_PENDING_KBD_OBUF, /* 0xd2: the byte appears as if the keyboard sent it */
};

/* The keyboard's own parser: commands that take a parameter byte. */
enum i8042_kbd_pending {
    I8042_KBD_NONE = 0,
    I8042_KBD_LEDS,      /* 0xed: LED bits follow */
    I8042_KBD_TYPEMATIC, /* 0xf3: rate and delay follow */
    I8042_KBD_SCANSET,   /* 0xf0: scan code set (0 = query) follows */
    I8042_KBD_KEYTYPE,   /* 0xfb-0xfd: a key's make/break type follows */
};

/* A byte waiting for the output buffer and where it came from. */
struct i8042_byte {
    uint8_t value; /* the byte port 0x60 will return */
    bool aux;      /* from the aux port (status bit 5, IRQ 12) */
};

struct i8042 {
    struct vm *vm;                                /* for pic_set_irq() and reset requests */
    uint8_t ram[32];                              /* controller RAM; ram[0] = command byte */
    uint8_t status;                               /* SYS, CMD and UNLOCKED bits (OBF/AUXDATA derived) */
    uint8_t outport;                              /* output port bits as last written */
    enum i8042_pending pending;                   /* what the next data write is for */
    uint8_t pending_index;                        /* RAM index of a pending 0x60-0x7f command */
    struct i8042_byte queue[I8042_QUEUE_SIZE];    /* output bytes; queue[head] is in the buffer */
    unsigned head;                                /* index of the output buffer's byte */
    unsigned count;                               /* bytes in the queue (0: OBF clear) */
    uint8_t last_read;                            /* last byte read from port 0x60 */
    bool irq1_level;                              /* IRQ 1 as driven */
    /* The keyboard. */
    enum i8042_kbd_pending kbd_pending;           /* a command waiting for its parameter */
    uint8_t kbd_last_sent;                        /* for the resend command 0xfe */
    uint8_t kbd_leds;                             /* 0xed: bit 0 scroll, 1 num, 2 caps lock */
    uint8_t kbd_typematic;                        /* 0xf3 parameter */
    uint8_t kbd_scanset;                          /* 1-3 */
    bool kbd_scanning;                            /* 0xf4 enable / 0xf5 disable */
    uint64_t resets;                              /* reset pulses requested (tests) */
};

/* Port handlers; dev is the struct i8042. */
uint32_t i8042_port_read(void *dev, uint16_t port, unsigned size);
void i8042_port_write(void *dev, uint16_t port, unsigned size, uint32_t value);
/* The A20 gate as the output port drives it (btvisor does not wrap at 1 MiB). */
bool i8042_a20_enabled(const struct i8042 *kbc);
