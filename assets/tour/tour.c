/*
 * The tour's workload: one small program that prints, computes and makes system calls, so
 * every world runs the same thing and only what lies beneath differs (DESIGN.md, "One
 * program, five worlds"). Built twice from this source: a static i386 ELF (system calls by
 * `int 0x80`, run by the emulator and inside the guest kernel) and a static x86-64 ELF
 * (system calls by `syscall`, run in a real container on the host kernel).
 *
 * Freestanding on purpose: no libc, only general-purpose registers, so the i386 build uses
 * nothing but the integer instructions and the handful of Linux system calls every world serves.
 */

#if defined(__i386__)
enum { SYS_exit = 1, SYS_write = 4, SYS_getpid = 20, SYS_brk = 45 };
static long sys3(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
    return r;
}
#elif defined(__x86_64__)
enum { SYS_write = 1, SYS_brk = 12, SYS_getpid = 39, SYS_exit = 60 };
static long sys3(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}
#else
#error "the tour program is built for i386 and x86-64 only"
#endif

static unsigned long length(const char* s) {
    unsigned long n = 0;
    while (s[n]) ++n;
    return n;
}

static void print(const char* s) { sys3(SYS_write, 1, (long)s, (long)length(s)); }

static void printNumber(const char* label, unsigned long value) {
    char digits[24];
    int i = (int)sizeof digits;
    digits[--i] = '\0';
    digits[--i] = '\n';
    do {
        digits[--i] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    print(label);
    print(&digits[i]);
}

enum { SIEVE_LIMIT = 20000 };
static unsigned char composite[SIEVE_LIMIT];

static unsigned long countPrimes(void) {
    unsigned long count = 0;
    for (unsigned long i = 2; i < SIEVE_LIMIT; ++i) {
        if (composite[i]) continue;
        ++count;
        for (unsigned long j = i * i; j < SIEVE_LIMIT; j += i) composite[j] = 1;
    }
    return count;
}

static unsigned long fibonacci(unsigned n) { return n < 2 ? n : fibonacci(n - 1) + fibonacci(n - 2); }

/* Grows the heap by brk(2), fills it and sums it: memory the kernel (or the VMM) hands out. */
static unsigned long heapChecksum(void) {
    const unsigned long size = 64 * 1024;
    char* start = (char*)sys3(SYS_brk, 0, 0, 0);
    char* end = (char*)sys3(SYS_brk, (long)(start + size), 0, 0);
    if (end < start + size) return 0;
    unsigned long sum = 0;
    for (unsigned long i = 0; i < size; ++i) start[i] = (char)(i * 7);
    for (unsigned long i = 0; i < size; ++i) sum = sum * 31 + (unsigned char)start[i];
    return sum & 0xffffffffUL;
}

__attribute__((noreturn, used)) void tourMain(void) {
    print("VirtLab tour: one program, every world\n");
    printNumber("primes below 20000: ", countPrimes());
    printNumber("fib(20): ", fibonacci(20));
    printNumber("heap checksum: ", heapChecksum());
    /* The pid differs by world (1 in a container); print only that there is one. */
    print(sys3(SYS_getpid, 0, 0, 0) > 0 ? "getpid: ok\n" : "getpid: failed\n");
    print("done\n");
    sys3(SYS_exit, 0, 0, 0);
    __builtin_unreachable();
}

/* The kernel enters at _start with the stack pointer at argc; align it for the C code. */
__asm__(".globl _start\n"
        "_start:\n"
#if defined(__i386__)
        "  andl $-16, %esp\n"
#else
        "  andq $-16, %rsp\n"
#endif
        "  call tourMain\n");
