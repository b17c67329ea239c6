; bench_memcpy.asm -- benchmark workload: the loops behind memcpy and strlen, written out
; (no rep prefix): a dword copy loop over SIZE bytes and a byte-wise strlen over the copy,
; REPS times. Prints the sum of the lengths found.
        bits    32
%ifdef QUICK
SIZE    equ     4096
REPS    equ     2
%else
SIZE    equ     65536
REPS    equ     20
%endif
        section .text
        global  _start
_start:
        mov     edi, src                ; src = 1, 2, ... 255, 1, 2 ... (no zero byte), NUL-terminated
        xor     ecx, ecx
.fill:  mov     eax, ecx
        xor     edx, edx
        mov     ebx, 255
        div     ebx
        inc     edx
        mov     [edi + ecx], dl
        inc     ecx
        cmp     ecx, SIZE - 4
        jb      .fill
        mov     dword [edi + SIZE - 4], 0

        xor     ebp, ebp                ; total length
        mov     ebx, REPS
.rep:   mov     esi, src                ; memcpy(dst, src, SIZE), a dword at a time
        mov     edi, dst
        mov     ecx, SIZE / 4
.copy:  mov     eax, [esi]
        mov     [edi], eax
        add     esi, 4
        add     edi, 4
        dec     ecx
        jnz     .copy
        mov     esi, dst                ; strlen(dst)
.len:   movzx   eax, byte [esi]
        inc     esi
        test    eax, eax
        jnz     .len
        sub     esi, dst + 1
        add     ebp, esi
        dec     ebx
        jnz     .rep

        mov     eax, ebp
        jmp     exit_with_u32_line

%include "print.inc"

        section .bss
src:    resb    SIZE
dst:    resb    SIZE
