/* An example C host of wasi-run, and the test the C API's tests run:
 *
 *   host GUEST.wasm ADD.wat DATA_DIR [CYCLES]
 *
 * runs the guest with arguments, an environment variable, a read-only
 * preopen, captured stdout and a stderr callback; then with the directory
 * as an overlay mount (written in memory, the host unchanged) and with bad
 * mounts; then a trap, a fuel
 * limit, a reactor's exports (one-shot and on one instance) and a bad
 * module. With CYCLES, repeats all
 * of it that many times (creating and freeing everything each time), for
 * the leak checkers, and prints only the summary. Exits 0 when every check
 * passed. */
#include "wasi_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
static int quiet = 0;

#define CHECK(cond, ...)                                  \
  do {                                                    \
    if (!(cond)) {                                        \
      failures++;                                         \
      fprintf(stderr, "FAILED %s: ", #cond);              \
      fprintf(stderr, __VA_ARGS__);                       \
      fprintf(stderr, "\n");                              \
    }                                                     \
  } while (0)

/* Collects stderr writes through the callback. */
struct sink {
  char data[256];
  size_t len;
};

static void collect(void *userdata, const uint8_t *data, size_t len) {
  struct sink *s = userdata;
  size_t room = sizeof s->data - 1 - s->len;
  size_t n = len < room ? len : room;
  memcpy(s->data + s->len, data, n);
  s->len += n;
  s->data[s->len] = 0;
}

static void round_trip(const char *guest_path, const char *add_path, const char *data_dir) {
  wasirun_error *err = NULL;
  wasirun_module *guest = wasirun_module_from_file(guest_path, &err);
  CHECK(guest != NULL, "%s", err ? wasirun_error_message(err) : "?");
  wasirun_error_delete(err);
  if (!guest) return;

  /* 1. Arguments, environment, a read-only preopen, captured output. */
  wasirun_config *config = wasirun_config_new();
  wasirun_config_arg(config, "guest");
  wasirun_config_arg(config, "hello");
  wasirun_config_arg(config, "two words");
  wasirun_config_env(config, "GREETING", "hi from C");
  err = NULL;
  CHECK(wasirun_config_preopen_dir(config, data_dir, "/data", true, &err), "%s",
        err ? wasirun_error_message(err) : "?");
  wasirun_error_delete(err);
  wasirun_config_capture(config, 1, 4096);
  struct sink sink = {{0}, 0};
  wasirun_config_output_callback(config, 2, collect, &sink);

  wasirun_result *r = wasirun_run(guest, config);
  CHECK(wasirun_result_outcome(r) == WASIRUN_EXITED, "outcome %d: %s", wasirun_result_outcome(r),
        wasirun_result_message(r));
  CHECK(wasirun_result_exit_code(r) == 7, "exit code %d", wasirun_result_exit_code(r));
  size_t len = 0;
  const uint8_t *out = wasirun_result_output(r, 1, &len);
  char text[1024] = {0};
  if (out) memcpy(text, out, len < sizeof text - 1 ? len : sizeof text - 1);
  CHECK(strstr(text, "args: [guest] [hello] [two words]\n") != NULL, "stdout: %s", text);
  CHECK(strstr(text, "GREETING=hi from C\n") != NULL, "stdout: %s", text);
  CHECK(strstr(text, "in.txt: shared with the guest\n") != NULL, "stdout: %s", text);
  CHECK(strstr(text, "write to /data: refused\n") != NULL, "stdout: %s", text);
  CHECK(strcmp(sink.data, "to stderr\n") == 0, "stderr callback got: %s", sink.data);
  if (!quiet) printf("guest stdout:\n%s", text);
  wasirun_result_delete(r);
  wasirun_config_delete(config);

  /* 1b. The same directory as an overlay: the guest may write to it, the
   * host directory never changes, and each run starts afresh. */
  for (int run = 0; run < 2; run++) {
    config = wasirun_config_new();
    wasirun_config_arg(config, "guest");
    err = NULL;
    CHECK(wasirun_config_mount(config, WASIRUN_MOUNT_OVERLAY, data_dir, "/data", false, 1 << 20, &err), "%s",
          err ? wasirun_error_message(err) : "?");
    wasirun_error_delete(err);
    wasirun_config_capture(config, 1, 4096);
    r = wasirun_run(guest, config);
    out = wasirun_result_output(r, 1, &len);
    memset(text, 0, sizeof text);
    if (out) memcpy(text, out, len < sizeof text - 1 ? len : sizeof text - 1);
    CHECK(strstr(text, "in.txt: shared with the guest\n") != NULL, "overlay stdout: %s", text);
    CHECK(strstr(text, "write to /data: allowed\n") != NULL, "overlay stdout: %s", text);
    wasirun_result_delete(r);
    wasirun_config_delete(config);
  }
  char written[4096];
  snprintf(written, sizeof written, "%s/new.txt", data_dir);
  FILE *leaked = fopen(written, "r");
  CHECK(leaked == NULL, "the overlay wrote %s on the host", written);
  if (leaked) fclose(leaked);
  /* A bad mount is an error, not a crash. */
  config = wasirun_config_new();
  err = NULL;
  CHECK(!wasirun_config_mount(config, 99, NULL, "/x", false, 0, &err), "kind 99 accepted");
  CHECK(err != NULL && strstr(wasirun_error_message(err), "unknown mount kind") != NULL, "no error for kind 99");
  wasirun_error_delete(err);
  err = NULL;
  CHECK(!wasirun_config_mount(config, WASIRUN_MOUNT_TAR, "/nonexistent.tar", "/x", false, 0, &err), "missing tar");
  CHECK(err != NULL && strstr(wasirun_error_message(err), "nonexistent.tar") != NULL, "no error for a missing tar");
  wasirun_error_delete(err);
  wasirun_config_delete(config);
  if (!quiet) printf("overlay: written in memory, host unchanged\n");

  /* 2. A trap. */
  config = wasirun_config_new();
  wasirun_config_arg(config, "guest");
  wasirun_config_arg(config, "trap");
  r = wasirun_run(guest, config);
  CHECK(wasirun_result_outcome(r) == WASIRUN_TRAPPED, "outcome %d", wasirun_result_outcome(r));
  CHECK(strlen(wasirun_result_message(r)) > 0, "no trap message");
  if (!quiet) printf("trap: %s\n", wasirun_result_message(r));
  /* Its backtrace, innermost first: trap_level3, trap_level2, trap_level1. */
  size_t frames = wasirun_result_frame_count(r);
  CHECK(frames >= 4, "%zu frames", frames);
  for (size_t i = 0; i < frames; i++) {
    wasirun_frame f;
    CHECK(wasirun_result_frame(r, i, &f), "frame %zu", i);
    if (i < 3) {
      static const char *want[] = {"trap_level3", "trap_level2", "trap_level1"};
      CHECK(f.name != NULL && strcmp(f.name, want[i]) == 0, "frame %zu is %s", i, f.name ? f.name : "(unnamed)");
    }
    if (!quiet) printf("frame %zu: %u %s %s\n", i, f.func_index, f.module, f.name ? f.name : "-");
  }
  wasirun_frame past;
  CHECK(!wasirun_result_frame(r, frames, &past), "a frame past the last");
  CHECK(strstr(wasirun_result_backtrace(r), "wasm backtrace:") != NULL, "no backtrace text");
  wasirun_result_delete(r);
  wasirun_config_delete(config);

  /* 3. A fuel limit stops an endless loop. */
  config = wasirun_config_new();
  wasirun_config_arg(config, "guest");
  wasirun_config_arg(config, "spin");
  wasirun_config_fuel(config, 200000);
  r = wasirun_run(guest, config);
  CHECK(wasirun_result_outcome(r) == WASIRUN_OUT_OF_FUEL, "outcome %d", wasirun_result_outcome(r));
  if (!quiet) printf("spin: %s\n", wasirun_result_message(r));
  wasirun_result_delete(r);
  wasirun_config_delete(config);
  wasirun_module_delete(guest);

  /* 4. A reactor's exports, with i32, i64 and f64 values. */
  err = NULL;
  wasirun_module *add = wasirun_module_from_file(add_path, &err);
  CHECK(add != NULL, "%s", err ? wasirun_error_message(err) : "?");
  wasirun_error_delete(err);
  if (add) {
    config = wasirun_config_new();
    wasirun_val args[2];
    args[0].kind = WASIRUN_I32;
    args[0].of.i32 = 2;
    args[1].kind = WASIRUN_I64;
    args[1].of.i64 = 40;
    r = wasirun_call(add, config, "add", args, 2);
    wasirun_val result[1];
    size_t n = wasirun_result_values(r, result, 1);
    CHECK(n == 1 && result[0].kind == WASIRUN_I64 && result[0].of.i64 == 42, "add returned %zu values", n);
    if (!quiet && n == 1) printf("add(2, 40) = %lld\n", (long long)result[0].of.i64);
    wasirun_result_delete(r);
    wasirun_val half = {WASIRUN_F64, {.f64 = 5.0}};
    r = wasirun_call(add, config, "half", &half, 1);
    n = wasirun_result_values(r, result, 1);
    CHECK(n == 1 && result[0].of.f64 == 2.5, "half returned %zu values", n);
    wasirun_result_delete(r);
    /* One instance across calls keeps its state. */
    err = NULL;
    wasirun_instance *inst = wasirun_instance_new(add, config, &err);
    CHECK(inst != NULL, "%s", err ? wasirun_error_message(err) : "?");
    wasirun_error_delete(err);
    int32_t last = 0;
    for (int i = 0; inst && i < 3; i++) {
      r = wasirun_instance_call(inst, "bump", NULL, 0);
      n = wasirun_result_values(r, result, 1);
      CHECK(n == 1 && result[0].kind == WASIRUN_I32, "bump returned %zu values", n);
      if (n == 1) last = result[0].of.i32;
      wasirun_result_delete(r);
    }
    CHECK(last == 3, "bump counted to %d", last);
    if (!quiet) printf("bump x3 on one instance = %d\n", last);
    r = wasirun_instance_finish(inst);
    CHECK(wasirun_result_outcome(r) == WASIRUN_EXITED, "instance outcome %d", wasirun_result_outcome(r));
    wasirun_result_delete(r);
    r = wasirun_call(add, config, "missing", NULL, 0);
    CHECK(wasirun_result_outcome(r) == WASIRUN_FAILED, "calling a missing export: %d", wasirun_result_outcome(r));
    wasirun_result_delete(r);
    wasirun_config_delete(config);
    wasirun_module_delete(add);
  }

  /* 5. Bytes that are not a module. */
  err = NULL;
  const uint8_t junk[] = {0, 'a', 's', 'm', 9, 9};
  CHECK(wasirun_module_new(junk, sizeof junk, &err) == NULL, "junk loaded");
  CHECK(err != NULL && strlen(wasirun_error_message(err)) > 0, "no error message");
  if (!quiet && err) printf("junk: %s\n", wasirun_error_message(err));
  wasirun_error_delete(err);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s GUEST.wasm ADD.wat DATA_DIR [CYCLES]\n", argv[0]);
    return 2;
  }
  int cycles = argc > 4 ? atoi(argv[4]) : 1;
  quiet = argc > 4;
  printf("wasi-run %s\n", wasirun_version());
  for (int i = 0; i < cycles && failures == 0; i++) round_trip(argv[1], argv[2], argv[3]);
  printf("%d cycle(s), %d failure(s)\n", cycles, failures);
  return failures == 0 ? 0 : 1;
}
