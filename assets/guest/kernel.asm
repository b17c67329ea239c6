; VirtLab guest kernel: a tiny 32-bit kernel written as for bare hardware.
;
; It expects what a Multiboot loader gives a kernel: ring 0, 32-bit protected mode, flat
; segments, interrupts off, EAX = 0x2BADB002. Under `virtlab vm run --mode trap` it actually
; runs at ring 1, so every privileged instruction below (cli, sti, hlt, mov from cr0, in, out)
; traps to the monitor, which emulates it and resumes the kernel. The kernel cannot tell --
; except where x86 gives the game away (the low bits of CS, which it prints: see Robin and
; Irvine's sensitive-but-unprivileged instructions).
;
; What a run does, and so what the monitor counts (tests/trapsim derive the expected counts
; from the constants here):
;   serial_init       8 outs (IER, LCR, DLL, DLM, LCR, FCR, MCR, SCR) and 1 in (SCR read back)
;   every character   1 in (LSR: is the transmitter empty?) and 1 out (THR)
;   boot              1 cli, 1 mov from cr0
;   critical sections CRITICAL_SECTIONS x (cli; sti)
;   idle loop         IDLE_HALTS x (sti; hlt)
;   power off         1 out to port 0xF4
; Build: nasm -f bin kernel.asm -o kernel.bin (the build does this into build/assets/guest/).

BITS 32

LOAD_ADDR          equ 0x00100000   ; Multiboot kernels load at 1 MiB
CRITICAL_SECTIONS  equ 2000         ; cli/sti pairs around a shared counter
IDLE_HALTS         equ 16           ; hlt instructions in the idle loop
PRIME_LIMIT        equ 10000        ; sieve of Eratosthenes below this
FIB_N              equ 40           ; fibonacci(40) still fits in 32 bits

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

POWER_OFF_PORT     equ 0xF4         ; isa-debug-exit-like: the byte written is the exit code
MULTIBOOT_MAGIC    equ 0x1BADB002
MULTIBOOT_FLAGS    equ 0x00010000   ; bit 16: the load addresses below are valid
LOADER_MAGIC       equ 0x2BADB002

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
    cli                             ; nothing may interrupt us before we are set up
    mov esp, stack_top
    mov [loader_magic], eax

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
    mov eax, cr0
    mov ebx, eax
    call print_hex
    mov esi, msg_cr0_pe
    test ebx, 1
    jnz .protected
    mov esi, msg_cr0_real
.protected:
    call puts

    mov esi, msg_cs                 ; where we really run: the RPL of CS
    call puts
    mov eax, cs
    and eax, 3
    call print_dec
    call newline

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

    ; Critical sections, as a kernel protects data shared with interrupt handlers.
    mov ecx, CRITICAL_SECTIONS
.critical:
    cli
    inc dword [shared_counter]
    sti
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

    ; The idle loop: enable interrupts and halt until one arrives, a bounded number of times.
    mov ecx, IDLE_HALTS
.idle:
    sti
    hlt
    inc dword [wakeups]
    dec ecx
    jnz .idle
    mov esi, msg_idle1
    call puts
    mov eax, [wakeups]
    call print_dec
    mov esi, msg_idle2
    call puts

    mov esi, msg_off
    call puts
    mov dx, POWER_OFF_PORT
    mov al, 0                       ; exit code 0: all is well
    out dx, al
.dead:                              ; only reached if the power-off device is missing
    jmp .dead

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

; ---- data ----------------------------------------------------------------------------------
hex_digits          db "0123456789abcdef"
msg_banner          db "VirtLab guest kernel 1.0: a 32-bit kernel that believes it owns the machine", 10, 0
msg_loader          db "booted by a Multiboot loader? eax was ", 0
msg_loader_ok       db " (yes)", 10, 0
msg_loader_unknown  db " (no: unknown loader)", 10, 0
msg_cr0             db "cr0 = ", 0
msg_cr0_pe          db ": protected mode, paging off", 10, 0
msg_cr0_real        db ": real mode?!", 10, 0
msg_cs              db "privilege level in cs (the kernel expects 0): ", 0
msg_sieve1          db "sieve of Eratosthenes below ", 0
msg_sieve2          db ": ", 0
msg_sieve3          db " primes, sum ", 0
msg_fib             db "fibonacci(40) = ", 0
msg_critical1       db "critical sections: ", 0
msg_critical2       db " cli/sti pairs, shared counter = ", 0
msg_idle1           db "idle loop: woke up ", 0
msg_idle2           db " times from hlt", 10, 0
msg_off             db "powering off through port 0xf4 with exit code 0", 10, 0

image_end:

; ---- bss: zero-filled by the loader, not stored in the image --------------------------------
ABSOLUTE image_end
                    alignb 4096     ; writable data on its own pages, away from the code: a CPU
                                    ; (and Unicorn) must re-check translated code on every store
                                    ; to a page that holds it
loader_magic        resd 1
shared_counter      resd 1
wakeups             resd 1
serial_present      resb 1
composite           resb PRIME_LIMIT
                    alignb 16
stack_bottom        resb 8192
stack_top:
bss_end:
