; bench_crc32.asm -- benchmark workload: CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320,
; the one zlib and Ethernet use) of SIZE bytes, bit by bit, REPS times; prints the last CRC.
; Shifts, conditional moves and xor in a loop with an unpredictable branch-free body.
        bits    32
%ifdef QUICK
SIZE    equ     256
REPS    equ     1
%else
SIZE    equ     16384
REPS    equ     8
%endif
        section .text
        global  _start
_start:
        xor     ecx, ecx                ; data[i] = i * 7 + 3
.fill:  lea     eax, [ecx*8]
        sub     eax, ecx
        add     eax, 3
        mov     [data + ecx], al
        inc     ecx
        cmp     ecx, SIZE
        jb      .fill

        mov     ebp, REPS
.rep:   mov     eax, 0xFFFFFFFF         ; crc = ~0
        xor     esi, esi
.byte:  movzx   edx, byte [data + esi]
        xor     eax, edx
        mov     ecx, 8
.bit:   mov     edx, eax
        shr     eax, 1
        and     edx, 1
        neg     edx                     ; all ones when the low bit was set
        and     edx, 0xEDB88320
        xor     eax, edx
        dec     ecx
        jnz     .bit
        inc     esi
        cmp     esi, SIZE
        jb      .byte
        not     eax
        dec     ebp
        jnz     .rep

        jmp     exit_with_u32_line

%include "print.inc"

        section .bss
data:   resb    SIZE
