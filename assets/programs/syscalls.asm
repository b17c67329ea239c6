; syscalls.asm -- asks the "kernel" (VirtLab's Linux i386 syscall layer) for its services:
; getpid, brk to grow the heap, write from the new heap memory, and exit with status 3.
        bits    32
%ifidn __OUTPUT_FORMAT__, bin
        org     0x00400000              ; VirtLab loads flat binaries here
%endif
        section .text
        global  _start
_start:
        mov     ecx, pid_msg
        mov     edx, pid_len
        call    print_str
        mov     eax, 20                 ; getpid()
        int     0x80
        call    print_u32

        mov     eax, 45                 ; brk(0) returns the current end of the heap
        xor     ebx, ebx
        int     0x80
        mov     esi, eax                ; esi = old break = start of our new memory
        lea     ebx, [eax + 8192]
        mov     eax, 45                 ; brk(old + 8192): ask for two more pages
        int     0x80
        cmp     eax, ebx
        jne     failed                  ; the kernel refused

        mov     edi, esi                ; copy the message into the fresh heap memory ...
        mov     esi, heap_msg
        mov     ecx, heap_len
        rep     movsb
        sub     edi, heap_len
        mov     ecx, edi                ; ... and print it from there
        mov     edx, heap_len
        call    print_str

        mov     eax, 1                  ; exit(3): a non-zero status on purpose
        mov     ebx, 3
        int     0x80

failed: mov     eax, 1                  ; exit(1)
        mov     ebx, 1
        int     0x80

%include "print.inc"

        section .data
pid_msg:  db    "pid "
pid_len   equ   $ - pid_msg
heap_msg: db    10, "brk grew the heap by 8192 bytes", 10
heap_len  equ   $ - heap_msg
