/* wasi-libc stdio and fopen: write a file in a preopen, read it back,
   format numbers, and report errno for a missing file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: stdio DIR\n");
        return 2;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/c-out.txt", argv[1]);
    FILE *f = fopen(path, "w");
    if (!f) { perror("fopen w"); return 1; }
    for (int i = 1; i <= 3; i++) fprintf(f, "line %d: %.2f\n", i, i * 1.5);
    fclose(f);

    f = fopen(path, "r");
    if (!f) { perror("fopen r"); return 1; }
    char line[64];
    while (fgets(line, sizeof line, f)) fputs(line, stdout);
    fclose(f);

    snprintf(path, sizeof path, "%s/missing.txt", argv[1]);
    f = fopen(path, "r");
    printf("missing: %s (%s)\n", f ? "opened" : "NULL", strerror(errno));
    printf("argv[0] ends with stdio.wasm: %s\n", strstr(argv[0], "stdio.wasm") ? "yes" : "no");
    return 0;
}
