/*
 * pit.c: the 8254 programmable interval timer, computed from host time.
 *
 * A real 8254 decrements three 16-bit counters on every edge of a 1.193182
 * MHz clock.  btvisor never ticks them: a channel remembers when its count
 * was loaded (start_ns) and how many ticks it counted before GATE last
 * suspended it (ticks_before); the number of ticks elapsed since the load,
 *     e = ticks_before + floor((now - start_ns) * 1193182 / 1e9),
 * determines the counter value and the OUT pin in every mode:
 *
 *   mode 0, interrupt on terminal count: value n - e (wrapping past 0);
 *     OUT low until e = n, then high.
 *   mode 1, hardware one-shot: as mode 0 but started (and restarted) by a
 *     GATE rising edge; OUT high until the trigger.
 *   mode 2, rate generator: value n - e mod n; OUT low for the one tick
 *     where the value is 1, so it rises every n ticks.
 *   mode 3, square wave: OUT high for ceil(n/2) ticks, low for floor(n/2);
 *     the value drops by two per tick within each half.
 *   mode 4, software strobe: value as mode 0; OUT low for the tick at e = n.
 *   mode 5, hardware strobe: mode 4 started by a GATE rising edge.
 * GATE (only channel 2's can change, through port 0x61) suspends counting
 * in modes 0, 2, 3, 4, forces OUT high in modes 2 and 3, and reloads the
 * count on its rising edge in modes 1, 2, 3, 5 (Intel 8254 datasheet,
 * "Mode Definitions" and Figure 21, "Gate Pin Operations Summary").
 * A count takes effect when its last byte is written (the chip loads it on
 * the next clock edge, 838 ns later; btvisor does not model that tick),
 * except in modes 2 and 3 while counting: there the new count waits for the
 * end of the current period (for mode 3 the datasheet says half-period; a
 * whole period here), and in modes 1 and 5, where it waits for a trigger.
 *
 * IRQ 0.  Channel 0's OUT is IRQ 0.  pit_advance() counts OUT's rising edges
 * since it last ran and drives the PIC so that it latches one edge
 * (IRQ 0 is edge-triggered); if a host delay let several periods of a mode 2
 * or 3 timer pass, their interrupts merge into that one request, as a real
 * PIC merges edges that arrive while the previous request is still pending
 * in IRR.  The lost ones are counted in irq0_merged; a guest that keeps
 * time by counting ticks falls behind, one that reads a clock does not.
 *
 * BCD counting (control word bit 0) is supported: counts are converted to
 * binary when written, counted with modulus 10000, and converted back when
 * read.  A BCD count with digits above 9 is taken modulo 10000.
 *
 *   pit_port_write(pit, 0x43, 1, 0x34);   // channel 0, LSB then MSB, mode 2
 *   pit_port_write(pit, 0x40, 1, 0x9c);   // 0x2e9c = 11932: 100 Hz
 *   pit_port_write(pit, 0x40, 1, 0x2e);   // counting starts; IRQ 0 every 10 ms
 */
#include "devices/pit.h"

#include <stdio.h>
#include <stdlib.h>

#include "devices/intr.h"
#include "monitor/vm.h"

#define NS_PER_S 1000000000ull
#define PIT_NEVER UINT64_MAX

/* ---- time ------------------------------------------------------------- */

/* Split at whole seconds so that neither product can overflow. */
uint64_t pit_ns_to_ticks(uint64_t ns)
{
    return ns / NS_PER_S * PIT_HZ + ns % NS_PER_S * PIT_HZ / NS_PER_S;
}

