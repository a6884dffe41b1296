#include "engine/postprocess.h"

#include <algorithm>
#include <cmath>

namespace mnv4 {

bool SoftmaxTopK(const float* logits, int n, int k, int32_t* order, int32_t* outClasses, float* outScores) {
  float maxLogit = logits[0];
  for (int i = 0; i < n; i++) {
    if (!std::isfinite(logits[i])) return false;
    maxLogit = std::max(maxLogit, logits[i]);
  }
  // Double accumulation: 1000 terms of float exp() would lose the small ones.
  double sum = 0.0;
  for (int i = 0; i < n; i++) sum += std::exp(static_cast<double>(logits[i]) - maxLogit);

  for (int i = 0; i < n; i++) order[i] = i;
  std::partial_sort(order, order + k, order + n, [logits](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  for (int i = 0; i < k; i++) {
    const int32_t c = order[i];
    outClasses[i] = c;
    outScores[i] = static_cast<float>(std::exp(static_cast<double>(logits[c]) - maxLogit) / sum);
  }
  return true;
}

}  // namespace mnv4
