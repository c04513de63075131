/*
 * mbheader_aout.S: a Multiboot v1 header using the "a.out kludge".
 *
 * Flag bit 16 tells the loader to ignore the file format and take the load
 * addresses from the header itself (Multiboot 0.6.96 §3.1.3): the kernel is
 * linked as usual and then flattened with objcopy -O binary, so the file
 * offset of this header equals header_addr - load_addr (0 here).
 */
        .section .multiboot, "a"
        .align 4
mb_header:
        .long 0x1badb002                        /* magic */
        .long 0x00010003                        /* flags: align, memory map, addresses */
        .long -(0x1badb002 + 0x00010003)        /* checksum */
        .long mb_header                         /* header_addr */
        .long _image_start                      /* load_addr: first byte of the file */
        .long _load_end                         /* load_end_addr: end of .data */
        .long _bss_end                          /* bss_end_addr: zeroed up to here */
        .long _start                            /* entry_addr */
