; bench_sort.asm -- benchmark workload: insertion sort of COUNT pseudo-random dwords (a linear
; congruential generator, Numerical Recipes' constants), then prints a checksum of the sorted
; array (sum of element * index) so a wrong order changes the output.
        bits    32
%ifdef QUICK
COUNT   equ     64
%else
COUNT   equ     1500
%endif
        section .text
        global  _start
_start:
        mov     eax, 12345              ; seed
        xor     ecx, ecx
.gen:   imul    eax, eax, 1664525
        add     eax, 1013904223
        mov     [array + ecx*4], eax
        inc     ecx
        cmp     ecx, COUNT
        jb      .gen

        mov     ecx, 1                  ; for i in 1..COUNT-1: insert array[i]
.outer: mov     eax, [array + ecx*4]
        mov     edx, ecx
.inner: test    edx, edx
        jz      .place
        mov     ebx, [array + edx*4 - 4]
        cmp     ebx, eax
        jbe     .place
        mov     [array + edx*4], ebx
        dec     edx
        jmp     .inner
.place: mov     [array + edx*4], eax
        inc     ecx
        cmp     ecx, COUNT
        jb      .outer

        xor     eax, eax                ; checksum = sum(array[i] * (i + 1)) mod 2^32
        xor     ecx, ecx
.sum:   mov     edx, [array + ecx*4]
        lea     ebx, [ecx + 1]
        imul    edx, ebx
        add     eax, edx
        inc     ecx
        cmp     ecx, COUNT
        jb      .sum
        jmp     exit_with_u32_line

%include "print.inc"

        section .bss
array:  resd    COUNT
