#include "convert/area_kernels.h"

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace mnv4 {

void VerticalSum(const uint8_t* const* rows, const uint16_t* w, int taps, int len, int16_t* out) {
  int i = 0;
#ifdef __AVX2__
  // 32 bytes per step; the row sums stay in registers across all taps (one store per block).
  for (; i + 32 <= len; i += 32) {
    __m256i lo = _mm256_setzero_si256(), hi = lo;
    for (int k = 0; k < taps; k++) {
      const __m256i wk = _mm256_set1_epi16(static_cast<int16_t>(w[k]));
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[k] + i));
      lo = _mm256_add_epi16(lo, _mm256_mullo_epi16(_mm256_cvtepu8_epi16(_mm256_castsi256_si128(b)), wk));
      hi = _mm256_add_epi16(hi, _mm256_mullo_epi16(_mm256_cvtepu8_epi16(_mm256_extracti128_si256(b, 1)), wk));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_srli_epi16(lo, 1));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 16), _mm256_srli_epi16(hi, 1));
  }
#endif
  for (; i < len; i++) {
    uint32_t s = 0;
    for (int k = 0; k < taps; k++) s += static_cast<uint32_t>(w[k]) * rows[k][i];
    out[i] = static_cast<int16_t>(s >> 1);
  }
}

int32_t WindowDot(const int16_t* acc, const int16_t* w, int len) {
#ifdef __AVX2__
  __m256i s = _mm256_setzero_si256();
  for (int j = 0; j < len; j += 16) {
    s = _mm256_add_epi32(s, _mm256_madd_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + j)),
                                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j))));
  }
  __m128i t = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0x4e));
  t = _mm_add_epi32(t, _mm_shuffle_epi32(t, 0xb1));
  return _mm_cvtsi128_si32(t);
#else
  int32_t s = 0;
  for (int j = 0; j < len; j++) s += acc[j] * w[j];
  return s;
#endif
}

void WindowDot3(const int16_t* a0, const int16_t* a1, const int16_t* a2, const int16_t* w, int len, int32_t* out) {
#ifdef __AVX2__
  __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0;
  for (int j = 0; j < len; j += 16) {
    auto ld = [](const int16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(ld(a0 + j), ld(w + j)));
    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(ld(a1 + j), ld(w + len + j)));
    s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(ld(a2 + j), ld(w + 2 * len + j)));
  }
  // Per 128-bit half: hadd(hadd(s0,s1), hadd(s2,s2)) = [sum s0, sum s1, sum s2, sum s2]; then add halves.
  const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s2));
  const __m128i t = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  out[0] = _mm_cvtsi128_si32(t);
  out[1] = _mm_extract_epi32(t, 1);
  out[2] = _mm_extract_epi32(t, 2);
#else
  out[0] = WindowDot(a0, w, len);
  out[1] = WindowDot(a1, w + len, len);
  out[2] = WindowDot(a2, w + 2 * len, len);
#endif
}

void PrefetchRange(const uint8_t* p, size_t bytes) {
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off, 0, 3);
}

}  // namespace mnv4
