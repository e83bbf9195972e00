/* The smallest useful C host: runs a module's _start with the host's
 * stdio and arguments, and exits with its status (1 when it cannot run,
 * 134 when it traps). docs/footprint.md measures it linked against the C
 * API built with --no-default-features:
 *
 *   cargo build --release -p wasi-run-c --no-default-features
 *   cc -O2 -Icrates/wasi-run-c/include crates/wasi-run-c/examples/minimal.c \
 *      target/release/libwasi_run.a -Wl,--gc-sections -lpthread -ldl -lm -o minimal
 */
#include "wasi_run.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODULE.wasm [ARGS...]\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *bytes = malloc(len > 0 ? (size_t)len : 1);
  if (!bytes || fread(bytes, 1, (size_t)len, f) != (size_t)len) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  fclose(f);
  wasirun_error *err = NULL;
  wasirun_module *module = wasirun_module_new(bytes, (size_t)len, &err);
  free(bytes);
  if (!module) {
    fprintf(stderr, "%s\n", wasirun_error_message(err));
    wasirun_error_delete(err);
    return 1;
  }
  wasirun_config *config = wasirun_config_new();
  for (int i = 1; i < argc; i++) wasirun_config_arg(config, argv[i]);
  wasirun_config_inherit_stdio(config);
  wasirun_result *r = wasirun_run(module, config);
  int status;
  switch (wasirun_result_outcome(r)) {
  case WASIRUN_EXITED:
    status = wasirun_result_exit_code(r);
    break;
  case WASIRUN_FAILED:
    fprintf(stderr, "%s\n", wasirun_result_message(r));
    status = 1;
    break;
  default:
    fprintf(stderr, "trap: %s\n", wasirun_result_message(r));
    status = 134;
  }
  wasirun_result_delete(r);
  wasirun_config_delete(config);
  wasirun_module_delete(module);
  return status;
}
