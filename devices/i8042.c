/*
 * i8042.c: the 8042 keyboard controller of a PC, a PS/2 keyboard that
 * answers commands, and no mouse.
 *
 * The controller.  A command written to port 0x64 either acts at once
 * (0xaa self test answers 0x55, 0xab keyboard interface test answers 0x00,
 * 0xad/0xae disable/enable the keyboard, 0x20 and 0xd0 return the command
 * byte and the output port) or waits for a data byte at port 0x60 (0x60
 * writes the command byte, 0xd1 the output port, 0xd2 a byte as if the
 * keyboard had sent it).  A data byte with no command waiting goes to the
 * keyboard.  Answers wait in a small queue; the status register's OBF bit
 * says one is in the output buffer, and while the command byte enables it,
 * a keyboard-side byte there asserts IRQ 1.  IRQ 1 is edge-triggered at the
 * PIC, so taking a byte lowers the line and the next byte raises it again.
 *
 * The reset line.  Output port bit 0 drives the CPU's reset pin (active
 * low): command 0xfe pulses it, as does writing the output port with bit 0
 * clear.  btvisor cannot reset the machine, so either ends the run with
 * status 0 (VMEXIT_RESET), with one line for the user unless -no-reboot
 * asked for exactly that.  Bit 1 gates A20; it is kept and readable but
 * btvisor's memory never wraps at 1 MiB.
 *
 * The keyboard answers 0xfa (ACK) to what it understands: reset 0xff adds
 * 0xaa (self test passed), identify 0xf2 adds 0xab 0x83 — 0x41 when the
 * controller translates to scan code set 1, as a real 8042's translation
 * table turns set-2 byte 0x83 into 0x41 — and set LEDs, typematic rate and
 * scan code set take a parameter byte.  Unknown bytes get 0xfe (resend).
 *
 * No aux port.  Linux's i8042 driver decides whether a mouse port exists
 * with the loopback command 0xd3 followed by the interface test 0xa9
 * (drivers/input/serio/i8042.c, i8042_check_aux): a loopback answer without
 * the status register's AUXDATA bit fails at once, and an interface test
 * answer other than 0x00, 0xfa or 0xff means no port.  So 0xd3 and 0xd4 are
 * not decoded here (their data byte goes on to the keyboard, which answers
 * 0xfe), and 0xa9 reports the aux clock line stuck low (0x01): Linux
 * registers the keyboard port only, and no step of the probe has to time
 * out.
 *
 *   outb(0x64, 0x60); outb(0x60, 0x47);     // command byte: IRQ 1, system flag, translate
 *   outb(0x60, 0xf2);                       // keyboard: identify -> 0xfa 0xab 0x41, IRQ 1 each
 */
#include "devices/i8042.h"

#include <stdio.h>
#include <stdlib.h>

#include "devices/intr.h"
#include "monitor/vm.h"

#define KBD_ACK 0xfa
#define KBD_RESEND 0xfe
#define KBD_BAT_OK 0xaa
#define KBD_ECHO 0xee

/* ---- the output buffer and IRQ 1 -------------------------------------- */

static void i8042_update_irq(struct i8042 *k)
{
    bool level = k->count && !k->queue[k->head].aux && k->ram[0] & I8042_CTR_KBDINT;
    if (level != k->irq1_level) {
        k->irq1_level = level;
        isa_irq_set(k->vm, I8042_IRQ_KBD, level);
    }
}

/* Queue a byte for port 0x60.  A full queue drops it, as a keyboard's own
 * buffer overflows (nothing here produces more than three at a time). */
static void i8042_push(struct i8042 *k, uint8_t value, bool aux)
{
    if (k->count == I8042_QUEUE_SIZE)
        return;
    k->queue[(k->head + k->count) % I8042_QUEUE_SIZE] = (struct i8042_byte){ value, aux };
    k->count++;
    i8042_update_irq(k);
}

static uint8_t i8042_pop(struct i8042 *k)
{
    if (!k->count)
        return k->last_read; /* an empty buffer reads its last byte again */
    k->last_read = k->queue[k->head].value;
    k->head = (k->head + 1) % I8042_QUEUE_SIZE;
    k->count--;
    if (k->irq1_level) { /* drop the line: the next byte is a new edge */
        k->irq1_level = false;
        isa_irq_set(k->vm, I8042_IRQ_KBD, 0);
    }
    i8042_update_irq(k);
    return k->last_read;
}

/* ---- the keyboard ----------------------------------------------------- */

/* The few set-2 bytes the keyboard sends, as the 8042 translates them to
 * set 1 when the command byte asks (the ID's 0x83 and the scan set numbers). */
static uint8_t i8042_translate(const struct i8042 *k, uint8_t b)
{
    if (!(k->ram[0] & I8042_CTR_XLATE))
        return b;
    switch (b) {
    case 0x01: return 0x43;
    case 0x02: return 0x41;
    case 0x03: return 0x3f;
    case 0x83: return 0x41;
    default: return b; /* ACK, BAT, echo and resend are the same in both sets */
    }
}

