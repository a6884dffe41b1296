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

void WindowDot3(const int16_t* a0, const int16_t* a12, const int16_t* w, int len, int32_t* out) {
#ifdef __AVX2__
  __m256i s0 = _mm256_setzero_si256(), s1 = s0, s2 = s0;
  auto ld = [](const int16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); };
  for (int j = 0; j < len; j += 16) {
    const __m256i x0 = ld(a0 + j);
    const __m256i x12 = a12 == a0 ? x0 : ld(a12 + j);
    s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(x0, ld(w + j)));
    s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(x12, ld(w + len + j)));
    s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(x12, ld(w + 2 * len + j)));
  }
  // Per 128-bit half: hadd(hadd(s0,s1), hadd(s2,s2)) = [sum s0, sum s1, sum s2, sum s2]; then add halves.
  const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s2));
  const __m128i t = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  out[0] = _mm_cvtsi128_si32(t);
  out[1] = _mm_extract_epi32(t, 1);
  out[2] = _mm_extract_epi32(t, 2);
#else
  out[0] = WindowDot(a0, w, len);
  out[1] = WindowDot(a12, w + len, len);
  out[2] = WindowDot(a12, w + 2 * len, len);
#endif
}

namespace {
inline uint8_t Round19(int32_t t) { return static_cast<uint8_t>((t + (1 << 18)) >> 19); }
#ifdef __AVX2__
inline __m256i Ld(const int16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
// Window dot product as 8 partial int32 sums.
inline __m256i Dot8(const int16_t* a, const int16_t* w, int len) {
  __m256i s = _mm256_madd_epi16(Ld(a), Ld(w));
  for (int j = 16; j < len; j += 16) s = _mm256_add_epi32(s, _mm256_madd_epi16(Ld(a + j), Ld(w + j)));
  return s;
}
// Sums of four 8-lane vectors, in order, with rounding: (sum + 2^18) >> 19.
inline __m128i Reduce4(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
  const __m128i t = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
  return _mm_srai_epi32(_mm_add_epi32(t, _mm_set1_epi32(1 << 18)), 19);
}
#endif
}  // namespace

void HorizontalPass3(const int16_t* a0, const int16_t* a12, const int32_t* starts, const int16_t* w, int len,
                     int from, int to, uint8_t* p0, uint8_t* p1, uint8_t* p2) {
  int dx = from;
#ifdef __AVX2__
  // Four output pixels per step: one reduction tree per channel and one 4-byte store per plane.
  for (; dx + 4 <= to; dx += 4) {
    __m256i s[3][4];
    for (int p = 0; p < 4; p++) {
      const int16_t* x0 = a0 + starts[2 * (dx + p)];
      const int16_t* x12 = a12 + starts[2 * (dx + p) + 1];
      const int16_t* wp = w + static_cast<size_t>(3 * (dx + p)) * len;
      s[0][p] = Dot8(x0, wp, len);
      s[1][p] = Dot8(x12, wp + len, len);
      s[2][p] = Dot8(x12, wp + 2 * len, len);
    }
    uint8_t* planes[3] = {p0, p1, p2};
    for (int c = 0; c < 3; c++) {
      const __m128i r = Reduce4(s[c][0], s[c][1], s[c][2], s[c][3]);
      const __m128i b = _mm_packus_epi16(_mm_packs_epi32(r, r), r);
      const uint32_t v = static_cast<uint32_t>(_mm_cvtsi128_si32(b));
      std::memcpy(planes[c] + dx, &v, 4);
    }
  }
#endif
  for (; dx < to; dx++) {
    const int16_t* wp = w + static_cast<size_t>(3 * dx) * len;
    p0[dx] = Round19(WindowDot(a0 + starts[2 * dx], wp, len));
    p1[dx] = Round19(WindowDot(a12 + starts[2 * dx + 1], wp + len, len));
    p2[dx] = Round19(WindowDot(a12 + starts[2 * dx + 1], wp + 2 * len, len));
  }
}

void HorizontalPass1(const int16_t* a0, const int32_t* starts, const int16_t* w, int len, int from, int to,
                     uint8_t* p0) {
  int dx = from;
#ifdef __AVX2__
  for (; dx + 4 <= to; dx += 4) {
    __m256i s[4];
    for (int p = 0; p < 4; p++) s[p] = Dot8(a0 + starts[2 * (dx + p)], w + static_cast<size_t>(3 * (dx + p)) * len, len);
    const __m128i r = Reduce4(s[0], s[1], s[2], s[3]);
    const __m128i b = _mm_packus_epi16(_mm_packs_epi32(r, r), r);
    const uint32_t v = static_cast<uint32_t>(_mm_cvtsi128_si32(b));
    std::memcpy(p0 + dx, &v, 4);
  }
#endif
  for (; dx < to; dx++) p0[dx] = Round19(WindowDot(a0 + starts[2 * dx], w + static_cast<size_t>(3 * dx) * len, len));
}

void PrefetchRange(const uint8_t* p, size_t bytes) {
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off, 0, 3);
}

}  // namespace mnv4
