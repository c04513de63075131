/*
 * bios.h: what a PC BIOS leaves in memory for the operating system —
 * the BIOS data area, the Intel MP tables and the ACPI tables — built from
 * the board btvisor actually has and written into guest RAM before the
 * kernel is loaded.
 *
 * Physical layout (all of it inside the ranges the E820 and Multiboot
 * memory maps call reserved, 0x9fc00-0x100000, except the BDA):
 *   0x00000  real-mode interrupt vector table (1 KiB)
 *   0x00400  BIOS data area: COM ports, EBDA segment, base memory size, video
 *   0x9fc00  extended BIOS data area (1 KiB; its first word: its size in KiB)
 *   0xf0000  ACPI RSDP (ACPI 1.0: 20 bytes, "RSD PTR ")
 *   0xf0040  MP floating pointer ("_MP_", MP spec 1.4 §4.1)
 *   0xf0100  MP configuration table ("PCMP", §4.2)
 *   0xf1000  RSDT, FADT, FACS, DSDT, MADT (ACPI 6.4 chapter 5)
 *   0xf8000  the real-mode interrupt handlers the IVT points to (F000:8000)
 * Both the MP floating pointer and the RSDP sit in the BIOS ROM area
 * (0xe0000-0xfffff) on 16-byte boundaries, where xv6 and Linux look after
 * the EBDA; the EBDA itself holds neither.  Every table carries its
 * checksum (the bytes sum to 0 modulo 256).
 *
 *   bios_install(vm);        // vm_create: the machine as firmware leaves it
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

struct vm;

#define BIOS_BDA 0x400u
#define BIOS_EBDA 0x9fc00u
#define BIOS_RSDP 0xf0000u
#define BIOS_MP_FLOAT 0xf0040u
#define BIOS_MP_CONFIG 0xf0100u
#define BIOS_ACPI_TABLES 0xf1000u
#define BIOS_ACPI_TABLES_END 0xf8000u
#define BIOS_IVT_CODE 0xf8000u

/* Write the IVT, BIOS data area, MP tables and ACPI tables into guest RAM. */
void bios_install(struct vm *vm);

/* Pieces, each writing its part (bios_bda.c, bios_mptable.c, bios_acpi.c). */
void bios_write_bda(struct vm *vm);
void bios_write_ivt(struct vm *vm); /* bios_ivt.c */
void bios_write_mptable(struct vm *vm);
void bios_write_acpi(struct vm *vm);

/* The byte that makes `len` bytes at p (with that byte 0) sum to 0. */
uint8_t bios_checksum(const uint8_t *p, size_t len);
/* Little-endian stores into a table being built. */
void bios_put16(uint8_t *p, uint16_t v);
void bios_put32(uint8_t *p, uint32_t v);
/* Copy a finished table into guest RAM (nothing is translated yet). */
void bios_copy_to_guest(struct vm *vm, uint32_t pa, const void *src, size_t len);
