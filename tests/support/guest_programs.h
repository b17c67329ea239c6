// Small NASM guest programs that tests in more than one directory run.
#pragma once

namespace vl::test {

// 0x00400000 mov ecx, 10 ; 0x00400005 l: add eax, ecx ; dec ecx ; jnz l ; then exit(eax = 55):
// the block at 0x00400000 runs once (it includes the first pass of the loop body), the loop
// block at 0x00400005 nine times, the exit block once.
inline constexpr char kCountedLoop[] =
    "        mov ecx, 10\n"
    "l:      add eax, ecx\n"
    "        dec ecx\n"
    "        jnz l\n"
    "        mov ebx, eax\n"
    "        mov eax, 1\n"
    "        int 0x80\n";

}  // namespace vl::test
