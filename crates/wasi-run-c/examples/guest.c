/* The guest the example hosts run (wasi-libc):
 *   guest hello ...  prints its arguments, $GREETING and /data/in.txt,
 *                    tries to write /data/new.txt, says so on stderr,
 *                    and exits with status 7;
 *   guest trap       traps three named frames deep (trap_level3 called by
 *                    trap_level2 called by trap_level1);
 *   guest spin       loops until stopped. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) static int trap_level3(int x) {
  if (x > 0) __builtin_trap();
  return x;
}
__attribute__((noinline)) static int trap_level2(int x) { return trap_level3(x + 1) + 1; }
__attribute__((noinline)) static int trap_level1(int x) { return trap_level2(x + 1) + 1; }

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "trap") == 0) {
    return trap_level1(argc);
  }
  if (argc > 1 && strcmp(argv[1], "spin") == 0) {
    volatile unsigned long n = 0;
    for (;;) n++;
  }
  printf("args:");
  for (int i = 0; i < argc; i++) printf(" [%s]", argv[i]);
  printf("\n");
  const char *g = getenv("GREETING");
  printf("GREETING=%s\n", g ? g : "(unset)");
  char buf[64] = {0};
  FILE *in = fopen("/data/in.txt", "r");
  if (!in) {
    printf("cannot read /data/in.txt: %s\n", strerror(errno));
    return 1;
  }
  size_t n = fread(buf, 1, sizeof buf - 1, in);
  fclose(in);
  buf[n] = 0;
  printf("in.txt: %s", buf);
  FILE *out = fopen("/data/new.txt", "w");
  printf("write to /data: %s\n", out ? "allowed" : "refused");
  if (out) fclose(out);
  fprintf(stderr, "to stderr\n");
  return 7;
}