uint64_t pit_ticks_to_ns(uint64_t ticks)
{
    return ticks / PIT_HZ * NS_PER_S + (ticks % PIT_HZ * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static uint32_t pit_modulus(const struct pit_channel *c)
{
    return c->bcd ? 10000 : 65536;
}

/* Ticks counted since the count was loaded. */
static uint64_t pit_elapsed(const struct pit_channel *c, uint64_t now)
{
    uint64_t e = c->ticks_before;
    if (c->phase == PIT_COUNTING && c->running && now > c->start_ns)
        e += pit_ns_to_ticks(now - c->start_ns);
    return e;
}

/* Host time at which a running channel's elapsed count reaches t. */
static uint64_t pit_time_of(const struct pit_channel *c, uint64_t t)
{
    uint64_t ns = pit_ticks_to_ns(t - c->ticks_before);
    return ns > UINT64_MAX - c->start_ns ? PIT_NEVER : c->start_ns + ns;
}

/* ---- the modes, as functions of elapsed ticks ------------------------- */

static bool pit_out_at(const struct pit_channel *c, uint64_t e)
{
    uint64_t n = c->count;
    if (c->phase == PIT_IDLE)
        return c->mode != 0; /* mode 0 sets OUT low; every other mode high */
    if (c->phase == PIT_ARMED)
        return true;
    switch (c->mode) {
    case 0:
    case 1:
        return e >= n;
    case 2:
        return !c->gate || e % n != n - 1;
    case 3:
        return !c->gate || e % n < (n + 1) / 2;
    default: /* 4, 5 */
        return e != n;
    }
}

/* Rising edges of OUT at elapsed ticks in (e0, e1]. */
static uint64_t pit_rising_edges(const struct pit_channel *c, uint64_t e0, uint64_t e1)
{
    uint64_t n = c->count;
    if (c->phase != PIT_COUNTING || e1 <= e0)
        return 0;
    switch (c->mode) {
    case 2:
    case 3:
        return e1 / n - e0 / n;
    case 0:
    case 1:
        return e0 < n && n <= e1;
    default: /* 4, 5: OUT comes back up one tick after terminal count */
        return e0 <= n && n + 1 <= e1;
    }
}

/* Elapsed tick of the next rising edge after e, or PIT_NEVER. */
static uint64_t pit_next_rise(const struct pit_channel *c, uint64_t e)
{
    uint64_t n = c->count;
    switch (c->mode) {
    case 2:
    case 3:
        return (e / n + 1) * n;
    case 0:
    case 1:
        return e < n ? n : PIT_NEVER;
    default:
        return e < n + 1 ? n + 1 : PIT_NEVER;
    }
}

/* Mode 3 counts by two.  An odd count spends one more tick high: its first
 * clock decrements by one in the high half and by three in the low half
 * (8254 datasheet, Mode 3). */
static uint64_t pit_square_value(uint64_t n, uint64_t phase)
{
    uint64_t high = (n + 1) / 2;
    bool in_high = phase < high;
    uint64_t q = in_high ? phase : phase - high;
    if (n % 2 == 0 || q == 0)
        return n - 2 * q;
    return in_high ? n + 1 - 2 * q : n - 1 - 2 * q;
}

/* The counting element's value (binary, 0 standing for the full modulus). */
static uint32_t pit_value_at(const struct pit_channel *c, uint64_t e)
{
    uint64_t n = c->count, m = pit_modulus(c), v;
    if (c->phase != PIT_COUNTING)
        return c->idle_value;
    if (c->mode == 2) {
        v = n - e % n;
    } else if (c->mode == 3) {
        v = pit_square_value(n, e % n);
    } else { /* one-shot modes keep counting down through 0 */
        uint64_t r = e % m;
        v = n >= r ? n - r : n + m - r;
    }
    return (uint32_t)(v % m);
}

static uint16_t pit_bin_to_bcd(uint32_t v)
{
    v %= 10000;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

static uint32_t pit_bcd_to_bin(uint16_t v)
{
    return (v >> 12 & 15) * 1000u + (v >> 8 & 15) * 100u + (v >> 4 & 15) * 10u + (v & 15);
}

/* The value as the guest reads it. */
static uint16_t pit_read_value(const struct pit_channel *c, uint64_t now)
{
    uint32_t v = pit_value_at(c, pit_elapsed(c, now));
    return c->bcd ? pit_bin_to_bcd(v) : (uint16_t)v;
}

/* ---- OUT and IRQ 0 ----------------------------------------------------- */

/* OUT of channel i becomes `level` after `rises` rising edges.  For channel 0
 * the PIC sees at most one rising edge: it latches one request either way. */
static void pit_drive(struct pit *pit, unsigned i, uint64_t rises, bool level)
{
    struct pit_channel *c = &pit->ch[i];
    if (i == 0) {
        struct vm *vm = pit->vm;
        if (rises) {
            pit->irq0_edges += rises;
            pit->irq0_merged += rises - 1;
            if (c->out)
                isa_irq_set(vm, 0, 0);
            isa_irq_set(vm, 0, 1);
            if (!level)
                isa_irq_set(vm, 0, 0);
        } else if (level != c->out) {
            pit->irq0_edges += level;
            isa_irq_set(vm, 0, level);
        }
    }
    c->out = level;
}

static void pit_advance_to(struct pit *pit, unsigned i, uint64_t t)
{
    struct pit_channel *c = &pit->ch[i];
    uint64_t e = pit_elapsed(c, t);
    pit_drive(pit, i, pit_rising_edges(c, c->synced_ticks, e), pit_out_at(c, e));
    c->synced_ticks = e;
    c->synced_ns = t;
}

/* Bring channel i up to now; returns now (never earlier than the last sync,
 * so a clock that steps back cannot undo edges). */
static uint64_t pit_sync(struct pit *pit, unsigned i, uint64_t now)
{
    struct pit_channel *c = &pit->ch[i];
    if (now < c->synced_ns)
        now = c->synced_ns;
    if (c->pending && c->phase == PIT_COUNTING && c->running) {
        uint64_t at = pit_time_of(c, c->pending_at);
        if (at <= now) { /* the period ended: the new count starts there */
            pit_advance_to(pit, i, at);
            c->count = c->pending;
            c->pending = 0;
            c->null_count = false;
            c->start_ns = at;
            c->ticks_before = 0;
            c->synced_ticks = 0;
        }
    }
    pit_advance_to(pit, i, now);
    return now;
}

/* After the programming of channel i changed at now (already synced). */
static void pit_resync(struct pit *pit, unsigned i, uint64_t now)
{
    struct pit_channel *c = &pit->ch[i];
    c->synced_ns = now;
    c->synced_ticks = pit_elapsed(c, now);
    pit_drive(pit, i, 0, pit_out_at(c, c->synced_ticks));
}

/* ---- loading counts and GATE ------------------------------------------ */

static bool pit_gate_suspends(const struct pit_channel *c)
{
    return c->mode != 1 && c->mode != 5;
}

/* The counting element takes count n at now. */
static void pit_start(struct pit_channel *c, uint32_t n, uint64_t now)
{
    c->count = n;
    c->phase = PIT_COUNTING;
    c->running = c->gate || !pit_gate_suspends(c);
    c->start_ns = now;
    c->ticks_before = 0;
    c->pending = 0;
    c->null_count = false;
}

static uint32_t pit_decode_count(const struct pit_channel *c, uint16_t raw)
{
    uint32_t n = c->bcd ? pit_bcd_to_bin(raw) % 10000 : raw;
    if (n == 0)
        n = pit_modulus(c); /* 0 is the largest count: 2^16, or 10^4 in BCD */
    if ((c->mode == 2 || c->mode == 3) && n < 2)
        n = 2; /* a count of 1 is illegal in modes 2 and 3 */
    return n;
}

/* A whole count was written to channel i. */
static void pit_load(struct pit *pit, unsigned i, uint16_t raw, uint64_t now)
{
    struct pit_channel *c = &pit->ch[i];
    uint32_t n = pit_decode_count(c, raw);
    c->cr = n;
    c->null_count = true;
    if (c->mode == 1 || c->mode == 5) {
        if (c->phase == PIT_IDLE)
            c->phase = PIT_ARMED; /* loaded by the next GATE rising edge */
    } else if ((c->mode == 2 || c->mode == 3) && c->phase == PIT_COUNTING && c->running) {
        c->pending = n;
        c->pending_at = (pit_elapsed(c, now) / c->count + 1) * c->count;
    } else {
        pit_start(c, n, now);
    }
}

void pit_set_gate(struct vm *vm, unsigned channel, bool level, uint64_t now_ns)
{
    struct pit *pit = vm->board.pit;
    if (!pit || channel >= PIT_NR_CHANNELS)
        return;
    struct pit_channel *c = &pit->ch[channel];
    uint64_t now = pit_sync(pit, channel, now_ns);
    bool rising = level && !c->gate, falling = !level && c->gate;
    c->gate = level;
    if (c->phase != PIT_IDLE && pit_gate_suspends(c)) {
        if (falling && c->running) {
            c->ticks_before = c->synced_ticks;
            c->running = false;
        } else if (rising && (c->mode == 2 || c->mode == 3)) {
            pit_start(c, c->pending ? c->pending : c->count, now); /* reload */
        } else if (rising) {
            c->start_ns = now; /* modes 0, 4 resume where they stopped */
            c->running = true;
        }
    } else if (c->phase != PIT_IDLE && rising) {
        pit_start(c, c->cr, now); /* modes 1, 5: trigger (or retrigger) */
    }
    pit_resync(pit, channel, now);
}

bool pit_get_out(struct vm *vm, unsigned channel, uint64_t now_ns)
{
    struct pit *pit = vm->board.pit;
    if (!pit || channel >= PIT_NR_CHANNELS)
        return false;
    pit_sync(pit, channel, now_ns);
    return pit->ch[channel].out;
}

void pit_advance(struct vm *vm, uint64_t now_ns)
{
    struct pit *pit = vm->board.pit;
    if (!pit)
        return;
    for (unsigned i = 0; i < PIT_NR_CHANNELS; i++)
        pit_sync(pit, i, now_ns);
}

uint64_t pit_next_event_ns(const struct vm *vm, uint64_t now_ns)
{
    const struct pit *pit = vm->board.pit;
    if (!pit)
        return PIT_NEVER;
    const struct pit_channel *c = &pit->ch[0];
    uint64_t now = now_ns < c->synced_ns ? c->synced_ns : now_ns;
    if (c->phase != PIT_COUNTING || !c->running)
        return PIT_NEVER;
    /* A period end that loads a pending count is itself a rising edge; if it
     * is already past, pit_advance() has an edge to deliver now. */
    if (c->pending && pit_time_of(c, c->pending_at) <= now)
        return now;
    uint64_t e = pit_elapsed(c, now);
    if (pit_rising_edges(c, c->synced_ticks, e))
        return now;
    uint64_t t = pit_next_rise(c, e);
    return t == PIT_NEVER ? PIT_NEVER : pit_time_of(c, t);
}

/* ---- the control word and the counter ports --------------------------- */

static void pit_latch_count(struct pit *pit, unsigned i, uint64_t now)
{
    struct pit_channel *c = &pit->ch[i];
    now = pit_sync(pit, i, now);
    if (c->latched_bytes)
        return; /* "latched again before the count is read": ignored */
    c->latch = pit_read_value(c, now);
    c->latched_bytes = c->rw == PIT_RW_WORD ? 2 : 1;
}

static void pit_latch_status(struct pit *pit, unsigned i, uint64_t now)
{
    struct pit_channel *c = &pit->ch[i];
    pit_sync(pit, i, now);
    if (c->status_latched)
        return;
    c->status = (uint8_t)(c->out << 7 | c->null_count << 6 | c->rw << 4 | c->mode_bits << 1 | c->bcd);
    c->status_latched = true;
}

/* Read-back command: 11, /COUNT, /STATUS, CNT2, CNT1, CNT0, 0. */
static void pit_read_back(struct pit *pit, uint8_t v, uint64_t now)
{
    for (unsigned i = 0; i < PIT_NR_CHANNELS; i++) {
        if (!(v & (2u << i)))
            continue;
        if (!(v & 0x20))
            pit_latch_count(pit, i, now);
        if (!(v & 0x10))
            pit_latch_status(pit, i, now);
    }
}

/* Control word: SC1 SC0 RW1 RW0 M2 M1 M0 BCD.  Programming a mode resets the
 * channel's control logic; OUT goes low in mode 0 and high in the others. */
static void pit_control(struct pit *pit, uint8_t v, uint64_t now)
{
    unsigned i = v >> 6;
    enum pit_rw rw = (enum pit_rw)(v >> 4 & 3);
    if (i == 3) {
        pit_read_back(pit, v, now);
        return;
    }
    if (rw == PIT_RW_LATCH) {
        pit_latch_count(pit, i, now);
        return;
    }
    struct pit_channel *c = &pit->ch[i];
    now = pit_sync(pit, i, now);
    c->idle_value = (uint16_t)pit_value_at(c, c->synced_ticks);
    c->mode_bits = v >> 1 & 7;
    c->mode = c->mode_bits > 5 ? c->mode_bits - 4 : c->mode_bits; /* 6, 7 are 2, 3 */
    c->rw = rw;
    c->bcd = v & 1;
    c->phase = PIT_IDLE;
    c->running = false;
    c->pending = 0;
    c->ticks_before = 0;
    c->null_count = true;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->latched_bytes = 0;
    c->status_latched = false;
    pit_resync(pit, i, now);
}

static void pit_counter_write(struct pit *pit, unsigned i, uint8_t b, uint64_t now)
{
    struct pit_channel *c = &pit->ch[i];
    now = pit_sync(pit, i, now);
    if (c->rw == PIT_RW_LSB) {
        pit_load(pit, i, b, now);
    } else if (c->rw == PIT_RW_MSB) {
        pit_load(pit, i, (uint16_t)(b << 8), now);
    } else if (!c->write_msb_next) {
        c->write_lsb = b;
        c->write_msb_next = true;
        if (c->mode == 0) { /* the first byte stops counting and sets OUT low */
            c->idle_value = (uint16_t)pit_value_at(c, c->synced_ticks);
            c->phase = PIT_IDLE;
            c->running = false;
            c->null_count = true;
        }
    } else {
        c->write_msb_next = false;
        pit_load(pit, i, (uint16_t)(c->write_lsb | b << 8), now);
    }
    pit_resync(pit, i, now);
}

/* A latched status comes first, then a latched count, then the live count. */
static uint8_t pit_counter_read(struct pit *pit, unsigned i, uint64_t now)
{
    struct pit_channel *c = &pit->ch[i];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t v;
    bool msb;
    if (c->latched_bytes) {
        v = c->latch;
        msb = c->rw == PIT_RW_MSB || (c->rw == PIT_RW_WORD && c->latched_bytes == 1);
        c->latched_bytes--;
    } else {
        now = pit_sync(pit, i, now);
        v = pit_read_value(c, now);
        msb = c->rw == PIT_RW_MSB || (c->rw == PIT_RW_WORD && c->read_msb_next);
        if (c->rw == PIT_RW_WORD)
            c->read_msb_next = !c->read_msb_next;
    }
    return (uint8_t)(msb ? v >> 8 : v);
}

static uint64_t pit_now(const struct pit *pit)
{
    return pit->vm->board.clock_ns(pit->vm);
}

/* Byte-wide ports: a wider access is consecutive byte accesses. */
uint32_t pit_port_read(void *dev, uint16_t port, unsigned size)
{
    struct pit *pit = dev;
    uint64_t now = pit_now(pit);
    uint32_t v = 0;
    for (unsigned k = 0; k < size && k < 4; k++) {
        unsigned off = (unsigned)(port + k) - PIT_PORT_COUNTER0;
        /* The control port reads as an undriven bus ("No-Operation (3-State)"). */
        uint8_t b = off < PIT_NR_CHANNELS ? pit_counter_read(pit, off, now) : 0xff;
        v |= (uint32_t)b << (8 * k);
    }
    return v;
}

void pit_port_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
    struct pit *pit = dev;
    uint64_t now = pit_now(pit);
    for (unsigned k = 0; k < size && k < 4; k++) {
        unsigned off = (unsigned)(port + k) - PIT_PORT_COUNTER0;
        uint8_t b = (uint8_t)(value >> (8 * k));
        if (off < PIT_NR_CHANNELS)
            pit_counter_write(pit, off, b, now);
        else if (off == PIT_NR_CHANNELS)
            pit_control(pit, b, now);
    }
}

/* ---- creation ---------------------------------------------------------- */

/* As firmware leaves the PIT (and as QEMU resets it): every channel in mode
 * 3 with the largest count, channel 0 giving IRQ 0 at 18.2 Hz, channel 2
 * stopped by its GATE (port 0x61 bit 0 clear). */
static void pit_channel_reset(struct pit_channel *c, bool gate, uint64_t now)
{
    c->mode_bits = c->mode = 3;
    c->rw = PIT_RW_WORD;
    c->gate = gate;
    c->cr = 65536;
    pit_start(c, 65536, now);
    c->out = true;
    c->synced_ns = now;
}

int pit_init(struct vm *vm, char *err, size_t errlen)
{
    struct pit *pit = calloc(1, sizeof *pit);
    if (!pit) {
        snprintf(err, errlen, "board: out of memory for the PIT");
        return -1;
    }
    vm->board.pit = pit;
    pit->vm = vm;
    if (!vm->board.clock_ns)
        vm->board.clock_ns = board_clock_monotonic;
    uint64_t now = pit_now(pit);
    for (unsigned i = 0; i < PIT_NR_CHANNELS; i++)
        pit_channel_reset(&pit->ch[i], i != 2, now);
    isa_irq_set(vm, 0, pit->ch[0].out);
    if (portio_register(&vm->board.bus, PIT_PORT_COUNTER0, PIT_NR_PORTS, pit_port_read,
                        pit_port_write, pit, "pit") < 0) {
        snprintf(err, errlen, "board: cannot register the PIT at port 0x%x", PIT_PORT_COUNTER0);
        return -1;
    }
    return 0;
}
