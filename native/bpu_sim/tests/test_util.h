// Helpers shared by the simulator's test programs: deterministic NV12 content and small output
// helpers. Each program prints JSON lines that the mocha tests (test/bpu/) assert on.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>

namespace simtest {

// Fills an NV12 frame with content that depends on `seed` everywhere (a gradient plus noise), so
// two different seeds give different bytes in every block the simulator hashes.
inline void FillNv12(uint8_t* dst, size_t bytes, uint64_t seed) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 0x1234567ull;
  for (size_t i = 0; i < bytes; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    dst[i] = static_cast<uint8_t>((i * (seed % 7 + 1)) / 97 + (x & 0x3F));
  }
}

inline std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out += c;
    }
  }
  return out;
}

inline double MaxAbsDiff(const float* a, const float* b, int n) {
  double m = 0;
  for (int i = 0; i < n; ++i) {
    double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
    if (d < 0) d = -d;
    if (!(d <= m)) m = d;  // NaN-propagating
  }
  return m;
}

}  // namespace simtest
