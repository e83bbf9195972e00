/* A guest that computes and sleeps, for the game-loop host
 * (embed_host.c): ten rounds of a checksum over 1.5 million steps (some ten
 * milliseconds of interpretation), each printed, then nanosleep(50 ms). */
#include <stdio.h>
#include <time.h>

/* xorshift32, which no compiler folds into fewer steps. */
static unsigned compute(unsigned n) {
  unsigned x = n;
  while (n--) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
  }
  return x;
}

int main(void) {
  for (int round = 0; round < 10; round++) {
    printf("round %d: %08x\n", round, compute(1500000u + (unsigned)round));
    fflush(stdout);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return 0;
}
