/* An embedding host of wasi-run, and the test the C API's tests run, on
 * Linux and (with mingw, under Wine) Windows:
 *
 *   embed_host PLUGIN.wasm SLEEPER.wasm [CYCLES]
 *
 * 1. Host functions: defines env.log(ptr, len), env.add(i32, i32) -> i32
 *    and env.fail(i32) for the plugin guest, checks the logged strings read
 *    through the caller's memory view, hands a 1 MiB buffer in through the
 *    guest's allocator and reads its checksum back, and checks that a host
 *    function that traps or exits ends the guest with that outcome and
 *    that a mismatched signature fails instantiation with a one-line
 *    error. With CYCLES, all of it that many times (for the leak checkers).
 * 2. A game loop: the sleeper guest (computes, then nanosleep(50 ms), ten
 *    times) driven with a 3 ms time slice per 16 ms frame in non-blocking
 *    mode (at most MAX_FRAMES frames): no frame call returns much later than
 *    its budget (the distribution is printed), the sleeps never block a
 *    frame, and the output is the uninterrupted run's.
 * 3. The same guest started on this thread and resumed on another.
 * Exits 0 when every check passed. */
#include "wasi_run.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#include <windows.h>
static double now_ms(void) {
  LARGE_INTEGER f, c;
  QueryPerformanceFrequency(&f);
  QueryPerformanceCounter(&c);
  return (double)c.QuadPart * 1000.0 / (double)f.QuadPart;
}
static void sleep_ms(double ms) {
  if (ms > 0) Sleep((DWORD)(ms + 0.5));
}
#else
#include <time.h>
static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}
static void sleep_ms(double ms) {
  if (ms <= 0) return;
  struct timespec ts = {(time_t)(ms / 1000), (long)((ms - (double)(long)(ms / 1000) * 1000) * 1e6)};
  nanosleep(&ts, NULL);
}
#endif
#include <pthread.h>

static int failures = 0;
static int quiet = 0;

