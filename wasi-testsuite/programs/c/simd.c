/* cflags: -msimd128 */
/* Fixed-width SIMD from C: wasm_simd128.h intrinsics and a loop clang
   vectorises with -msimd128 -O2, each checked against scalar code. */
#include <stdint.h>
#include <stdio.h>
#include <wasm_simd128.h>

static float dot4(const float *a, const float *b, int n) {
    v128_t acc = wasm_f32x4_splat(0.0f);
    for (int i = 0; i < n; i += 4) {
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
    }
    return wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) + wasm_f32x4_extract_lane(acc, 2) +
           wasm_f32x4_extract_lane(acc, 3);
}

static uint32_t mix(const uint32_t *v, int n) {
    uint32_t s = 0;
    for (int i = 0; i < n; i++) s += (v[i] * 3u) ^ 0x5a5au;
    return s;
}

static uint32_t data[4096];
static float fa[256], fb[256];

int main(void) {
    for (int i = 0; i < 4096; i++) data[i] = (uint32_t)i * 2654435761u;
    for (int i = 0; i < 256; i++) {
        fa[i] = (float)(i % 17);
        fb[i] = (float)(i % 5) * 0.5f;
    }
    float scalar = 0.0f;
    for (int i = 0; i < 256; i++) scalar += fa[i] * fb[i];
    printf("dot %.1f (scalar %.1f)\n", dot4(fa, fb, 256), scalar);
    uint32_t plain = 0;
    for (int i = 0; i < 4096; i++) {
        volatile uint32_t x = data[i]; /* volatile: keep this one scalar */
        plain += (x * 3u) ^ 0x5a5au;
    }
    printf("mix %u (scalar %u)\n", mix(data, 4096), plain);
    v128_t bytes = wasm_i8x16_make(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    v128_t rev = wasm_i8x16_shuffle(bytes, bytes, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    printf("shuffled first %d last %d, all > 0: %d\n", wasm_i8x16_extract_lane(rev, 0),
           wasm_i8x16_extract_lane(rev, 15), wasm_i8x16_all_true(rev));
    return 0;
}
