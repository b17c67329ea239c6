; bench_fib.asm -- benchmark workload: recursive Fibonacci (call/ret, push/pop, the return
; address predictor's worst friend) of N, printed in decimal.
        bits    32
%ifdef QUICK
N       equ     12
%else
N       equ     27
%endif
        section .text
        global  _start
_start:
        mov     eax, N
        call    fib
        jmp     exit_with_u32_line

; fib(eax) -> eax, the naive recursion. Clobbers edx.
fib:    cmp     eax, 2
        jb      .done
        push    ebx
        push    eax
        dec     eax
        call    fib
        mov     ebx, eax
        pop     eax
        sub     eax, 2
        call    fib
        add     eax, ebx
        pop     ebx
.done:  ret

%include "print.inc"
