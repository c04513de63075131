/*
 * dump.c: write translated blocks for a reader, guest code beside host code.
 *
 * Both sides are disassembled with Capstone (32-bit for the guest, 64-bit
 * for the host), and the PC map says which host range belongs to which guest
 * instruction, so the listing shows exactly what the translator did:
 *
 *   block 0x00100010 (mode cpl0 flat), 5 guest insns, 23 -> 96 bytes
 *     00100010  8b 43 08          mov eax, dword ptr [ebx + 8]        [mem-rebase]
 *         7f12a000  65 67 8b 43 08   mov eax, dword ptr gs:[ebx + 8]
 */
#include "bt/dump.h"

#include <capstone/capstone.h>

#include "bt/bt.h"
#include "decoder/classify.h"
#include "monitor/vm.h"

static void bt_dump_guest(FILE *out, csh cs, struct vm *vm, const struct tblock *tb, uint32_t eip,
                          unsigned char rule)
{
    uint8_t bytes[16];
    gmem_read_phys(vm, (uint64_t)tb->key.cs_base + eip, bytes, sizeof bytes);
    cs_insn *insn = NULL;
    size_t n = cs_disasm(cs, bytes, sizeof bytes, eip, 1, &insn);
    if (n == 0) {
        fprintf(out, "  %08x  (undecodable)%*s[%s]\n", eip, 30, "", classify_rule_name(rule));
        return;
    }
    char hex[48] = "";
    for (unsigned i = 0, at = 0; i < insn[0].size && at + 3 < sizeof hex; i++)
        at += (unsigned)snprintf(hex + at, sizeof hex - at, "%02x ", insn[0].bytes[i]);
    fprintf(out, "  %08x  %-24s %s %s   [%s]\n", eip, hex, insn[0].mnemonic, insn[0].op_str,
            classify_rule_name(rule));
    cs_free(insn, n);
}

static void bt_dump_host(FILE *out, csh cs, const uint8_t *code, size_t len)
{
    cs_insn *insn = NULL;
    size_t n = cs_disasm(cs, code, len, (uint64_t)(uintptr_t)code, 0, &insn);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "      %012llx  %s %s\n", (unsigned long long)insn[i].address, insn[i].mnemonic,
                insn[i].op_str);
    if (n)
        cs_free(insn, n);
}

void bt_dump_prepare(void)
{
    static const uint8_t nop[] = { 0x90 };
    const cs_mode modes[] = { CS_MODE_32, CS_MODE_64 };
    for (unsigned m = 0; m < 2; m++) {
        csh cs;
        cs_insn *insn = NULL;
        if (cs_open(CS_ARCH_X86, modes[m], &cs) != CS_ERR_OK)
            continue;
        size_t n = cs_disasm(cs, nop, sizeof nop, 0, 1, &insn);
        if (n)
            cs_free(insn, n);
        cs_close(&cs);
    }
}

void bt_dump_block(FILE *out, struct vm *vm, const struct tblock *tb, const unsigned char *rules)
{
    csh guest, host;
    if (cs_open(CS_ARCH_X86, CS_MODE_32, &guest) != CS_ERR_OK)
        return;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &host) != CS_ERR_OK) {
        cs_close(&guest);
        return;
    }
    fprintf(out, "block %08x (cpl%u%s%s), %u guest insns, %u -> %u bytes\n", tb->key.eip,
            tb->key.mode & TB_MODE_CPL_MASK, tb->key.mode & TB_MODE_FLAT ? " flat" : "",
            tb->key.mode & TB_MODE_TF ? " single-step" : "", tb->ninsns, tb->guest_size, tb->host_size);
    unsigned insn = 0;
    for (unsigned i = 0; i < tb->npcmap; i++) {
        const struct pcmap_entry *p = &tb->pcmap[i];
        bool first_of_insn = i == 0 || p->eip != tb->pcmap[i - 1].eip;
        if (first_of_insn)
            bt_dump_guest(out, guest, vm, tb, p->eip, rules[insn++ < tb->ninsns ? insn - 1 : 0]);
        size_t end = i + 1 < tb->npcmap ? tb->pcmap[i + 1].host_off : tb->host_size;
        bt_dump_host(out, host, tb->host + p->host_off, end - p->host_off);
    }
    fputc('\n', out);
    cs_close(&guest);
    cs_close(&host);
}