#define CHECK(cond, ...)                     \
  do {                                       \
    if (!(cond)) {                           \
      failures++;                            \
      fprintf(stderr, "FAILED %s: ", #cond); \
      fprintf(stderr, __VA_ARGS__);          \
      fprintf(stderr, "\n");                 \
    }                                        \
  } while (0)

static const char *message(wasirun_error *err) { return err ? wasirun_error_message(err) : "?"; }

/* ---- 1. Host functions ---------------------------------------------- */

struct log {
  char lines[4][64];
  int n;
};

/* env.log(ptr, len): reads the guest's string through the caller's view. */
static int host_log(void *userdata, wasirun_caller *caller, const wasirun_val *args, size_t nargs,
                    wasirun_val *results, size_t nresults) {
  (void)results;
  (void)nresults;
  struct log *log = userdata;
  if (nargs != 2) return wasirun_caller_trap(caller, "log takes two arguments");
  uint32_t ptr = (uint32_t)args[0].of.i32, len = (uint32_t)args[1].of.i32;
  const uint8_t *text = wasirun_caller_memory(caller, ptr, len);
  if (!text || len >= sizeof log->lines[0]) return wasirun_caller_trap(caller, "log: bad string");
  if (log->n < 4) {
    memcpy(log->lines[log->n], text, len);
    log->lines[log->n][len] = 0;
    log->n++;
  }
  return 0;
}

static int host_add(void *userdata, wasirun_caller *caller, const wasirun_val *args, size_t nargs,
                    wasirun_val *results, size_t nresults) {
  (void)userdata;
  (void)caller;
  (void)nargs;
  (void)nresults;
  results[0].of.i32 = args[0].of.i32 + args[1].of.i32;
  return 0;
}

/* env.fail(how): 0 traps, 1 exits with 7, 2 returns non-zero alone. */
static int host_fail(void *userdata, wasirun_caller *caller, const wasirun_val *args, size_t nargs,
                     wasirun_val *results, size_t nresults) {
  (void)userdata;
  (void)nargs;
  (void)results;
  (void)nresults;
  switch (args[0].of.i32) {
    case 0: return wasirun_caller_trap(caller, "the host said no");
    case 1: return wasirun_caller_exit(caller, 7);
    default: return 5;
  }
}

static int finalized = 0;
static void finalize(void *userdata) {
  (void)userdata;
  finalized++;
}

static wasirun_config *plugin_config(struct log *log, int add_i64) {
  wasirun_config *config = wasirun_config_new();
  wasirun_valkind two_i32[2] = {WASIRUN_I32, WASIRUN_I32};
  wasirun_valkind two_i64[2] = {WASIRUN_I64, WASIRUN_I64};
  wasirun_valkind one_i32[1] = {WASIRUN_I32};
  wasirun_error *err = NULL;
  CHECK(wasirun_config_define_func(config, "env", "log", two_i32, 2, NULL, 0, host_log, log, finalize, &err), "%s",
        message(err));
  wasirun_error_delete(err);
  if (add_i64)
    wasirun_config_define_func(config, "env", "add", two_i64, 2, two_i64, 1, host_add, NULL, NULL, NULL);
  else
    wasirun_config_define_func(config, "env", "add", two_i32, 2, one_i32, 1, host_add, NULL, NULL, NULL);
  wasirun_config_define_func(config, "env", "fail", one_i32, 1, NULL, 0, host_fail, NULL, NULL, NULL);
  return config;
}

static uint32_t checksum(const uint8_t *p, size_t n) {
  uint32_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += p[i] * (uint32_t)(i % 7 + 1);
  return sum;
}

static void host_functions(wasirun_module *plugin) {
  struct log log = {{{0}}, 0};
  wasirun_config *config = plugin_config(&log, 0);
  wasirun_error *err = NULL;
  wasirun_instance *inst = wasirun_instance_new(plugin, config, &err);
  CHECK(inst != NULL, "%s", message(err));
  wasirun_error_delete(err);
  if (!inst) {
    wasirun_config_delete(config);
    return;
  }

  /* talk: two logs and an add. */
  wasirun_result *r = wasirun_instance_call(inst, "talk", NULL, 0);
  wasirun_val v[1];
  CHECK(wasirun_result_values(r, v, 1) == 1 && v[0].of.i32 == 42, "talk: %s", wasirun_result_message(r));
  wasirun_result_delete(r);
  CHECK(log.n == 2 && strcmp(log.lines[0], "hello from a C guest") == 0 && strcmp(log.lines[1], "second line") == 0,
        "logged %d: [%s] [%s]", log.n, log.lines[0], log.lines[1]);

  /* A 1 MiB buffer through the guest's allocator, its checksum back. */
  size_t n = 1 << 20;
  uint8_t *data = malloc(n);
  for (size_t i = 0; i < n; i++) data[i] = (uint8_t)((i * 2654435761u) >> 24);
  wasirun_val size = {WASIRUN_I32, {.i32 = (int32_t)n}};
  r = wasirun_instance_call(inst, "alloc", &size, 1);
  CHECK(wasirun_result_values(r, v, 1) == 1 && v[0].of.i32 != 0, "alloc: %s", wasirun_result_message(r));
  wasirun_result_delete(r);
  uint32_t at = (uint32_t)v[0].of.i32;
  err = NULL;
  CHECK(wasirun_instance_memory_write(inst, at, data, n, &err), "%s", message(err));
  wasirun_error_delete(err);
  uint8_t back[16];
  CHECK(wasirun_instance_memory_read(inst, at + 100, back, sizeof back, NULL) &&
            memcmp(back, data + 100, sizeof back) == 0,
        "read back");
  wasirun_val sum_args[2] = {{WASIRUN_I32, {.i32 = (int32_t)at}}, {WASIRUN_I32, {.i32 = (int32_t)n}}};
  r = wasirun_instance_call(inst, "checksum", sum_args, 2);
  CHECK(wasirun_result_values(r, v, 1) == 1 && (uint32_t)v[0].of.i32 == checksum(data, n), "checksum %u, want %u",
        (uint32_t)v[0].of.i32, checksum(data, n));
  wasirun_result_delete(r);
  wasirun_val release = {WASIRUN_I32, {.i32 = (int32_t)at}};
  wasirun_result_delete(wasirun_instance_call(inst, "release", &release, 1));
  free(data);

  /* Out of bounds: refused, the error names the range. */
  size_t mem = wasirun_instance_memory_size(inst);
  err = NULL;
  CHECK(!wasirun_instance_memory_write(inst, mem - 2, "four", 4, &err), "wrote past the end");
  char want[128];
  snprintf(want, sizeof want, "bytes %zu..%zu are outside the guest's memory of %zu bytes", mem - 2, mem + 2, mem);
  CHECK(err && strcmp(wasirun_error_message(err), want) == 0, "error: %s", message(err));
  wasirun_error_delete(err);
  CHECK(wasirun_instance_memory(inst, mem, 1) == NULL && wasirun_instance_memory(inst, 0, mem) != NULL, "views");
  r = wasirun_instance_finish(inst);
  CHECK(wasirun_result_outcome(r) == WASIRUN_EXITED, "finish: %d", wasirun_result_outcome(r));
  wasirun_result_delete(r);

  /* A host function that traps, one that exits, one that fails. */
  for (int how = 0; how < 3; how++) {
    inst = wasirun_instance_new(plugin, config, NULL);
    wasirun_val arg = {WASIRUN_I32, {.i32 = how}};
    r = wasirun_instance_call(inst, "fail", &arg, 1);
    switch (how) {
      case 0:
        CHECK(wasirun_result_outcome(r) == WASIRUN_TRAPPED && strstr(wasirun_result_message(r), "the host said no"),
              "trap: %d %s", wasirun_result_outcome(r), wasirun_result_message(r));
        break;
      case 1:
        CHECK(wasirun_result_outcome(r) == WASIRUN_EXITED && wasirun_result_exit_code(r) == 7, "exit: %d %d",
              wasirun_result_outcome(r), wasirun_result_exit_code(r));
        break;
      default:
        CHECK(wasirun_result_outcome(r) == WASIRUN_TRAPPED &&
                  strstr(wasirun_result_message(r), "host function env::fail failed (it returned 5)"),
              "failure: %s", wasirun_result_message(r));
    }
    if (!quiet && how == 0) printf("a host function's trap: %s\n", wasirun_result_message(r));
    wasirun_result_delete(r);
    wasirun_instance_delete(inst);
  }
  int before = finalized;
  wasirun_config_delete(config);
  CHECK(finalized == before + 1, "the finalizer ran %d time(s)", finalized - before);

  /* A mismatched signature: instantiation fails, naming both types. */
  config = plugin_config(&log, 1);
  err = NULL;
  inst = wasirun_instance_new(plugin, config, &err);
  CHECK(inst == NULL && err &&
            strcmp(wasirun_error_message(err),
                   "import `env::add` is declared (func (param i32 i32) (result i32)) but the host defines (func "
                   "(param i64 i64) (result i64))") == 0,
        "mismatch: %s", message(err));
  if (!quiet && err) printf("mismatch: %s\n", wasirun_error_message(err));
  wasirun_error_delete(err);
  wasirun_instance_delete(inst);
  wasirun_config_delete(config);
  if (!quiet) printf("host functions: ok\n");
}

/* ---- 2. A game loop --------------------------------------------------- */

static wasirun_instance *sleeper_instance(wasirun_module *sleeper, int non_blocking) {
  wasirun_config *config = wasirun_config_new();
  wasirun_config_arg(config, "sleeper");
  wasirun_config_capture(config, 1, 4096);
  wasirun_config_slices(config, true);
  wasirun_config_non_blocking(config, non_blocking);
  wasirun_error *err = NULL;
  wasirun_instance *inst = wasirun_instance_new(sleeper, config, &err);
  CHECK(inst != NULL, "%s", message(err));
  wasirun_error_delete(err);
  wasirun_config_delete(config);
  return inst;
}

/* Finishes an instance and copies its stdout into `out`. */
static void stdout_of(wasirun_instance *inst, char *out, size_t cap) {
  wasirun_result *r = wasirun_instance_finish(inst);
  CHECK(wasirun_result_outcome(r) == WASIRUN_EXITED, "outcome %d: %s", wasirun_result_outcome(r),
        wasirun_result_message(r));
  size_t len = 0;
  const uint8_t *bytes = wasirun_result_output(r, 1, &len);
  size_t n = len < cap - 1 ? len : cap - 1;
  if (bytes) memcpy(out, bytes, n);
  out[n] = 0;
  wasirun_result_delete(r);
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void game_loop(wasirun_module *sleeper) {
  char whole[1024], sliced[1024];
  wasirun_instance *inst = sleeper_instance(sleeper, 0);
  if (!inst) return;
  wasirun_error *err = NULL;
  CHECK(wasirun_instance_start(inst, "_start", NULL, 0, 0, 0, &err) == WASIRUN_STEP_RETURNED, "%s", message(err));
  wasirun_error_delete(err);
  stdout_of(inst, whole, sizeof whole);

  inst = sleeper_instance(sleeper, 1);
  if (!inst) return;
  const uint64_t budget_us = 3000;
  /* How many frames the guest takes depends on how fast this machine
   * computes (about 100 here, 2 cores); the bound only stops a guest that
   * never ends. */
  enum { MAX_FRAMES = 1000 };
  static double took[MAX_FRAMES];
  int frames = 0, waits = 0, yields = 0, done = 0;
  double start = now_ms();
  for (; frames < MAX_FRAMES && !done; frames++) {
    double frame_start = now_ms();
    err = NULL;
    wasirun_step step = frames == 0 ? wasirun_instance_start(inst, "_start", NULL, 0, 0, budget_us, &err)
                                    : wasirun_instance_resume(inst, 0, budget_us, &err);
    took[frames] = now_ms() - frame_start;
    switch (step) {
      case WASIRUN_STEP_RETURNED: done = 1; break;
      case WASIRUN_STEP_YIELDED: yields++; break;
      case WASIRUN_STEP_WAITING: {
        wasirun_wait w;
        CHECK(wasirun_instance_wait(inst, &w) && w.timeout_ns >= 0 && w.nfds == 0, "a sleep waits on a clock");
        waits++;
        break;
      }
      default: CHECK(0, "step %d: %s", step, message(err)); done = 1;
    }
    wasirun_error_delete(err);
    sleep_ms(frame_start + 16.0 - now_ms()); /* the rest of the frame is the host's */
  }
  CHECK(done, "the guest did not finish in %d frames", MAX_FRAMES);
  qsort(took, (size_t)frames, sizeof took[0], by_value);
  printf("game loop: %d frames (%d waiting, %d yielded) in %.0f ms; frame call time: min %.3f ms, median %.3f ms, "
         "p90 %.3f ms, max %.3f ms (budget %.0f ms)\n",
         frames, waits, yields, now_ms() - start, took[0], took[frames / 2], took[frames * 9 / 10], took[frames - 1],
         budget_us / 1000.0);
  /* A blocked frame would take 50 ms; the bound is generous for a loaded
   * machine (and Wine), and still far below that. */
  CHECK(took[frames - 1] < budget_us / 1000.0 + 25.0, "a frame took %.3f ms", took[frames - 1]);
  CHECK(waits >= 10 && yields >= 10, "%d waits, %d yields", waits, yields);
  stdout_of(inst, sliced, sizeof sliced);
  CHECK(strcmp(whole, sliced) == 0 && strlen(whole) == 180, "sliced output differs:\n%s\nfrom:\n%s", sliced, whole);
}

/* ---- 3. Resumed on another thread --------------------------------------- */

static void *resume_to_the_end(void *arg) {
  wasirun_instance *inst = arg;
  for (;;) {
    wasirun_step step = wasirun_instance_resume(inst, 100000, 0, NULL);
    if (step == WASIRUN_STEP_WAITING) {
      wasirun_wait w;
      if (wasirun_instance_wait(inst, &w) && w.timeout_ns > 0) sleep_ms((double)w.timeout_ns / 1e6);
    } else if (step != WASIRUN_STEP_YIELDED) {
      return step == WASIRUN_STEP_RETURNED ? arg : NULL;
    }
  }
}

static void another_thread(wasirun_module *sleeper) {
  wasirun_instance *inst = sleeper_instance(sleeper, 1);
  if (!inst) return;
  CHECK(wasirun_instance_start(inst, "_start", NULL, 0, 1000, 0, NULL) == WASIRUN_STEP_YIELDED, "first slice");
  pthread_t t;
  void *returned = NULL;
  CHECK(pthread_create(&t, NULL, resume_to_the_end, inst) == 0, "pthread_create");
  pthread_join(t, &returned);
  CHECK(returned == inst, "the other thread did not see it return");
  char out[1024];
  stdout_of(inst, out, sizeof out);
  CHECK(strlen(out) == 180, "output: %s", out);
  if (!quiet) printf("resumed on another thread: ok\n");
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s PLUGIN.wasm SLEEPER.wasm [CYCLES]\n", argv[0]);
    return 2;
  }
  int cycles = argc > 3 ? atoi(argv[3]) : 1;
  quiet = cycles > 1;
  wasirun_error *err = NULL;
  wasirun_module *plugin = wasirun_module_from_file(argv[1], &err);
  CHECK(plugin != NULL, "%s", message(err));
  wasirun_error_delete(err);
  err = NULL;
  wasirun_module *sleeper = wasirun_module_from_file(argv[2], &err);
  CHECK(sleeper != NULL, "%s", message(err));
  wasirun_error_delete(err);
  if (plugin && sleeper) {
    for (int i = 0; i < cycles && failures == 0; i++) host_functions(plugin);
    printf("%d cycle(s) of host functions\n", cycles);
    game_loop(sleeper);
    another_thread(sleeper);
  }
  wasirun_module_delete(plugin);
  wasirun_module_delete(sleeper);
  printf("%d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
