#include "convert/area_kernels.h"

#include <cstring>

#ifdef __AVX2__
#include <immintrin.h>
#endif

namespace mnv4 {

void VerticalSum(const uint8_t* const* rows, const uint16_t* w, int taps, int from, int to, int16_t* out) {
  int i = from;
  const int len = to;
#ifdef __AVX2__
  bool pairs = taps <= kMaxPairTaps;
  for (int k = 0; k < taps && pairs; k++) pairs = w[k] <= 127;
  if (pairs) {
    // Two rows per vpmaddubsw: their bytes interleaved, times the (signed 8-bit) weight pair, summed
    // into 16 bits. Weights sum to 128, so sums stay <= 32640 and never saturate.
    __m256i wp[kMaxPairTaps / 2];
    const uint8_t* rp[kMaxPairTaps];
    const int np = (taps + 1) / 2;
    for (int k = 0; k < 2 * np; k++) rp[k] = rows[k < taps ? k : taps - 1];
    for (int p = 0; p < np; p++) {
      const int wb = 2 * p + 1 < taps ? w[2 * p + 1] : 0;
      wp[p] = _mm256_set1_epi16(static_cast<int16_t>(w[2 * p] | (wb << 8)));
    }
    for (; i + 32 <= len; i += 32) {
      __m256i lo = _mm256_setzero_si256(), hi = lo;
      for (int p = 0; p < np; p++) {
        const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rp[2 * p] + i));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rp[2 * p + 1] + i));
        lo = _mm256_add_epi16(lo, _mm256_maddubs_epi16(_mm256_unpacklo_epi8(a, b), wp[p]));
        hi = _mm256_add_epi16(hi, _mm256_maddubs_epi16(_mm256_unpackhi_epi8(a, b), wp[p]));
      }
      // unpack works per 128-bit half: lo holds columns 0-7 | 16-23, hi 8-15 | 24-31.
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_permute2x128_si256(lo, hi, 0x20));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 16), _mm256_permute2x128_si256(lo, hi, 0x31));
    }
  } else {
    for (; i + 32 <= len; i += 32) {
      __m256i lo = _mm256_setzero_si256(), hi = lo;
      for (int k = 0; k < taps; k++) {
        const __m256i wk = _mm256_set1_epi16(static_cast<int16_t>(w[k]));
        const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[k] + i));
        lo = _mm256_add_epi16(lo, _mm256_mullo_epi16(_mm256_cvtepu8_epi16(_mm256_castsi256_si128(b)), wk));
        hi = _mm256_add_epi16(hi, _mm256_mullo_epi16(_mm256_cvtepu8_epi16(_mm256_extracti128_si256(b, 1)), wk));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), lo);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i + 16), hi);
    }
  }
#endif
  for (; i < len; i++) {
    int32_t s = 0;
    for (int k = 0; k < taps; k++) s += static_cast<int32_t>(w[k]) * rows[k][i];
    out[i] = static_cast<int16_t>(s);
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

namespace {
#ifdef __AVX2__
inline __m256i Ld(const int16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
// Window dot product as 8 partial int32 sums.
inline __m256i Dot8(const int16_t* a, const int16_t* w, int len) {
  __m256i s = _mm256_madd_epi16(Ld(a), Ld(w));
  for (int j = 16; j < len; j += 16) s = _mm256_add_epi32(s, _mm256_madd_epi16(Ld(a + j), Ld(w + j)));
  return s;
}
// Sums of four 8-lane vectors, in order.
inline __m128i Sum4(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
  return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}
#endif
}  // namespace

void HorizontalNv12(const int16_t* a0, const int16_t* a12, const int32_t* starts, const int16_t* w, int len,
                    int from, int to, int yOffset, int uvOffset, uint8_t* y, uint8_t* uv) {
  const int32_t yBias = (yOffset << 21) + (1 << 20), uvBias = (uvOffset << 21) + (1 << 20);
  auto clamp = [](int32_t v) { return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v); };
  int dx = from;
#ifdef __AVX2__
  const __m128i yb = _mm_set1_epi32(yBias), uvb = _mm_set1_epi32(uvBias);
  for (; dx + 4 <= to; dx += 4) {
    __m256i s[4];
    for (int p = 0; p < 4; p++) s[p] = Dot8(a0 + starts[2 * (dx + p)], w + static_cast<size_t>(3 * (dx + p)) * len, len);
    const __m128i r = _mm_srai_epi32(_mm_add_epi32(Sum4(s[0], s[1], s[2], s[3]), yb), 21);
    const uint32_t v = static_cast<uint32_t>(_mm_cvtsi128_si32(_mm_packus_epi16(_mm_packs_epi32(r, r), r)));
    std::memcpy(y + dx, &v, 4);
  }
#endif
  for (; dx < to; dx++) y[dx] = clamp((WindowDot(a0 + starts[2 * dx], w + static_cast<size_t>(3 * dx) * len, len) + yBias) >> 21);
  if (uv == nullptr) return;
  dx = from;
#ifdef __AVX2__
  // Even columns only (each 2x2 block's top-left pixel): 4 U,V pairs per step, 8 bytes stored.
  for (; dx + 8 <= to; dx += 8) {
    __m256i u[4], v[4];
    for (int p = 0; p < 4; p++) {
      const int x = dx + 2 * p;
      const int16_t* win = a12 + starts[2 * x + 1];
      const int16_t* wp = w + static_cast<size_t>(3 * x + 1) * len;
      u[p] = Dot8(win, wp, len);
      v[p] = Dot8(win, wp + len, len);
    }
    const __m128i ru = _mm_srai_epi32(_mm_add_epi32(Sum4(u[0], u[1], u[2], u[3]), uvb), 21);
    const __m128i rv = _mm_srai_epi32(_mm_add_epi32(Sum4(v[0], v[1], v[2], v[3]), uvb), 21);
    const __m128i words = _mm_packs_epi32(_mm_unpacklo_epi32(ru, rv), _mm_unpackhi_epi32(ru, rv));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(uv + dx), _mm_packus_epi16(words, words));
  }
#endif
  for (; dx < to; dx += 2) {
    const int16_t* win = a12 + starts[2 * dx + 1];
    const int16_t* wp = w + static_cast<size_t>(3 * dx + 1) * len;
    uv[dx] = clamp((WindowDot(win, wp, len) + uvBias) >> 21);
    uv[dx + 1] = clamp((WindowDot(win, wp + len, len) + uvBias) >> 21);
  }
}

void PrefetchRange(const uint8_t* p, size_t bytes) {
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off, 0, 3);
}

}  // namespace mnv4
