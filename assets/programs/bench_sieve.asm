; bench_sieve.asm -- benchmark workload: the sieve of Eratosthenes below LIMIT, run REPS times,
; then prints the number of primes found. Byte stores and loads in tight loops.
; SCALE (nasm -DSCALE=n) sets REPS; the benchmark's --quick build uses SCALE=1 with a small LIMIT.
        bits    32
%ifndef SCALE
%define SCALE 4
%endif
%ifdef QUICK
LIMIT   equ     2000
%else
LIMIT   equ     200000
%endif
        section .text
        global  _start
_start:
        mov     ebp, SCALE
.rep:   mov     edi, flags              ; mark every number as a candidate
        mov     ecx, LIMIT
        mov     al, 1
        rep     stosb
        xor     esi, esi                ; primes found
        mov     ebx, 2
.outer: cmp     byte [flags + ebx], 0
        je      .next
        inc     esi
        mov     eax, ebx
        imul    eax, ebx                ; strike from p*p
        cmp     eax, LIMIT
        jae     .next
.strike: mov    byte [flags + eax], 0
        add     eax, ebx
        cmp     eax, LIMIT
        jb      .strike
.next:  inc     ebx
        cmp     ebx, LIMIT
        jb      .outer
        dec     ebp
        jnz     .rep

        mov     eax, esi
        jmp     exit_with_u32_line

%include "print.inc"

        section .bss
flags:  resb    LIMIT
