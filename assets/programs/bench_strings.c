/* bench_strings.c -- benchmark workload: a string-heavy glibc program (gcc -m32 -static).
 * Builds COUNT names with snprintf, sorts them with qsort + strcmp, searches them with
 * strstr, joins them with strcat into one buffer and measures it with strlen; prints a
 * summary. Most of its instructions run inside glibc's i386 string functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef COUNT
#define COUNT 3000
#endif

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    static char names[COUNT][32];
    static char *order[COUNT];
    static char joined[COUNT * 32];
    unsigned seed = 2026;
    for (int i = 0; i < COUNT; ++i) {
        seed = seed * 1103515245u + 12345u;
        snprintf(names[i], sizeof names[i], "item-%05u-%c%c", (seed >> 8) % 100000u, 'a' + (int)(seed % 26), 'a' + i % 26);
        order[i] = names[i];
    }
    qsort(order, COUNT, sizeof order[0], compare);
    size_t hits = 0;
    char *end = joined;
    *end = '\0';
    for (int i = 0; i < COUNT; ++i) {
        if (strstr(order[i], "-1")) ++hits;
        strcat(end, order[i]);
        end += strlen(end);
    }
    printf("first %s last %s hits %zu length %zu\n", order[0], order[COUNT - 1], hits, strlen(joined));
    return 0;
}
