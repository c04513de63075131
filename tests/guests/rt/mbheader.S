/*
 * mbheader.S: the Multiboot v1 header of an ELF guest kernel.
 *
 * Flags: bit 0 (align modules on pages) and bit 1 (pass the memory map).
 * The loader takes the load addresses from the ELF program headers; the
 * linker script puts this section first so it lies within the first 8 KiB
 * of the file (Multiboot 0.6.96 §3.1.1).
 */
        .section .multiboot, "a"
        .align 4
        .long 0x1badb002                        /* magic */
        .long 0x00000003                        /* flags */
        .long -(0x1badb002 + 0x00000003)        /* checksum */
