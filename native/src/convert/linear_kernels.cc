#include "convert/linear_kernels.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace mnv4 {

void LinearRowPacked(const uint8_t* row, const int32_t* pos0, const int32_t* pos1, const int32_t* a0,
                     const int32_t* a1, int n, const int off[3], bool gatherSafe, int32_t* out0, int32_t* out1,
                     int32_t* out2) {
  int dx = 0;
#ifdef __AVX2__
  if (gatherSafe) {
    const int* base = reinterpret_cast<const int*>(row);
    const __m256i byte = _mm256_set1_epi32(0xff);
    int32_t* outs[3] = {out0, out1, out2};
    for (; dx + 8 <= n; dx += 8) {
      auto ld = [](const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
      // One 32-bit gather per tap holds all channels of 8 pixels (byte scale 1).
      const __m256i g0 = _mm256_i32gather_epi32(base, ld(pos0 + dx), 1);
      const __m256i g1 = _mm256_i32gather_epi32(base, ld(pos1 + dx), 1);
      const __m256i w0 = ld(a0 + dx), w1 = ld(a1 + dx);
      for (int c = 0; c < 3; c++) {
        const __m128i sh = _mm_cvtsi32_si128(8 * off[c]);
        const __m256i v0 = _mm256_and_si256(_mm256_srl_epi32(g0, sh), byte);
        const __m256i v1 = _mm256_and_si256(_mm256_srl_epi32(g1, sh), byte);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(outs[c] + dx),
                            _mm256_add_epi32(_mm256_mullo_epi32(v0, w0), _mm256_mullo_epi32(v1, w1)));
      }
    }
  }
#else
  (void)gatherSafe;
#endif
  for (; dx < n; dx++) {
    const uint8_t* p0 = row + pos0[dx];
    const uint8_t* p1 = row + pos1[dx];
    out0[dx] = p0[off[0]] * a0[dx] + p1[off[0]] * a1[dx];
    out1[dx] = p0[off[1]] * a0[dx] + p1[off[1]] * a1[dx];
    out2[dx] = p0[off[2]] * a0[dx] + p1[off[2]] * a1[dx];
  }
}

void LinearRowChannel(const uint8_t* row, const int32_t* pos0, const int32_t* pos1, const int32_t* a0,
                      const int32_t* a1, int n, bool gatherSafe, int32_t* out) {
  int dx = 0;
#ifdef __AVX2__
  if (gatherSafe) {
    const int* base = reinterpret_cast<const int*>(row);
    const __m256i byte = _mm256_set1_epi32(0xff);
    for (; dx + 8 <= n; dx += 8) {
      auto ld = [](const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
      const __m256i v0 = _mm256_and_si256(_mm256_i32gather_epi32(base, ld(pos0 + dx), 1), byte);
      const __m256i v1 = _mm256_and_si256(_mm256_i32gather_epi32(base, ld(pos1 + dx), 1), byte);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + dx),
                          _mm256_add_epi32(_mm256_mullo_epi32(v0, ld(a0 + dx)), _mm256_mullo_epi32(v1, ld(a1 + dx))));
    }
  }
#else
  (void)gatherSafe;
#endif
  for (; dx < n; dx++) out[dx] = row[pos0[dx]] * a0[dx] + row[pos1[dx]] * a1[dx];
}

}  // namespace mnv4