static void kbd_send(struct i8042 *k, uint8_t b)
{
    k->kbd_last_sent = b;
    i8042_push(k, i8042_translate(k, b), false);
}

static void kbd_set_defaults(struct i8042 *k)
{
    k->kbd_typematic = 0x2b; /* 10.9 characters/s after 500 ms */
    k->kbd_scanset = 2;
    k->kbd_pending = I8042_KBD_NONE;
}

static void kbd_parameter(struct i8042 *k, uint8_t v)
{
    switch (k->kbd_pending) {
    case I8042_KBD_LEDS: k->kbd_leds = v & 0x07; break;
    case I8042_KBD_TYPEMATIC: k->kbd_typematic = v & 0x7f; break;
    case I8042_KBD_SCANSET:
        if (v >= 1 && v <= 3)
            k->kbd_scanset = v;
        break;
    default: break; /* 0xfb-0xfd: the key's type is not kept */
    }
    enum i8042_kbd_pending was = k->kbd_pending;
    k->kbd_pending = I8042_KBD_NONE;
    kbd_send(k, KBD_ACK);
    if (was == I8042_KBD_SCANSET && v == 0)
        kbd_send(k, k->kbd_scanset);
}

static void kbd_command(struct i8042 *k, uint8_t v)
{
    switch (v) {
    case 0xed: kbd_send(k, KBD_ACK); k->kbd_pending = I8042_KBD_LEDS; break;
    case 0xee: kbd_send(k, KBD_ECHO); break;
    case 0xf0: kbd_send(k, KBD_ACK); k->kbd_pending = I8042_KBD_SCANSET; break;
    case 0xf2: kbd_send(k, KBD_ACK); kbd_send(k, 0xab); kbd_send(k, 0x83); break;
    case 0xf3: kbd_send(k, KBD_ACK); k->kbd_pending = I8042_KBD_TYPEMATIC; break;
    case 0xf4: k->kbd_scanning = true; kbd_send(k, KBD_ACK); break;
    case 0xf5: kbd_set_defaults(k); k->kbd_scanning = false; kbd_send(k, KBD_ACK); break;
    case 0xf6: kbd_set_defaults(k); kbd_send(k, KBD_ACK); break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa: kbd_send(k, KBD_ACK); break; /* key types */
    case 0xfb: case 0xfc: case 0xfd: kbd_send(k, KBD_ACK); k->kbd_pending = I8042_KBD_KEYTYPE; break;
    case 0xfe: i8042_push(k, i8042_translate(k, k->kbd_last_sent), false); break;
    case 0xff:
        kbd_set_defaults(k);
        k->kbd_leds = 0;
        k->kbd_scanning = true;
        kbd_send(k, KBD_ACK);
        kbd_send(k, KBD_BAT_OK);
        break;
    default: kbd_send(k, KBD_RESEND); break;
    }
}

/* A byte for the keyboard.  A command byte (0xed and up) where a parameter
 * was expected starts that command instead: no parameter is that large. */
static void kbd_write(struct i8042 *k, uint8_t v)
{
    if (k->kbd_pending != I8042_KBD_NONE && v < 0xed)
        kbd_parameter(k, v);
    else {
        k->kbd_pending = I8042_KBD_NONE;
        kbd_command(k, v);
    }
}

/* ---- the controller --------------------------------------------------- */

static void i8042_reset_line(struct i8042 *k)
{
    struct vm *vm = k->vm;
    k->resets++;
    if (vm->cfg.no_reboot)
        vm_request_exit(vm, VMEXIT_RESET, EXIT_STATUS_OK, NULL);
    else
        vm_request_exit(vm, VMEXIT_RESET, EXIT_STATUS_OK, "guest requested a reset (i8042)");
}

static uint8_t i8042_outport_view(const struct i8042 *k)
{
    uint8_t v = (uint8_t)(k->outport | I8042_OUT_RESET | I8042_OUT_ONES);
    v &= (uint8_t)~(I8042_OUT_KBD_OBF | I8042_OUT_AUX_OBF);
    if (k->count)
        v |= k->queue[k->head].aux ? I8042_OUT_AUX_OBF : I8042_OUT_KBD_OBF;
    return v;
}

static void i8042_write_ram(struct i8042 *k, uint8_t index, uint8_t v)
{
    k->ram[index & 0x1f] = v;
    if ((index & 0x1f) == 0) { /* the command byte: system flag and IRQ enables */
        k->status = (uint8_t)((k->status & ~I8042_STR_SYS) | (v & I8042_CTR_SYS));
        i8042_update_irq(k);
    }
}

static void i8042_write_outport(struct i8042 *k, uint8_t v)
{
    k->outport = (uint8_t)(v & (I8042_OUT_RESET | I8042_OUT_A20));
    if (!(v & I8042_OUT_RESET))
        i8042_reset_line(k);
    k->outport |= I8042_OUT_RESET; /* the line returns high */
}

