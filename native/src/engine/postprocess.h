// Logits -> probabilities of the k best classes, in the worker thread, without allocating.
#pragma once
#include <cstdint>

namespace mnv4 {

// Writes the k classes with the largest logits (descending; ties: lower index first) and their
// softmax probabilities. The softmax subtracts the maximum logit first, so large logits cannot
// overflow exp(). `order` is caller-owned scratch of n entries. Returns false when a logit is NaN or
// infinite (a broken model output must fail its frame, not rank garbage). Requires 1 <= k <= n.
bool SoftmaxTopK(const float* logits, int n, int k, int32_t* order, int32_t* outClasses, float* outScores);

}  // namespace mnv4
