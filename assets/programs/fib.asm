; fib.asm -- computes Fibonacci numbers in a loop and prints fib(40) in decimal.
; A small compute workload: a few hundred instructions of arithmetic, one write, one exit.
        bits    32
%ifidn __OUTPUT_FORMAT__, bin
        org     0x00400000              ; VirtLab loads flat binaries here
%endif
        section .text
        global  _start
_start:
        xor     eax, eax                ; fib(0)
        mov     edx, 1                  ; fib(1)
        mov     ecx, 40                 ; steps to fib(40) = 102334155
.next:  lea     ebx, [eax + edx]        ; (a, b) = (b, a + b)
        mov     eax, edx
        mov     edx, ebx
        loop    .next

        push    eax
        mov     ecx, label
        mov     edx, label_len
        call    print_str
        pop     eax
        call    print_u32
        mov     ecx, newline
        mov     edx, 1
        call    print_str

        mov     eax, 1                  ; exit(0)
        xor     ebx, ebx
        int     0x80

%include "print.inc"

        section .data
label:    db    "fib(40) = "
label_len equ   $ - label
newline:  db    10