static void i8042_command(struct i8042 *k, uint8_t cmd)
{
    k->pending = I8042_PENDING_NONE;
    if (cmd >= 0x20 && cmd <= 0x3f) {
        i8042_push(k, k->ram[cmd & 0x1f], false);
        return;
    }
    if (cmd >= 0x60 && cmd <= 0x7f) {
        k->pending = I8042_PENDING_RAM;
        k->pending_index = cmd & 0x1f;
        return;
    }
    if (cmd >= 0xf0) { /* pulse output port bits 0-3 where the command has a 0 */
        if (!(cmd & I8042_OUT_RESET))
            i8042_reset_line(k);
        return;
    }
    switch (cmd) {
    case 0xa4: i8042_push(k, 0xf1, false); break; /* no password installed */
    case 0xa7: i8042_write_ram(k, 0, k->ram[0] | I8042_CTR_AUXDIS); break;
    case 0xa8: i8042_write_ram(k, 0, k->ram[0] & (uint8_t)~I8042_CTR_AUXDIS); break;
    case 0xa9: i8042_push(k, 0x01, false); break; /* aux clock line stuck low: no port */
    case 0xaa:
        k->status |= I8042_STR_SYS;
        i8042_push(k, 0x55, false);
        break;
    case 0xab: i8042_push(k, 0x00, false); break;
    case 0xad: i8042_write_ram(k, 0, k->ram[0] | I8042_CTR_KBDDIS); break;
    case 0xae: i8042_write_ram(k, 0, k->ram[0] & (uint8_t)~I8042_CTR_KBDDIS); break;
    case 0xc0: i8042_push(k, 0x80, false); break; /* input port: keyboard not inhibited */
    case 0xd0: i8042_push(k, i8042_outport_view(k), false); break;
    case 0xd1: k->pending = I8042_PENDING_OUTPORT; break;
    case 0xd2: k->pending = I8042_PENDING_KBD_OBUF; break;
    case 0xdd: k->outport &= (uint8_t)~I8042_OUT_A20; break;
    case 0xdf: k->outport |= I8042_OUT_A20; break;
    case 0xe0: i8042_push(k, 0x00, false); break; /* test inputs: clock and data low */
    default: break; /* not decoded (0xd3, 0xd4: there is no aux port) */
    }
}

static void i8042_data(struct i8042 *k, uint8_t v)
{
    enum i8042_pending p = k->pending;
    k->pending = I8042_PENDING_NONE;
    switch (p) {
    case I8042_PENDING_RAM: i8042_write_ram(k, k->pending_index, v); break;
    case I8042_PENDING_OUTPORT: i8042_write_outport(k, v); break;
    case I8042_PENDING_KBD_OBUF: i8042_push(k, v, false); break;
    default:
        /* Sending to the keyboard needs its clock line: the controller
         * enables the interface, as 8042 firmware does. */
        i8042_write_ram(k, 0, k->ram[0] & (uint8_t)~I8042_CTR_KBDDIS);
        kbd_write(k, v);
        break;
    }
}

uint32_t i8042_port_read(void *dev, uint16_t port, unsigned size)
{
    struct i8042 *k = dev;
    (void)size;
    if (port == I8042_PORT_DATA)
        return 0xffffff00u | i8042_pop(k);
    uint8_t s = k->status;
    if (k->count)
        s |= I8042_STR_OBF | (k->queue[k->head].aux ? I8042_STR_AUXDATA : 0);
    return 0xffffff00u | s;
}

void i8042_port_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct i8042 *k = dev;
    (void)size;
    if (port == I8042_PORT_DATA) {
        k->status &= (uint8_t)~I8042_STR_CMD;
        i8042_data(k, (uint8_t)value);
    } else {
        k->status |= I8042_STR_CMD;
        i8042_command(k, (uint8_t)value);
    }
}

bool i8042_a20_enabled(const struct i8042 *kbc)
{
    return kbc->outport & I8042_OUT_A20;
}

/* The state a PC BIOS leaves: self test passed, keyboard enabled with
 * IRQ 1 and translation, aux disabled, A20 on, keyboard scanning. */
static void i8042_reset(struct i8042 *k)
{
    k->ram[0] = I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_AUXDIS | I8042_CTR_XLATE;
    k->status = I8042_STR_SYS | I8042_STR_UNLOCKED;
    k->outport = I8042_OUT_RESET | I8042_OUT_A20;
    kbd_set_defaults(k);
    k->kbd_scanning = true;
}

int i8042_init(struct vm *vm, char *err, size_t errlen)
{
    struct i8042 *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(err, errlen, "board: out of memory for the keyboard controller");
        return -1;
    }
    k->vm = vm;
    vm->board.i8042 = k;
    i8042_reset(k);
    if (portio_register(&vm->board.bus, I8042_PORT_DATA, 1, i8042_port_read, i8042_port_write, k,
                        "i8042-data") < 0 ||
        portio_register(&vm->board.bus, I8042_PORT_STATUS, 1, i8042_port_read, i8042_port_write, k,
                        "i8042-cmd") < 0) {
        snprintf(err, errlen, "board: cannot register the keyboard controller at ports 0x60/0x64");
        return -1;
    }
    return 0;
}
