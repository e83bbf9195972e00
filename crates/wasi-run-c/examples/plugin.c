/* A plugin guest (a reactor: build with -mexec-model=reactor) for the
 * embedding host (embed_host.c): it logs and adds through functions the
 * host defines, sums a buffer the host hands in through its allocator,
 * and asks the host to end it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

__attribute__((import_module("env"), import_name("log"))) void host_log(const char *text, size_t len);
__attribute__((import_module("env"), import_name("add"))) int32_t host_add(int32_t a, int32_t b);
__attribute__((import_module("env"), import_name("fail"))) void host_fail(int32_t how);

/* The guest's allocator, for the host to hand buffers in. */
__attribute__((export_name("alloc"))) void *plugin_alloc(size_t n) { return malloc(n); }
__attribute__((export_name("release"))) void plugin_release(void *p) { free(p); }

/* Each byte times its index mod 7, plus one: the host computes it too. */
__attribute__((export_name("checksum"))) uint32_t checksum(const uint8_t *p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += p[i] * (uint32_t)(i % 7 + 1);
  return sum;
}

__attribute__((export_name("talk"))) int32_t talk(void) {
  const char *hello = "hello from a C guest";
  host_log(hello, strlen(hello));
  host_log("second line", 11);
  return host_add(2, 40);
}

__attribute__((export_name("fail"))) void fail(int32_t how) { host_fail(how); }
