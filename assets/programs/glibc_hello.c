/* glibc_hello.c -- a C program linked statically against i386 glibc (gcc -m32 -static).
 * Before main() runs, glibc's start-up reads the auxiliary vector (AT_PHDR, AT_RANDOM ...),
 * grows the heap with brk, sets up thread-local storage with set_thread_area and %gs, and
 * probes newer system calls that an emulator may answer with ENOSYS. It is the smallest
 * "real" program every engine must be able to start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    char *heap = malloc(64); /* from brk */
    strcpy(heap, "heap");
    unsigned sum = 0;
    for (unsigned i = 1; i <= 100; ++i) sum += i;
    printf("hello from glibc: argc=%d, %s, sum=%u\n", argc, heap, sum);
    free(heap);
    return argc == 1 && argv[0] != NULL ? 0 : 1;
}
