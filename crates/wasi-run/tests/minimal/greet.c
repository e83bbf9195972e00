/* A guest of the minimal C host: its arguments, a line read from stdin,
 * a clock and an exit status. */
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
  char line[128] = "";
  if (!fgets(line, sizeof line, stdin)) line[0] = 0;
  line[strcspn(line, "\n")] = 0;
  printf("c: args");
  for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
  printf(", read \"%s\", time %d\n", line, time(NULL) > 0);
  return argc - 1;
}
