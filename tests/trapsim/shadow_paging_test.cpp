// Shadow paging (trapsim/shadow_mmu.h): a guest with its own page tables and two address
// spaces switched by CR3, under every mode that runs the native kernel. The guest tries to map
// the monitor's memory and write through the mapping; the write must never land, and the guest
// must see a page fault instead.
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

#include "tests/trapsim/guest_asm.h"
#include "trapsim/trap_vmm.h"

namespace vl::vm {
namespace {

// The guest prints what it read back; the expected lines are below it.
const char* const kTwoAddressSpaces = R"(
; Two address spaces, switched by CR3, under a monitor that shadows them.
BITS 32
ORG 0x100000
PD_A    equ 0x200000            ; page directory and table of address space A
PT_A    equ 0x201000
PD_B    equ 0x202000            ; ... and of B
PT_B    equ 0x203000
FRAME_A equ 0x210000            ; what linear 0x300000 is in A
FRAME_B equ 0x211000            ; ... and in B
FRAME_C equ 0x212000            ; mapped at 0x302000 later, by a write to A's live table
OWN_PAGE equ 0x300000
MON_ALIAS equ 0x301000            ; A maps it onto the monitor's GDT page, 0xFFFF0000
LATER   equ 0x302000
PTE     equ 3                   ; present, writable, supervisor
    cli
    lgdt [gdtr]
    jmp 0x08:flat
flat:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x180000
    mov eax, pf_handler         ; vector 14: a present DPL 0 interrupt gate
    mov [idt + 14*8], ax
    mov word [idt + 14*8 + 2], 0x08
    mov word [idt + 14*8 + 4], 0x8E00
    shr eax, 16
    mov [idt + 14*8 + 6], ax
    lidt [idtr]
    ; both tables map 0x1000..4 MiB one to one (page 0 stays absent) ...
    mov edi, PT_A
    call identity_table
    mov edi, PT_B
    call identity_table
    ; ... except OWN_PAGE, a different frame in each, and in A the monitor's page
    mov dword [PT_A + (OWN_PAGE >> 12) * 4], FRAME_A | PTE
    mov dword [PT_B + (OWN_PAGE >> 12) * 4], FRAME_B | PTE
    mov dword [PT_A + (MON_ALIAS >> 12) * 4], 0xFFFF0000 | PTE
    mov dword [PT_A + (LATER >> 12) * 4], 0
    mov dword [PD_A], PT_A | PTE
    mov dword [PD_B], PT_B | PTE
    mov eax, PD_A
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000          ; paging on
    mov cr0, eax
    mov dword [OWN_PAGE], 0xAAAA
    mov eax, PD_B
    mov cr3, eax
    mov dword [OWN_PAGE], 0xBBBB
    mov eax, PD_A
    mov cr3, eax
    mov esi, msg_a
    mov eax, [OWN_PAGE]          ; A's own value, not B's
    call print_line
    mov esi, msg_frames
    mov eax, [FRAME_B]          ; B's frame, through A's one-to-one mapping
    call print_line
    mov esi, msg_cr3
    mov eax, cr3                ; the guest's own directory, not the monitor's shadow
    call print_line
    ; map LATER by writing A's live page table (the monitor tracks the write), then invlpg
    mov dword [PT_A + (LATER >> 12) * 4], FRAME_C | PTE
    invlpg [LATER]
    mov dword [LATER], 0xCCCC
    mov esi, msg_later
    mov eax, [FRAME_C]
    call print_line
    ; write through the mapping of the monitor's GDT page: entry 2, the data segment in use
poke:
    mov dword [MON_ALIAS + 0x10], 0xDEADBEEF  ; 10 bytes: the #PF handler skips it
    mov ax, 0x10                ; reload DS from the GDT the write would have broken
    mov ds, ax
    mov esi, msg_alive
    mov eax, [faults]
    call print_line
    mov al, 0
    out 0xF4, al

identity_table:                 ; EDI = table: pages 1..1023 one to one
    mov dword [edi], 0
    mov ecx, 1
.next:
    mov eax, ecx
    shl eax, 12
    or eax, PTE
    mov [edi + ecx*4], eax
    inc ecx
    cmp ecx, 1024
    jne .next
    ret

pf_handler:
    pop dword [pf_error]
    inc dword [faults]
    push eax
    push esi
    mov esi, msg_pf
    mov eax, cr2
    call print_line
    mov esi, msg_error
    mov eax, [pf_error]
    call print_line
    pop esi
    pop eax
    add dword [esp], 10         ; past the faulting mov
    iret

print_line:                     ; ESI = label, EAX = value in hex
    push eax
.label:
    lodsb
    test al, al
    jz .value
    mov dx, 0x3F8
    out dx, al
    jmp .label
.value:
    pop ebx
    mov ecx, 8
.digit:
    rol ebx, 4
    mov eax, ebx
    and eax, 15
    mov al, [hex + eax]
    out dx, al
    loop .digit
    mov al, 10
    out dx, al
    ret

hex:        db "0123456789abcdef"
msg_a:      db "A reads its private page: ", 0
msg_frames: db "B's frame holds: ", 0
msg_cr3:    db "cr3 reads: ", 0
msg_later:  db "new mapping wrote: ", 0
msg_pf:     db "page fault at ", 0
msg_error:  db "error code ", 0
msg_alive:  db "segments intact after faults: ", 0
faults:     dd 0
pf_error:   dd 0
align 8
gdt:        dq 0
            dq 0x00CF9A000000FFFF
            dq 0x00CF92000000FFFF
gdtr:       dw 23
            dd gdt
idtr:       dw 256 * 8 - 1
            dd idt
align 8
idt:        times 256 dq 0
)";

const char* const kExpectedConsole =
    "A reads its private page: 0000aaaa\n"
    "B's frame holds: 0000bbbb\n"
    "cr3 reads: 00200000\n"
    "new mapping wrote: 0000cccc\n"
    "page fault at 00301010\n"
    "error code 00000002\n"   // not present (the monitor never maps that frame), a write, supervisor
    "segments intact after faults: 00000001\n";

class ShadowPaging : public ::testing::TestWithParam<MonitorMode> {};

TEST_P(ShadowPaging, TwoAddressSpacesAndAMonitorPageTheGuestCannotWrite) {
    TrapVmmConfig config = test::guestConfig("two_address_spaces", kTwoAddressSpaces);
    config.mode = GetParam();
    TrapVmm vmm(config);
    ASSERT_EQ(vmm.run(), RunState::Finished) << vmm.failure() << "\n" << vmm.snapshot().console;
    EXPECT_EQ(vmm.exitCode(), 0);
    EXPECT_EQ(vmm.snapshot().console, kExpectedConsole);
    // The write through the guest's mapping of 0xFFFF0000 never reached the monitor's page (the
    // guest's own lgdt did change the real GDT: under trap and bt the monitor installs its
    // ring-compressed copy there, so the check is for the guest's marker, anywhere on the page).
    const std::vector<uint8_t> page = vmm.readMemory(0xFFFF0000, 4096);
    ASSERT_EQ(page.size(), 4096u);
    const uint8_t marker[] = {0xEF, 0xBE, 0xAD, 0xDE};
    EXPECT_EQ(std::search(page.begin(), page.end(), std::begin(marker), std::end(marker)), page.end());
    const Counters c = vmm.counters();
    // Rebuilt at: paging on, cr3 B, cr3 A, invlpg (the first cr3 load came with paging off).
    EXPECT_EQ(c.at("shadow.syncs"), 4u);
    EXPECT_EQ(c.at("shadow.page_table_writes"), 1u) << "the write to A's live page table was tracked";
    EXPECT_EQ(c.at("shadow.refused_mappings"), 1u) << "A's entry naming the monitor's frame";
    EXPECT_GT(c.at("shadow.mapped_pages"), 1000u);
    if (GetParam() == MonitorMode::HardwareAssisted) {
        // Three cr3 loads, the cr0 write, the cr3 read while paging (cr0 and cr2 reads do not exit).
        EXPECT_EQ(c.at("exits.cr_access"), 5u);
        EXPECT_EQ(c.at("exits.invlpg"), 1u);
    }
    if (GetParam() == MonitorMode::Trap) {
        EXPECT_EQ(c.at("traps.mov_cr"), 7u);  // three cr3 loads, cr0 read and write, cr3 read, cr2 read
        EXPECT_EQ(c.at("traps.invlpg"), 1u);
    }
}

// Without EPT a VT-x monitor must see every CR3 load of a paging guest to keep its shadow
// tables; with CR3-load exiting off it cannot, and says so instead of running a wrong machine.
TEST(ShadowPagingHw, Cr3LoadExitingOffEndsAPagingGuestWithTheReason) {
    TrapVmmConfig config = test::guestConfig("two_address_spaces", kTwoAddressSpaces);
    config.mode = MonitorMode::HardwareAssisted;
    config.controls.cr3_load_exiting = false;
    TrapVmm vmm(config);
    ASSERT_EQ(vmm.run(), RunState::Failed);
    EXPECT_NE(vmm.failure().find("loaded CR3 at"), std::string::npos) << vmm.failure();
    EXPECT_NE(vmm.failure().find("CR3-load exiting off"), std::string::npos) << vmm.failure();
}

INSTANTIATE_TEST_SUITE_P(EveryNativeMode, ShadowPaging,
                         ::testing::Values(MonitorMode::Trap, MonitorMode::BinaryTranslation,
                                           MonitorMode::HardwareAssisted, MonitorMode::Emulate),
                         [](const auto& test_param) { return modeName(test_param.param); });

}  // namespace
}  // namespace vl::vm
