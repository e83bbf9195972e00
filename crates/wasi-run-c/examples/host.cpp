// An example C++ host of wasi-run: the C API behind RAII handles. Runs the
// guest and a reactor's export, as host.c does (host GUEST.wasm ADD.wat
// DATA_DIR); exits 0 when every check passed.
#include "wasi_run.h"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace wasirun {

template <typename T, void (*Delete)(T *)>
struct Deleter {
  void operator()(T *p) const { Delete(p); }
};
using Module = std::unique_ptr<wasirun_module, Deleter<wasirun_module, wasirun_module_delete>>;
using Config = std::unique_ptr<wasirun_config, Deleter<wasirun_config, wasirun_config_delete>>;
using Result = std::unique_ptr<wasirun_result, Deleter<wasirun_result, wasirun_result_delete>>;
using Error = std::unique_ptr<wasirun_error, Deleter<wasirun_error, wasirun_error_delete>>;

Module load(const std::string &path) {
  wasirun_error *raw = nullptr;
  Module m(wasirun_module_from_file(path.c_str(), &raw));
  Error err(raw);
  if (!m) throw std::runtime_error(wasirun_error_message(err.get()));
  return m;
}

std::string output(const Result &r, int which) {
  size_t len = 0;
  const uint8_t *data = wasirun_result_output(r.get(), which, &len);
  return data ? std::string(reinterpret_cast<const char *>(data), len) : std::string();
}

}  // namespace wasirun

int main(int argc, char **argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s GUEST.wasm ADD.wat DATA_DIR\n", argv[0]);
    return 2;
  }
  int failures = 0;
  auto check = [&](bool ok, const std::string &what) {
    if (!ok) {
      failures++;
      std::fprintf(stderr, "FAILED: %s\n", what.c_str());
    }
  };
  try {
    auto guest = wasirun::load(argv[1]);
    wasirun::Config config(wasirun_config_new());
    for (const char *a : {"guest", "hello", "from C++"}) wasirun_config_arg(config.get(), a);
    wasirun_config_env(config.get(), "GREETING", "hi from C++");
    wasirun_config_preopen_dir(config.get(), argv[3], "/data", true, nullptr);
    wasirun_config_capture(config.get(), 1, 4096);
    wasirun_config_capture(config.get(), 2, 4096);
    wasirun::Result r(wasirun_run(guest.get(), config.get()));
    std::string out = wasirun::output(r, 1);
    check(wasirun_result_exit_code(r.get()) == 7, "exit code " + std::to_string(wasirun_result_exit_code(r.get())));
    check(out.find("args: [guest] [hello] [from C++]\n") != std::string::npos, "stdout: " + out);
    check(out.find("GREETING=hi from C++\n") != std::string::npos, "stdout: " + out);
    check(out.find("write to /data: refused\n") != std::string::npos, "stdout: " + out);
    check(wasirun::output(r, 2) == "to stderr\n", "stderr: " + wasirun::output(r, 2));
    std::printf("%s", out.c_str());

    auto add = wasirun::load(argv[2]);
    wasirun::Config empty(wasirun_config_new());
    wasirun_val args[2];
    args[0].kind = WASIRUN_I32;
    args[0].of.i32 = 20;
    args[1].kind = WASIRUN_I64;
    args[1].of.i64 = 22;
    wasirun::Result sum(wasirun_call(add.get(), empty.get(), "add", args, 2));
    wasirun_val v[1];
    check(wasirun_result_values(sum.get(), v, 1) == 1 && v[0].of.i64 == 42, "add(20, 22)");
    std::printf("add(20, 22) = %lld\n", static_cast<long long>(v[0].of.i64));
  } catch (const std::exception &e) {
    std::fprintf(stderr, "FAILED: %s\n", e.what());
    return 1;
  }
  std::printf("%d failure(s)\n", failures);
  return failures == 0 ? 0 : 1;
}
