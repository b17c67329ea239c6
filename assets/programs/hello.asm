; hello.asm -- the smallest Linux i386 program: write(1, msg, len); exit(0).
; Builds both as a flat binary (nasm -f bin) and as a static ELF (nasm -f elf32 + ld).
; Linux i386 system calls: number in eax, arguments in ebx, ecx, edx; `int 0x80`.
        bits    32
%ifidn __OUTPUT_FORMAT__, bin
        org     0x00400000              ; VirtLab loads flat binaries here (kFlatLoadAddress)
%endif

        section .text
        global  _start
_start:
        mov     eax, 4                  ; write(
        mov     ebx, 1                  ;   fd 1 (stdout),
        mov     ecx, msg                ;   buffer,
        mov     edx, msg_len            ;   length)
        int     0x80

        mov     eax, 1                  ; exit(
        xor     ebx, ebx                ;   status 0)
        int     0x80

        section .data
msg:    db      "Hello from x86", 10
msg_len equ     $ - msg
