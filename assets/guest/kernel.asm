; VirtLab guest kernel: a tiny 32-bit kernel written as for bare hardware.
;
; It expects what a Multiboot loader gives a kernel: ring 0, 32-bit protected mode, flat
; segments, interrupts off, EAX = 0x2BADB002. It loads its own GDT and IDT, programs the 8259
; PICs and the 8254 timer, and takes timer interrupts and a divide error through its own
; handlers. Under `virtlab vm run --mode trap` it actually runs at ring 1, so every privileged
; instruction below (cli, sti, hlt, lgdt, lidt, mov from cr0, in, out) traps to the monitor,
; which emulates it and resumes the kernel. The kernel cannot tell -- except where x86 gives
; the game away (the low bits of CS, which it prints: see Robin and Irvine's
; sensitive-but-unprivileged instructions).
;
; What a run does, and so what the monitor counts (tests/trapsim derive the expected counts
; from the constants here):
;   boot              1 cli, lgdt, 1 mov ss (its RPL 0 selector), lidt, 1 mov from cr0
;   serial_init       8 outs (IER, LCR, DLL, DLM, LCR, FCR, MCR, SCR) and 1 in (SCR read back)
;   every character   1 in (LSR: is the transmitter empty?) and 1 out (THR)
;   timer_init        10 outs to the PICs, 3 outs to the PIT, 1 sti
;   divide error      1 #DE reflected into de_handler, which returns with iret
;   critical sections CRITICAL_SECTIONS x (cli; 1 out + 1 in: read the PIC's IRR; sti)
;   ring-0 checks     2 cli, 3 sti, 1 mov to cr0 (plus pushf, popf, sgdt, sidt, smsw, mov from
;                     cs, which do NOT trap: x86's holes, so under trap-and-emulate the kernel's
;                     checks of them fail -- the deliberate differences between the modes)
;   paging            3 mov to cr3, 1 mov from cr0, 1 mov to cr0 (paging on): two address
;                     spaces; the monitor rebuilds its shadow page tables 3 times (PV: one
;                     multicall of mmu_update + mmuext_op, then 2 mmuext_op)
;   idle loop         IDLE_HALTS x (sti; hlt), each woken by a timer interrupt
;   every tick        1 interrupt injected, 1 out (EOI), 1 iret
;   user tasks        (user_tasks.inc) 1 ltr, 2 cli + 1 sti and 3 outs to restart the PIT, a cr3
;                     load per switch of address space (one when brk grows the heap, one back to
;                     space A), 1 read of cr2; each int 0x80, #PF and tick at ring 3 enters through
;                     the IDT with a stack switch to the TSS's esp0; irets to ring 3 do not trap
;   power off         1 out to port 0xF4
; Build: nasm -f bin kernel.asm -o kernel.bin (the build does this into build/assets/guest/).
;
; The paravirtual build (nasm -DPARAVIRT, kernel-pv.bin; `virtlab vm run --mode pv`) is the
; same kernel ported to a Xen-style hypervisor, the way XenLinux was: each privileged
; operation becomes a hypercall (`int 0x82`, Xen's numbers, trapsim/README.md), interrupts are
; masked by writing evtchn_upcall_mask in the shared-info page (no trap at all), the timer is
; an event channel whose upcall enters the callback the kernel registered, the console is
; console_io and power-off is sched_op. The PV_* macros below are the only places the two
; builds differ, as Linux's paravirt ops are. Both print the same console, byte for byte:
; that is why the data and the bss sit at fixed addresses (the kernel prints some of them).

BITS 32

LOAD_ADDR          equ 0x00100000   ; Multiboot kernels load at 1 MiB
CRITICAL_SECTIONS  equ 2000         ; cli/sti pairs around a shared counter
IDLE_HALTS         equ 16           ; hlt instructions in the idle loop
PRIME_LIMIT        equ 10000        ; sieve of Eratosthenes below this
FIB_N              equ 40           ; fibonacci(40) still fits in 32 bits
SECTION_SPIN       equ 40           ; loop iterations of work inside each critical section
PIT_DIVISOR        equ 2000         ; timer ticks every 2000 PIT clocks (596.6 Hz on a PC)
CHECK_SPIN         equ 3000         ; loop iterations (6000 instructions): several timer periods
EFLAGS_IF          equ 0x200
CR0_MP             equ 0x02         ; monitor coprocessor
CR0_NE             equ 0x20         ; native x87 error reporting
CR0_EXPECTED_MSW   equ 0x33         ; PE, MP, ET, NE: what this kernel leaves in cr0's low word

%ifdef PARAVIRT
KERNEL_RPL         equ 1            ; a Xen PV kernel runs in ring 1 and knows it (Linux: get_kernel_rpl())
%else
KERNEL_RPL         equ 0
%endif
KERNEL_CS          equ 0x08 | KERNEL_RPL   ; this kernel's GDT: null, code, data
KERNEL_DS          equ 0x10 | KERNEL_RPL
TIMER_VECTOR       equ 0x20         ; IRQ 0-7 remapped to 0x20-0x27, IRQ 8-15 to 0x28-0x2F
PIC1_CMD           equ 0x20
PIC1_DATA          equ 0x21
PIC2_CMD           equ 0xA0
PIC2_DATA          equ 0xA1
PIC_EOI            equ 0x20
PIC_READ_IRR       equ 0x0A         ; OCW3: the next read of the command port gives the IRR
PIT_CH0            equ 0x40
PIT_CMD            equ 0x43
PIT_MODE2_LOHI     equ 0x34         ; channel 0, lobyte then hibyte, mode 2 (rate generator)

COM1               equ 0x3F8        ; 16550 UART registers, as offsets from COM1
UART_THR           equ 0            ; transmit holding register (DLAB=0)
UART_DLL           equ 0            ; divisor latch low (DLAB=1)
UART_IER           equ 1            ; interrupt enable (DLAB=0)
UART_DLM           equ 1            ; divisor latch high (DLAB=1)
UART_FCR           equ 2            ; FIFO control
UART_LCR           equ 3            ; line control
UART_MCR           equ 4            ; modem control
UART_LSR           equ 5            ; line status
UART_SCR           equ 7            ; scratch
LSR_THR_EMPTY      equ 0x20

ATA_DATA           equ 0x1F0        ; the primary ATA channel's command block
ATA_COUNT          equ 0x1F2
ATA_LBA_LOW        equ 0x1F3
ATA_LBA_MID        equ 0x1F4
ATA_LBA_HIGH       equ 0x1F5
ATA_DRIVE          equ 0x1F6
ATA_STATUS         equ 0x1F7        ; read: status; write: command
ATA_READ_SECTORS   equ 0x20
ATA_BSY            equ 0x80
ATA_DRQ            equ 0x08
ATA_ERR            equ 0x01
DISK_SECTOR        equ 1            ; the sector the kernel reads and prints

; Paging: two address spaces in free RAM above the kernel. Both map 0..4 MiB one to one (the
; kernel, its stack, its devices' pages) and PRIVATE_PAGE to a frame of their own.
PAGING_TABLES      equ 0x00300000
PD_A               equ PAGING_TABLES            ; page directory of space A
PD_B               equ PAGING_TABLES + 0x1000   ; ... of space B
PT_LOW             equ PAGING_TABLES + 0x2000   ; 0..4 MiB one to one, shared by both
PT_PRIVATE_A       equ PAGING_TABLES + 0x3000   ; 4 MiB..8 MiB in A
PT_PRIVATE_B       equ PAGING_TABLES + 0x4000   ; ... in B
FRAME_A            equ 0x00310000               ; what PRIVATE_PAGE is in A
FRAME_B            equ 0x00311000               ; ... in B
PRIVATE_PAGE       equ 0x00400000               ; one address, two frames
PTE_KERNEL         equ 3                        ; present, writable, supervisor only
CR0_PG             equ 0x80000000

POWER_OFF_PORT     equ 0xF4         ; isa-debug-exit-like: the byte written is the exit code
DATA_ADDR          equ LOAD_ADDR + 0x1000   ; fixed in both builds: the console shows table addresses
USER_CODE_ADDR     equ LOAD_ADDR + 0x3000   ; user_tasks.inc and the tour's ELF, on pages of their own
BSS_ADDR           equ LOAD_ADDR + 0x6000
CONSOLE_BUFFER     equ 256          ; the PV console's line buffer

MULTIBOOT_MAGIC    equ 0x1BADB002
MULTIBOOT_FLAGS    equ 0x00010000   ; bit 16: the load addresses below are valid
LOADER_MAGIC       equ 0x2BADB002


%ifdef PARAVIRT
; ---- the Xen-style interface (xen/include/public/xen.h, sched.h, event_channel.h, vcpu.h) -----
HYPERVISOR_set_trap_table   equ 0
HYPERVISOR_set_gdt          equ 2
HYPERVISOR_set_callbacks    equ 4
HYPERVISOR_mmu_update       equ 1
HYPERVISOR_multicall        equ 13
HYPERVISOR_mmuext_op        equ 26
MMUEXT_NEW_BASEPTR          equ 5
HYPERVISOR_xen_version      equ 17
HYPERVISOR_console_io       equ 18
HYPERVISOR_grant_table_op   equ 20
HYPERVISOR_vcpu_op          equ 24
HYPERVISOR_sched_op         equ 29
HYPERVISOR_event_channel_op equ 32
CONSOLEIO_write             equ 0
SCHEDOP_block               equ 1
SCHEDOP_shutdown            equ 2
SHUTDOWN_poweroff           equ 0
SHUTDOWN_crash              equ 3
EVTCHNOP_bind_virq          equ 1
EVTCHNOP_send               equ 4
EVTCHNOP_alloc_unbound      equ 6
GNTTABOP_setup_table        equ 2
GTF_permit_access           equ 1
DOMID_SELF                  equ 0x7FF0
XEN_START_INFO_STORE_EVTCHN equ 48
STORE                       equ 0x00005000  ; start_info.store_mfn's page (trapsim/README.md)
XenbusStateInitialised      equ 3
XenbusStateConnected        equ 4
RING_REF                    equ 8           ; grant references: 0-7 are reserved by Xen
DATA_REF                    equ 9
BLKIF_OP_READ               equ 0
RING_HEADER                 equ 64          ; io/ring.h: req_prod, req_event, rsp_prod, rsp_event, pad
VIRQ_TIMER                  equ 0
VCPUOP_set_periodic_timer   equ 6
XEN_START_INFO_SHARED       equ 36          ; start_info.shared_info
SHARED_INFO                 equ 0x00002000  ; where this kernel expects the shared-info page
VCPU0_UPCALL_PENDING        equ SHARED_INFO + 0   ; vcpu_info[0].evtchn_upcall_pending
VCPU0_UPCALL_MASK           equ SHARED_INFO + 1   ; vcpu_info[0].evtchn_upcall_mask
VCPU0_PENDING_SEL           equ SHARED_INFO + 4   ; vcpu_info[0].evtchn_pending_sel
EVTCHN_PENDING              equ SHARED_INFO + 2048 ; after 32 vcpu_info of 64 bytes
PERIOD_NS                   equ 1676188     ; PIT_DIVISOR clocks of 1.193182 MHz, in nanoseconds

%macro HYPERCALL 1
    mov eax, HYPERVISOR_%1
    int 0x82
%endmacro
%endif

; The operations a paravirtual kernel cannot do itself (Linux: pv_irq_ops, pv_cpu_ops).
%macro PV_CLI 0
%ifdef PARAVIRT
    mov byte [VCPU0_UPCALL_MASK], 1 ; no trap: the hypervisor reads the mask before an upcall
%else
    cli
%endif
%endmacro

%macro PV_STI 0
%ifdef PARAVIRT
    call pv_unmask_events
%else
    sti
%endif
%endmacro

%macro PV_PUSHF 0
%ifdef PARAVIRT
    pushf                           ; the arithmetic flags; then IF from the event mask
    call pv_save_flags
%else
    pushf
%endif
%endmacro

%macro PV_POPF 0
%ifdef PARAVIRT
    call pv_restore_flags
%else
    popf
%endif
%endmacro

ORG LOAD_ADDR

; ---- Multiboot 1 header (a.out kludge): where to load, how long, where to start ----------
multiboot_header:
    dd MULTIBOOT_MAGIC
    dd MULTIBOOT_FLAGS
    dd -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)
    dd multiboot_header             ; header_addr
    dd LOAD_ADDR                    ; load_addr
    dd image_end                    ; load_end_addr
    dd bss_end                      ; bss_end_addr
    dd start                        ; entry_addr

; ---- entry ---------------------------------------------------------------------------------
start:
%ifndef PARAVIRT
    cli                             ; nothing may interrupt us before we are set up
%endif                              ; (a PV kernel starts with events masked)
    jmp boot
    times 16 - ($ - start) db 0xCC

; divide_check: a divide error through the kernel's own exception table. At a fixed address
; in both builds, because the handler prints where it happened.
divide_check:
    xor ecx, ecx
    mov eax, 1
    xor edx, edx
divide_site:
    div ecx
    ret

boot:
    mov esp, stack_top
    mov [loader_magic], eax
%ifdef PARAVIRT
    mov [start_info_ptr], esi
    mov eax, [esi + XEN_START_INFO_SHARED]
    cmp eax, SHARED_INFO            ; the page this kernel was built to use (no paging to map it)
    jne shared_info_elsewhere
    mov ebx, gdt_frames             ; set_gdt(frame list, entries): the hypervisor checks and
    mov ecx, (gdt_end - gdt) / 8    ; installs our descriptors; lgdt would fault in ring 1
    HYPERCALL set_gdt
%else
    lgdt [gdtr]                     ; our own segments, then reload every segment register
%endif
    jmp KERNEL_CS:.reload_cs
.reload_cs:
    mov ax, KERNEL_DS
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, stack_top
    call idt_init
%ifdef PARAVIRT
    mov ebx, trap_table             ; the exception handlers, as a list instead of an IDT
    HYPERCALL set_trap_table
%else
    lidt [idtr]
%endif

    call serial_init

    mov esi, msg_banner
    call puts

    mov esi, msg_loader             ; who booted us
    call puts
    mov eax, [loader_magic]
    call print_hex
    mov esi, msg_loader_ok
    cmp dword [loader_magic], LOADER_MAGIC
    je .loader_known
    mov esi, msg_loader_unknown
.loader_known:
    call puts

    mov esi, msg_cr0                ; what mode the CPU is in
    call puts
    mov eax, cr0                    ; a PV kernel reads it once (Xen emulates the trap), then
    mov [cr0_value], eax            ; answers from this copy, as Linux's xen_read_cr0 does
    mov ebx, eax
    call print_hex
    mov esi, msg_cr0_pe
    test ebx, 1
    jnz .protected
    mov esi, msg_cr0_real
.protected:
    call puts

%ifdef PARAVIRT
    or dword [cr0_value], CR0_MP | CR0_NE   ; Xen owns CR0: only the kernel's copy changes
%else
    mov eax, cr0                    ; the usual x87 set-up: MP and NE on
    or eax, CR0_MP | CR0_NE
    mov cr0, eax
    mov [cr0_value], eax
%endif

    call timer_init                 ; from here on the timer ticks

    call divide_check               ; an exception through our own IDT; de_handler skips it

    call sieve                      ; some honest computing
    push eax
    mov esi, msg_sieve1
    call puts
    mov eax, PRIME_LIMIT
    call print_dec
    mov esi, msg_sieve2
    call puts
    mov eax, ecx
    call print_dec
    mov esi, msg_sieve3
    call puts
    pop eax
    call print_dec
    call newline

    mov esi, msg_fib
    call puts
    mov ecx, FIB_N
    call fibonacci
    call print_dec
    call newline

    call disk_read                  ; one sector from the disk into disk_buffer
    mov esi, msg_disk
    call puts
    mov esi, msg_disk_failed
    test eax, eax
    jnz .disk_failed
    mov esi, disk_buffer
.disk_failed:
    call puts
    call newline

    ; Critical sections, as a kernel protects data shared with interrupt handlers: with
    ; interrupts off, the timer handler must not run, however long the section takes. A tick
    ; that falls due meanwhile waits in the PIC's IRR until sti.
    mov ecx, CRITICAL_SECTIONS
.critical:
    PV_CLI
    mov ebx, [ticks]
    inc dword [shared_counter]
    mov edx, SECTION_SPIN
.spin:
    dec edx
    jnz .spin
    cmp ebx, [ticks]
    je .not_interrupted
    inc dword [ticks_inside_cli]    ; the handler ran although interrupts were off
.not_interrupted:
%ifdef PARAVIRT
    cmp byte [VCPU0_UPCALL_PENDING], 0  ; an event waits for us to unmask
    je .nothing_pending
%else
    mov al, PIC_READ_IRR
    out PIC1_CMD, al
    in al, PIC1_CMD
    test al, 1
    jz .nothing_pending
%endif
    inc dword [ticks_held_back]     ; IRQ 0 is waiting for our sti
.nothing_pending:
    PV_STI
    dec ecx
    jnz .critical
    mov esi, msg_critical1
    call puts
    mov eax, CRITICAL_SECTIONS
    call print_dec
    mov esi, msg_critical2
    call puts
    mov eax, [shared_counter]
    call print_dec
    call newline
    mov esi, msg_cli_inside
    call puts
    mov eax, [ticks_inside_cli]
    call print_dec
    call newline
    mov esi, msg_cli_held
    call puts
    mov esi, msg_yes
    cmp dword [ticks_held_back], 0
    jne .held
    mov esi, msg_no
.held:
    call puts

    call ring_checks
    call paging_check

    ; The idle loop: enable interrupts and halt until one arrives, a bounded number of times.
    mov ecx, IDLE_HALTS
.idle:
%ifdef PARAVIRT
    call pv_block                   ; sched_op(block) unmasks events and sleeps until one arrives
%else
    sti
    hlt
%endif
    inc dword [wakeups]
    dec ecx
    jnz .idle
    mov esi, msg_idle1
    call puts
    mov eax, [wakeups]
    call print_dec
    mov esi, msg_idle2
    call puts
    mov esi, msg_ticks
    call puts
    mov esi, msg_yes
    cmp dword [ticks], IDLE_HALTS
    jae .ticked
    mov esi, msg_no
.ticked:
    call puts

    call user_tasks                 ; ring-3 tasks until every one has exited (user_tasks.inc)

    mov esi, msg_off
    call puts
%ifdef PARAVIRT
    mov ebx, SCHEDOP_shutdown
    mov ecx, shutdown_poweroff
    HYPERCALL sched_op
%else
    mov dx, POWER_OFF_PORT
    mov al, 0                       ; exit code 0: all is well
    out dx, al
%endif
.dead:                              ; only reached if the power-off device is missing
    jmp .dead

; ---- am I really at ring 0, alone on the machine? ------------------------------------------
; Seven things a ring-0 kernel may take for granted. Each prints a line and, when it holds,
; counts in checks_passed. Under trap-and-emulate only the ones the monitor can see hold:
; pushf, popf, sgdt, sidt, smsw and reading cs never trap at ring 1.
ring_checks:
    mov esi, msg_cs                 ; 1. the RPL of CS is the CPL
    call puts
    mov eax, cs
    and eax, 3
    sub eax, KERNEL_RPL             ; relative to the ring this kernel was built for
    call print_dec
    xor ebx, ebx
    test eax, eax
    setz bl
    mov edi, msg_cs_bad
    call verdict

    PV_CLI                          ; 2. the flags show what cli did
    PV_PUSHF
    pop eax
    PV_STI
    mov esi, msg_pushf
    call puts
    shr eax, 9
    and eax, 1
    call print_dec
    xor ebx, ebx
    test eax, eax
    setz bl
    mov edi, msg_pushf_bad
    call verdict

    PV_PUSHF                        ; 3. popf with IF=0 disables interrupts (local_irq_restore)
    pop eax
    and eax, ~EFLAGS_IF
    push eax
    PV_POPF
    call spin_ticks                 ; EAX = timer interrupts during a long section
    PV_STI
    mov esi, msg_popf_off
    call puts
    xor ebx, ebx
    test eax, eax
    setz bl
    mov edi, msg_popf_off_bad
    call verdict

    PV_PUSHF                        ; 4. pushf; cli; ...; popf restores IF=1 (a spinlock's irqsave)
    PV_CLI
    inc dword [shared_counter]
    PV_POPF
    call spin_ticks
    PV_STI
    mov esi, msg_popf_on
    call puts
    xor ebx, ebx
    test eax, eax
    setnz bl
    mov edi, msg_popf_on_bad
    call verdict

%ifdef PARAVIRT
    mov eax, [gdtr + 2]             ; 5. a PV kernel asks its own records, not the CPU
    mov [table_register + 2], eax
%else
    sgdt [table_register]           ; 5. the GDT is the one lgdt loaded
%endif
    mov esi, msg_sgdt
    call puts
    mov eax, [table_register + 2]
    call print_hex
    xor ebx, ebx
    cmp eax, gdt
    sete bl
    mov edi, msg_table_bad
    call verdict

%ifdef PARAVIRT
    mov eax, [idtr + 2]             ; 6. the table it gave the hypervisor
    mov [table_register + 2], eax
%else
    sidt [table_register]           ; 6. the IDT is the one lidt loaded
%endif
    mov esi, msg_sidt
    call puts
    mov eax, [table_register + 2]
    call print_hex
    xor ebx, ebx
    cmp eax, idt
    sete bl
    mov edi, msg_table_bad
    call verdict

    xor eax, eax                    ; 7. cr0's low word is what this kernel wrote
%ifdef PARAVIRT
    mov ax, [cr0_value]
%else
    smsw ax
%endif
    mov esi, msg_smsw
    call puts
    call print_hex
    xor ebx, ebx
    cmp eax, CR0_EXPECTED_MSW
    sete bl
    mov edi, msg_smsw_bad
    call verdict

    mov esi, msg_checks1
    call puts
    mov eax, [checks_passed]
    call print_dec
    mov esi, msg_checks2
    call puts
    ret

; spin_ticks: runs CHECK_SPIN loop iterations; returns EAX = timer ticks taken meanwhile.
spin_ticks:
    push ecx
    push edx
    mov ecx, [ticks]
    mov edx, CHECK_SPIN
.spin:
    dec edx
    jnz .spin
    mov eax, [ticks]
    sub eax, ecx
    pop edx
    pop ecx
    ret

; verdict: EBX = 1 if the check held; EDI = what it means if not. Ends the check's line.
verdict:
    push esi
    mov esi, msg_ok
    test ebx, ebx
    jz .failed
    inc dword [checks_passed]
    jmp .print
.failed:
    mov esi, edi
.print:
    call puts
    pop esi
    ret

; ---- paging: two address spaces ------------------------------------------------------------
; A process's memory is its own because CR3 names the tables the CPU walks. The kernel marks
; PRIVATE_PAGE in space A, switches to B and marks it there, switches back and reads A's mark.
; It stays in space A afterwards (the rest of the run is paged). Under the monitors the real
; tables are the monitor's shadow of these (trapsim/shadow_mmu.h).
%macro SWITCH_SPACE 2               ; %1: PD_A or PD_B; %2: its mmuext_op (PV)
%ifdef PARAVIRT
    mov ebx, %2
    mov ecx, 1
    xor edx, edx
    mov esi, DOMID_SELF
    HYPERCALL mmuext_op             ; MMUEXT_NEW_BASEPTR: the hypervisor loads cr3
%else
    mov eax, %1
    mov cr3, eax
%endif
%endmacro

paging_check:
    mov edi, PT_LOW                 ; the one-to-one table, written before paging is on
    xor ecx, ecx
.fill:
    mov eax, ecx
    shl eax, 12
    or eax, PTE_KERNEL
    mov [edi + ecx*4], eax
    inc ecx
    cmp ecx, 1024
    jne .fill
    mov dword [PT_LOW], 0           ; page 0 stays absent: a null pointer faults
%ifdef PARAVIRT
    ; The entries that differ go through the hypervisor, which checks each one, in a single
    ; multicall with the switch to space A: one entry into the hypervisor for the batch
    ; (Linux's lazy MMU mode batches the same way).
    mov ebx, paging_calls
    mov ecx, (paging_calls_end - paging_calls) / 32
    HYPERCALL multicall
%else
    mov dword [PD_A], PT_LOW | PTE_KERNEL
    mov dword [PD_B], PT_LOW | PTE_KERNEL
    mov dword [PD_A + 4], PT_PRIVATE_A | PTE_KERNEL
    mov dword [PD_B + 4], PT_PRIVATE_B | PTE_KERNEL
    mov dword [PT_PRIVATE_A], FRAME_A | PTE_KERNEL
    mov dword [PT_PRIVATE_B], FRAME_B | PTE_KERNEL
    SWITCH_SPACE PD_A, base_a
    mov eax, cr0
    or eax, CR0_PG                  ; paging on
    mov cr0, eax
%endif
    mov dword [PRIVATE_PAGE], 'A'
    SWITCH_SPACE PD_B, base_b
    mov dword [PRIVATE_PAGE], 'B'
    SWITCH_SPACE PD_A, base_a
    mov esi, msg_paging
    call puts
    mov esi, msg_paging_bad
    cmp dword [PRIVATE_PAGE], 'A'   ; A's mark, not B's
    jne .report
    cmp dword [FRAME_B], 'B'        ; B's frame, seen through the one-to-one map
    jne .report
    mov esi, msg_ok
.report:
    call puts
    ret

; ---- interrupts ----------------------------------------------------------------------------
; idt_init: interrupt gates for the 32 exceptions (unexpected ones end the run), the divide
; error, and the timer.
idt_init:
    xor eax, eax
.exception:
    mov ebx, [exception_stubs + eax*4]
    call set_gate
    inc eax
    cmp eax, 32
    jb .exception
    xor eax, eax
    mov ebx, de_handler
    call set_gate
    mov eax, PF_VECTOR              ; a user task's page fault kills it (user_tasks.inc)
    mov ebx, pf_handler
    call set_gate
    call set_syscall_gate           ; int 0x80, reachable from ring 3
%ifndef PARAVIRT                    ; a PV kernel's timer is an event channel, not a vector
    mov eax, TIMER_VECTOR
    mov ebx, timer_handler
    call set_gate
%endif
    ret

%ifdef PARAVIRT
; set_gate: EAX = vector, EBX = handler: a trap_info entry {vector, flags, cs, address}.
; flags 0: DPL 0 (no int n from user mode), events stay unmasked in the handler.
set_gate:
    push edi
    lea edi, [trap_table + eax*8]
    mov [edi], al
    mov byte [edi + 1], 0
    mov word [edi + 2], KERNEL_CS
    mov [edi + 4], ebx
    pop edi
    ret
%else
; set_gate: EAX = vector, EBX = handler: a present, DPL 0, 32-bit interrupt gate.
set_gate:
    push ebx
    push edi
    lea edi, [idt + eax*8]
    mov [edi], bx
    mov word [edi + 2], KERNEL_CS
    mov word [edi + 4], 0x8E00
    shr ebx, 16
    mov [edi + 6], bx
    pop edi
    pop ebx
    ret
%endif

%ifdef PARAVIRT
; timer_init: one multicall binds VIRQ_TIMER to an event channel, registers the upcall
; callback and starts the periodic timer; then events are unmasked.
timer_init:
    mov ebx, timer_calls
    mov ecx, (timer_calls_end - timer_calls) / 32
    HYPERCALL multicall
    PV_STI
    ret

; hypervisor_callback: the event upcall. Entered with events masked and an iret frame
; (EFLAGS, CS, EIP) on the stack, like an interrupt gate.
hypervisor_callback:
    push eax
.scan:
    mov byte [VCPU0_UPCALL_PENDING], 0  ; cleared before the scan (xen.h: no set-and-check race)
    mov dword [VCPU0_PENDING_SEL], 0
    mov eax, [bind_virq_timer + 8]  ; the port the hypervisor bound VIRQ_TIMER to
    lock btr [EVTCHN_PENDING], eax
    jnc .not_timer
    inc dword [ticks]
.not_timer:
    mov eax, [disk_port]            ; blkback answered (disk_read polls the ring itself)
    test eax, eax
    jz .no_disk
    lock btr [EVTCHN_PENDING], eax
.no_disk:
    cmp byte [VCPU0_UPCALL_PENDING], 0  ; more arrived meanwhile: scan again, still masked
    jne .scan
    mov eax, [esp + 8]              ; the interrupted CS: a user task's time slice is over
    and eax, 3
    cmp eax, 3
    pop eax
    je preempt                      ; events stay masked until switch_to returns to a task
    mov byte [VCPU0_UPCALL_MASK], 0
    iret                            ; to ring 1 from ring 1: no trap

failsafe_callback:                  ; the hypervisor could not restore our segments
    push dword 255
    jmp unexpected_exception

; pv_unmask_events: Linux's xen_irq_enable. Unmask, and if an event arrived while masked ask
; for the upcall now (any hypercall returns through the upcall check). Keeps every flag.
pv_unmask_events:
    mov byte [VCPU0_UPCALL_MASK], 0
    pushf
    cmp byte [VCPU0_UPCALL_PENDING], 0
    je .none
    push eax
    push ebx
    xor ebx, ebx                    ; XENVER_version: the cheapest hypercall (xen_force_evtchn_callback)
    HYPERCALL xen_version
    pop ebx
    pop eax
.none:
    popf
    ret

; pv_save_flags: after pushf, replaces IF in the pushed flags by "events unmasked".
pv_save_flags:
    pushf
    and dword [esp + 8], ~EFLAGS_IF
    cmp byte [VCPU0_UPCALL_MASK], 0
    jne .masked
    or dword [esp + 8], EFLAGS_IF
.masked:
    popf
    ret

; pv_restore_flags: pops the flags the caller pushed; their IF masks or unmasks events.
pv_restore_flags:
    test dword [esp + 4], EFLAGS_IF
    jz .disable
    call pv_unmask_events
    jmp .load
.disable:
    mov byte [VCPU0_UPCALL_MASK], 1
.load:
    push dword [esp + 4]
    popf                            ; the arithmetic flags; IF is not ours in ring 1
    ret 4

; pv_block: sched_op(SCHEDOP_block): unmask events and sleep until one is delivered.
pv_block:
    push eax
    push ebx
    mov ebx, SCHEDOP_block
    HYPERCALL sched_op
    pop ebx
    pop eax
    ret

shared_info_elsewhere:
    mov esi, msg_shared_info
    call puts
crash:
    mov ebx, SCHEDOP_shutdown
    mov ecx, shutdown_crash
    HYPERCALL sched_op
    jmp crash
%else
; timer_init: remap the PICs (ICW1-ICW4), unmask only IRQ 0, start the PIT in mode 2.
timer_init:
    mov al, 0x11                    ; ICW1: initialise, ICW4 follows, cascaded
    out PIC1_CMD, al
    out PIC2_CMD, al
    mov al, TIMER_VECTOR            ; ICW2: vector bases
    out PIC1_DATA, al
    mov al, TIMER_VECTOR + 8
    out PIC2_DATA, al
    mov al, 0x04                    ; ICW3: the slave hangs on the master's IRQ 2
    out PIC1_DATA, al
    mov al, 0x02
    out PIC2_DATA, al
    mov al, 0x01                    ; ICW4: 8086 mode
    out PIC1_DATA, al
    out PIC2_DATA, al
    mov al, 0xFE                    ; OCW1: only IRQ 0 (the timer)
    out PIC1_DATA, al
    mov al, 0xFF
    out PIC2_DATA, al
    mov al, PIT_MODE2_LOHI
    out PIT_CMD, al
    mov al, PIT_DIVISOR & 0xFF
    out PIT_CH0, al
    mov al, PIT_DIVISOR >> 8
    out PIT_CH0, al
    sti
    ret
%endif

timer_handler:
    push eax
    inc dword [ticks]
    mov al, PIC_EOI
    out PIC1_CMD, al
    mov eax, [esp + 8]              ; the interrupted CS: a user task's time slice is over
    and eax, 3
    cmp eax, 3
    pop eax
    je preempt
    iret

; de_handler: the divide error at divide_site. Reports where it happened and resumes after
; the 2-byte `div ecx` (a fault returns to the faulting instruction, which would fault again).
de_handler:
    push eax
    push esi
    mov esi, msg_de
    call puts
    mov eax, [esp + 8]              ; the EIP in the frame the CPU pushed
    call print_hex
    call newline
    add dword [esp + 8], 2
    pop esi
    pop eax
    iret

; Any other exception: the kernel has no business continuing.
unexpected_exception:
    mov esi, msg_unexpected
    call puts
    pop eax
    call print_dec
    call newline
%ifdef PARAVIRT
    jmp crash                       ; sched_op(shutdown, SHUTDOWN_crash): exit code 3
%else
    mov al, 3
    out POWER_OFF_PORT, al
.dead:
    jmp .dead
%endif

%macro EXCEPTION_STUB 1
exception_%1:
    push dword %1
    jmp unexpected_exception
%endmacro
%assign vector 0
%rep 32
EXCEPTION_STUB vector
%assign vector vector + 1
%endrep

%ifdef PARAVIRT
; ---- the hypervisor's console: one console_io hypercall per line --------------------------
serial_init:
    mov byte [serial_present], 1
    ret

putc:
    push ebx
    mov ebx, [console_used]
    mov [console_buffer + ebx], al
    inc ebx
    mov [console_used], ebx
    cmp al, 10
    je .flush
    cmp ebx, CONSOLE_BUFFER
    jb .done
.flush:
    call console_flush
.done:
    pop ebx
    ret

console_flush:
    push eax
    push ebx
    push ecx
    push edx
    mov ebx, CONSOLEIO_write
    mov ecx, [console_used]
    mov edx, console_buffer
    HYPERCALL console_io
    mov dword [console_used], 0
    pop edx
    pop ecx
    pop ebx
    pop eax
    ret
%else
; ---- 16550 serial console ------------------------------------------------------------------
serial_init:
    mov dx, COM1 + UART_IER
    mov al, 0x00                    ; no UART interrupts: this driver polls
    out dx, al
    mov dx, COM1 + UART_LCR
    mov al, 0x80                    ; DLAB on, to set the baud-rate divisor
    out dx, al
    mov dx, COM1 + UART_DLL
    mov al, 0x01                    ; divisor 1: 115200 baud
    out dx, al
    mov dx, COM1 + UART_DLM
    mov al, 0x00
    out dx, al
    mov dx, COM1 + UART_LCR
    mov al, 0x03                    ; 8 data bits, no parity, one stop bit; DLAB off
    out dx, al
    mov dx, COM1 + UART_FCR
    mov al, 0xC7                    ; enable and clear the FIFOs
    out dx, al
    mov dx, COM1 + UART_MCR
    mov al, 0x0B                    ; DTR, RTS, OUT2
    out dx, al
    mov dx, COM1 + UART_SCR         ; is there a UART at all? probe the scratch register
    mov al, 0x5A
    out dx, al
    in al, dx
    cmp al, 0x5A
    jne .absent
    mov byte [serial_present], 1
.absent:
    ret

; putc: AL = character. Waits until the transmitter can take it, as a polling driver must.
putc:
    cmp byte [serial_present], 0
    je .done
    push edx
    push eax
    mov dx, COM1 + UART_LSR
.wait:
    in al, dx
    test al, LSR_THR_EMPTY
    jz .wait
    pop eax
    mov dx, COM1 + UART_THR
    out dx, al
    pop edx
.done:
    ret
%endif

; puts: ESI = NUL-terminated string.
puts:
    push eax
.next:
    lodsb
    test al, al
    jz .end
    call putc
    jmp .next
.end:
    pop eax
    ret

newline:
    push eax
    mov al, 10
    call putc
    pop eax
    ret

; print_dec: EAX as an unsigned decimal number.
print_dec:
    push eax
    push ebx
    push ecx
    push edx
    mov ebx, 10
    xor ecx, ecx
.divide:
    xor edx, edx
    div ebx
    push edx
    inc ecx
    test eax, eax
    jnz .divide
.emit:
    pop eax
    add al, '0'
    call putc
    loop .emit
    pop edx
    pop ecx
    pop ebx
    pop eax
    ret

; print_hex: EAX as 0x followed by eight hex digits.
print_hex:
    push eax
    push ebx
    push ecx
    mov ebx, eax
    mov al, '0'
    call putc
    mov al, 'x'
    call putc
    mov ecx, 8
.digit:
    rol ebx, 4
    mov eax, ebx
    and eax, 0x0F
    mov al, [hex_digits + eax]
    call putc
    loop .digit
    pop ecx
    pop ebx
    pop eax
    ret

; ---- the disk ------------------------------------------------------------------------------
%ifdef PARAVIRT
; disk_read: blkfront. Grant dom0 a ring page and a data page, announce the ring and a fresh
; event channel in the store, queue one READ request and notify; dom0's blkback answers on
; the ring and the channel. Returns EAX = 0 when DISK_SECTOR is in disk_buffer.
disk_read:
    push ebx
    push ecx
    push edx
    push edi
    mov ebx, GNTTABOP_setup_table   ; where is my grant table?
    mov ecx, gnttab_setup
    mov edx, 1
    HYPERCALL grant_table_op
    mov edi, [grant_frame]
    shl edi, 12
    mov dword [edi + RING_REF*8 + 4], blk_ring >> 12   ; frame, domid 0, then the flags last:
    mov word [edi + RING_REF*8 + 2], 0                 ; an entry is live once it permits access
    mov word [edi + RING_REF*8], GTF_permit_access
    mov dword [edi + DATA_REF*8 + 4], disk_buffer >> 12
    mov word [edi + DATA_REF*8 + 2], 0
    mov word [edi + DATA_REF*8], GTF_permit_access
    mov ebx, EVTCHNOP_alloc_unbound ; a channel whose other end dom0 will bind
    mov ecx, alloc_unbound
    HYPERCALL event_channel_op
    mov eax, [alloc_unbound + 4]
    mov [disk_port], eax
    mov dword [STORE + 4], RING_REF ; "ring-ref", "event-channel", then "state"
    mov [STORE + 8], eax
    mov dword [STORE], XenbusStateInitialised
    mov eax, [start_info_ptr]
    mov eax, [eax + XEN_START_INFO_STORE_EVTCHN]
    mov [evtchn_send_port], eax
    mov ebx, EVTCHNOP_send          ; tell dom0 (the store's watch)
    mov ecx, evtchn_send_port
    HYPERCALL event_channel_op
    cmp dword [STORE], XenbusStateConnected
    jne .failed
    mov edi, blk_ring + RING_HEADER ; the request, in ring slot 0
    mov byte [edi], BLKIF_OP_READ
    mov byte [edi + 1], 1           ; nr_segments
    mov word [edi + 2], 0           ; handle
    mov dword [edi + 4], 1          ; id
    mov dword [edi + 8], 0
    mov dword [edi + 12], DISK_SECTOR   ; sector_number
    mov dword [edi + 16], 0
    mov dword [edi + 20], DATA_REF  ; seg[0]: gref, first_sect 0, last_sect 0
    mov word [edi + 24], 0
    inc dword [blk_ring]            ; req_prod, after the request is complete
    mov eax, [disk_port]
    mov [evtchn_send_port], eax
    mov ebx, EVTCHNOP_send
    mov ecx, evtchn_send_port
    HYPERCALL event_channel_op
.wait:                              ; the response: rsp_prod moves past our request
    cmp dword [blk_ring + 8], 1
    jae .answered
    call pv_block
    jmp .wait
.answered:
    cmp word [blk_ring + RING_HEADER + 10], 0   ; status: BLKIF_RSP_OKAY
    jne .failed
    xor eax, eax
    jmp .done
.failed:
    mov eax, 1
.done:
    pop edi
    pop edx
    pop ecx
    pop ebx
    ret
%else
; disk_read: LBA28 READ SECTORS of DISK_SECTOR on the primary master, polled PIO.
; Returns EAX = 0 when the sector is in disk_buffer.
disk_read:
    push ecx
    push edx
    push edi
    mov dx, ATA_DRIVE
    mov al, 0xE0 | ((DISK_SECTOR >> 24) & 0x0F)  ; LBA mode, master
    out dx, al
    mov dx, ATA_COUNT
    mov al, 1
    out dx, al
    mov dx, ATA_LBA_LOW
    mov al, DISK_SECTOR & 0xFF
    out dx, al
    mov dx, ATA_LBA_MID
    mov al, (DISK_SECTOR >> 8) & 0xFF
    out dx, al
    mov dx, ATA_LBA_HIGH
    mov al, (DISK_SECTOR >> 16) & 0xFF
    out dx, al
    mov dx, ATA_STATUS
    mov al, ATA_READ_SECTORS
    out dx, al
.poll:
    in al, dx
    test al, ATA_BSY
    jnz .poll
    test al, ATA_ERR
    jnz .failed
    test al, ATA_DRQ
    jz .poll
    mov dx, ATA_DATA
    mov edi, disk_buffer
    mov ecx, 256                    ; 512 bytes, a 16-bit word at a time
.word:
    in ax, dx
    stosw
    loop .word
    xor eax, eax
    jmp .done
.failed:
    mov eax, 1
.done:
    pop edi
    pop edx
    pop ecx
    ret
%endif

; ---- computing -----------------------------------------------------------------------------
; sieve: counts the primes below PRIME_LIMIT. Returns ECX = count, EAX = their sum.
sieve:
    push ebx
    push edx
    mov ebx, 2
.outer:                             ; for each n from 2: if not crossed out, cross out its multiples
    mov eax, ebx
    mul ebx
    cmp eax, PRIME_LIMIT
    jae .count
    cmp byte [composite + ebx], 0
    jne .next_outer
.cross:
    mov byte [composite + eax], 1
    add eax, ebx
    cmp eax, PRIME_LIMIT
    jb .cross
.next_outer:
    inc ebx
    jmp .outer
.count:
    xor ecx, ecx
    xor eax, eax
    mov ebx, 2
.tally:
    cmp byte [composite + ebx], 0
    jne .skip
    inc ecx
    add eax, ebx
.skip:
    inc ebx
    cmp ebx, PRIME_LIMIT
    jb .tally
    pop edx
    pop ebx
    ret

; fibonacci: ECX = n (n >= 1). Returns EAX = fib(n), with fib(1) = fib(2) = 1.
fibonacci:
    push ebx
    push edx
    xor eax, eax
    mov ebx, 1
.step:
    lea edx, [eax + ebx]
    mov eax, ebx
    mov ebx, edx
    loop .step
    pop edx
    pop ebx
    ret

; ---- data: at DATA_ADDR in both builds ----------------------------------------------------
                    times (DATA_ADDR - LOAD_ADDR) - ($ - $$) db 0  ; negative: the code outgrew its page
gdt:                dq 0
                    dq 0x00CF9A000000FFFF   ; KERNEL_CS: base 0, limit 4 GiB, code, DPL 0
                    dq 0x00CF92000000FFFF   ; KERNEL_DS: base 0, limit 4 GiB, data, DPL 0
                    dq 0x00CFFA000000FFFF   ; USER_CS: base 0, limit 4 GiB, code, DPL 3
                    dq 0x00CFF2000000FFFF   ; USER_DS: base 0, limit 4 GiB, data, DPL 3
%ifndef PARAVIRT                            ; TSS_SEL: a 32-bit available TSS, DPL 0 (a PV
                    dw TSS_SIZE - 1, TSS_ADDR & 0xFFFF      ; kernel has none: stack_switch)
                    db (TSS_ADDR >> 16) & 0xFF, 0x89, 0x00, TSS_ADDR >> 24
%endif
gdt_end:
gdtr                dw gdt_end - gdt - 1
                    dd gdt
idtr                dw 256 * 8 - 1
                    dd idt
exception_stubs:
%assign vector 0
%rep 32
                    dd exception_ %+ vector
%assign vector vector + 1
%endrep
hex_digits          db "0123456789abcdef"
msg_banner          db "VirtLab guest kernel 1.0: a 32-bit kernel that believes it owns the machine", 10, 0
msg_loader          db "booted by a Multiboot loader? eax was ", 0
msg_loader_ok       db " (yes)", 10, 0
msg_loader_unknown  db " (no: unknown loader)", 10, 0
msg_cr0             db "cr0 = ", 0
msg_cr0_pe          db ": protected mode, paging off", 10, 0
msg_cr0_real        db ": real mode?!", 10, 0
msg_cs              db "privilege level in cs (the kernel expects 0): ", 0
msg_cs_bad          db " -> not ring 0: something runs above me", 10, 0
msg_ok              db " -> ok", 10, 0
msg_pushf           db "pushf right after cli shows IF = ", 0
msg_pushf_bad       db " -> the flags lie: cli did not change what pushf sees", 10, 0
msg_popf_off        db "popf with IF=0, then a long critical section", 0
msg_popf_off_bad    db " -> the timer interrupted it: lost interrupt-disable (popf kept IF=1)", 10, 0
msg_popf_on         db "pushf; cli; popf, then a long section", 0
msg_popf_on_bad     db " -> no timer interrupt: lost interrupt-enable (popf did not restore IF=1)", 10, 0
msg_sgdt            db "sgdt: GDT at ", 0
msg_sidt            db "sidt: IDT at ", 0
msg_table_bad       db " -> not the table I loaded: someone else's", 10, 0
msg_smsw            db "smsw: machine status word ", 0
msg_smsw_bad        db " -> not the cr0 I wrote: someone else's", 10, 0
msg_checks1         db "ring-0 checks passed: ", 0
msg_checks2         db " of 7", 10, 0
msg_sieve1          db "sieve of Eratosthenes below ", 0
msg_sieve2          db ": ", 0
msg_sieve3          db " primes, sum ", 0
msg_fib             db "fibonacci(40) = ", 0
msg_critical1       db "critical sections: ", 0
msg_critical2       db " cli/sti pairs, shared counter = ", 0
msg_cli_inside      db "timer interrupts taken inside cli sections: ", 0
msg_cli_held        db "timer ticks that waited for sti: ", 0
msg_yes             db "yes", 10, 0
msg_no              db "no", 10, 0
msg_ticks           db "timer handler ran for every wake-up: ", 0
msg_de              db "divide error (#DE) caught by the kernel's handler at ", 0
msg_unexpected      db "unexpected exception, vector ", 0
msg_idle1           db "idle loop: woke up ", 0
msg_idle2           db " times from hlt", 10, 0
msg_off             db "powering off with exit code 0", 10, 0
msg_disk            db "disk sector 1 says: ", 0
msg_disk_failed     db "(the read failed)", 0
msg_paging          db "paging: two address spaces switched by cr3, each sees its own page", 0
msg_paging_bad      db " -> broken: one space sees the other's page", 10, 0
%ifdef PARAVIRT
msg_shared_info     db "the shared-info page is not where this kernel expects it", 10, 0
                    align 4
gdt_frames          dd DATA_ADDR >> 12  ; set_gdt: the page frames that hold the GDT
shutdown_poweroff   dd SHUTDOWN_poweroff
shutdown_crash      dd SHUTDOWN_crash
bind_virq_timer     dd VIRQ_TIMER, 0, 0 ; virq, vcpu, port (filled in by the hypervisor)
periodic_timer      dq PERIOD_NS        ; vcpu_set_periodic_timer.period_ns
timer_calls:                            ; multicall_entry: op, result, args[6]
                    dd HYPERVISOR_event_channel_op, 0, EVTCHNOP_bind_virq, bind_virq_timer, 0, 0, 0, 0
                    dd HYPERVISOR_set_callbacks, 0, KERNEL_CS, hypervisor_callback, KERNEL_CS, failsafe_callback, 0, 0
                    dd HYPERVISOR_vcpu_op, 0, VCPUOP_set_periodic_timer, 0, periodic_timer, 0, 0, 0
timer_calls_end:
trap_table:         times 34 dq 0       ; trap_info for vectors 0-31, int 0x80, then the terminator
gnttab_setup:       dw DOMID_SELF, 0    ; gnttab_setup_table: dom
                    dd 1                ; nr_frames
                    dw 0, 0             ; status
                    dd grant_frame      ; frame_list
grant_frame         dd 0
alloc_unbound:      dw DOMID_SELF, 0    ; dom, remote_dom (dom0)
                    dd 0                ; port (out)
evtchn_send_port    dd 0
                    align 8             ; mmu_update: ptr's low two bits are the command
paging_updates:     dq PD_A, PT_LOW | PTE_KERNEL        ; {ptr (guest-physical), val}
                    dq PD_B, PT_LOW | PTE_KERNEL
                    dq PD_A + 4, PT_PRIVATE_A | PTE_KERNEL
                    dq PD_B + 4, PT_PRIVATE_B | PTE_KERNEL
                    dq PT_PRIVATE_A, FRAME_A | PTE_KERNEL
                    dq PT_PRIVATE_B, FRAME_B | PTE_KERNEL
paging_updates_end:
base_a              dd MMUEXT_NEW_BASEPTR, PD_A >> 12, 0   ; mmuext_op: cmd, arg1 (mfn), arg2
base_b              dd MMUEXT_NEW_BASEPTR, PD_B >> 12, 0
paging_calls:                           ; multicall_entry: op, result, args[6]
                    dd HYPERVISOR_mmu_update, 0, paging_updates, (paging_updates_end - paging_updates) / 16, 0, DOMID_SELF, 0, 0
                    dd HYPERVISOR_mmuext_op, 0, base_a, 1, 0, DOMID_SELF, 0, 0
paging_calls_end:
%endif

                    align 4096, db 0    ; user_tasks.inc: code on pages of its own, away from data
                    times (USER_CODE_ADDR - LOAD_ADDR) - ($ - $$) db 0
%include "user_tasks.inc"
image_end:

; ---- bss: zero-filled by the loader, not stored in the image --------------------------------
                    times 0 - (($ - $$) > (BSS_ADDR - LOAD_ADDR)) db 0  ; fails if the data reaches the bss
ABSOLUTE BSS_ADDR                   ; writable data on its own pages, away from the code: a CPU
                                    ; (and Unicorn) must re-check translated code on every store
                                    ; to a page that holds it
idt                 resq 256
loader_magic        resd 1
ticks               resd 1
ticks_inside_cli    resd 1
ticks_held_back     resd 1
checks_passed       resd 1
table_register      resb 6
shared_counter      resd 1
wakeups             resd 1
serial_present      resb 1
                    alignb 4
cr0_value           resd 1
console_used        resd 1
console_buffer      resb CONSOLE_BUFFER
start_info_ptr      resd 1
disk_port           resd 1
composite           resb PRIME_LIMIT
                    alignb 16
stack_bottom        resb 8192
stack_top:
%include "user_tasks_bss.inc"
                    alignb 4096     ; pages a PV kernel grants to dom0
blk_ring            resb 4096
disk_buffer         resb 4096
bss_end:
