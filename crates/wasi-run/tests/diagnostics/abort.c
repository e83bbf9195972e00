/* Calls abort() three named frames deep. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) int level3(int x) {
    if (x > 0) {
        abort();
    }
    return x;
}

__attribute__((noinline)) int level2(int x) { return level3(x + 1) + 1; }

__attribute__((noinline)) int level1(int x) { return level2(x + 1) + 1; }

int main(int argc, char **argv) {
    (void)argv;
    printf("%d\n", level1(argc));
    return 0;
}
