/*
 * probe.c: the inline soft-MMU probe emitted in front of every guest memory
 * access of the in-process engine.
 *
 * With r13d = the guest linear address of an access of n bytes, the probe
 * finds the host address in the vCPU's TLB (shadowmm/softmmu_tlb.h) without
 * changing the guest's flags, which live in the host RFLAGS:
 *
 *   lea   r12d, [r13 + n-1]          ; last byte (omitted when n = 1)
 *   shrx  r12d, r12d, r11d           ; its page number (r11d = 12, always)
 *   rorx  r8d, r13d, 12              ; low 8 bits of the first byte's page
 *   movzx r8d, r8b                   ;   = the TLB index
 *   mov   r10d, [r15 + tag + r8*4]   ; -(page) on a hit
 *   lea   r10d, [r10 + r12]          ; zero exactly on a hit
 *   xchg  r10, rcx
 *   jrcxz hit                        ; the one flag-free zero test
 *   xchg  r10, rcx                   ; miss:
 *   mov   r10d, info                 ;   size, access, TLB (bt/probe.h)
 *   lea   r9, [rip + back]
 *   jmp   helper                     ;   C fills the entry, r12 = addend
 * back:
 *   jmp   done
 * hit:
 *   xchg  r10, rcx
 *   mov   r12, [r15 + addend + r8*8]
 * done:                              ; the access itself: [r12 + r13]
 *
 * The page of the *last* byte is compared with the tag of the *first* byte's
 * slot: an access that crosses into the next page never hits (the next page
 * has a different slot), so page-crossing accesses always reach the slow
 * path, which checks both pages before any byte moves (all-or-nothing).
 */
#include "bt/probe.h"

#include <string.h>

#include "bt/ctx.h"
#include "monitor/vm.h"

static void bt_emit_raw(struct bt_ctx *c, const uint8_t *b, size_t n) { emit_bytes(&c->e, b, n); }

void bt_emit_helper_call(struct bt_ctx *c, uint32_t info)
{
    struct emitter *e = &c->e;
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R10D), eo_imm(info));
    static const uint8_t lea_r9_rip[] = { 0x4c, 0x8d, 0x0d, 0, 0, 0, 0 }; /* lea r9, [rip + rel32] */
    size_t lea_at = e->len;
    bt_emit_raw(c, lea_r9_rip, sizeof lea_r9_rip);
    emit_jmp_abs(e, tc_helper_stub(c->tc));
    if (!e->failed) {
        int32_t rel = (int32_t)(e->len - (lea_at + sizeof lea_r9_rip));
        memcpy(&e->buf[lea_at + 3], &rel, 4);
    }
}

ZydisEncoderOperand bt_probe(struct bt_ctx *c, uint16_t size, bool write)
{
    struct emitter *e = &c->e;
    bool user = (c->tb->key.mode & TB_MODE_CPL_MASK) == 3;
    unsigned n = size ? size : 1;
    int32_t tlb = VCPU_TLB + (user ? VCPU_TLB_SIZE : 0);
    int32_t tag = tlb + (write ? VCPU_TLB_TAG_WRITE : VCPU_TLB_TAG_READ);
    ZydisRegister last = ZYDIS_REGISTER_R13D;
    if (n > 1) {
        emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R12D),
              eo_mem(ZYDIS_REGISTER_R13, ZYDIS_REGISTER_NONE, 0, (int32_t)n - 1, 0));
        last = ZYDIS_REGISTER_R12D;
    }
    emit_insn(e, ZYDIS_MNEMONIC_SHRX, 0, false, 3,
              (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_R12D), eo_reg(last), eo_reg(ZYDIS_REGISTER_R11D) });
    emit_insn(e, ZYDIS_MNEMONIC_RORX, 0, false, 3,
              (ZydisEncoderOperand[]){ eo_reg(ZYDIS_REGISTER_R8D), eo_reg(ZYDIS_REGISTER_R13D), eo_imm(12) });
    emit2(e, ZYDIS_MNEMONIC_MOVZX, eo_reg(ZYDIS_REGISTER_R8D), eo_reg(ZYDIS_REGISTER_R8B));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R10D), eo_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_R8, 4, tag, 4));
    emit2(e, ZYDIS_MNEMONIC_LEA, eo_reg(ZYDIS_REGISTER_R10D), eo_mem(ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R12, 1, 0, 0));
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R10), eo_reg(ZYDIS_REGISTER_RCX));
    static const uint8_t jrcxz[] = { 0xe3, 0x00 };      /* jrcxz hit (rel8 patched) */
    size_t jrcxz_at = e->len;
    bt_emit_raw(c, jrcxz, sizeof jrcxz);
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R10), eo_reg(ZYDIS_REGISTER_RCX));
    bt_emit_helper_call(c, helper_info(HELPER_TLB_MISS, n, write, user));
    size_t back = e->len;
    static const uint8_t jmp_done[] = { 0xeb, 0x00 };   /* jmp done (rel8 patched) */
    bt_emit_raw(c, jmp_done, sizeof jmp_done);
    size_t hit = e->len;
    emit2(e, ZYDIS_MNEMONIC_XCHG, eo_reg(ZYDIS_REGISTER_R10), eo_reg(ZYDIS_REGISTER_RCX));
    emit2(e, ZYDIS_MNEMONIC_MOV, eo_reg(ZYDIS_REGISTER_R12),
          eo_mem(ZYDIS_REGISTER_R15, ZYDIS_REGISTER_R8, 8, tlb + VCPU_TLB_ADDEND, 8));
    size_t done = e->len;
    if (!e->failed) {
        e->buf[jrcxz_at + 1] = (uint8_t)(hit - (jrcxz_at + 2));
        e->buf[back + 1] = (uint8_t)(done - (back + 2));
    }
    STAT_INC(c->v->vm, sm_probes_emitted);
    return eo_mem(ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13, 1, 0, size);
}
