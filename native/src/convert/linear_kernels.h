// Horizontal pass of the OpenCV-exact bilinear filter for one source row: for each output column
// dx, S = p[pos0[dx]] * a0[dx] + p[pos1[dx]] * a1[dx] (exact int32, value * 2048). AVX2 gathers
// fetch the 8 output columns' source bytes at once; the scalar loop gives identical results.
#pragma once
#include <cstdint>

namespace mnv4 {

// Packed RGB rows (3 or 4 bytes per pixel): pos0/pos1 are pixel byte positions, the channels sit
// at +off[0..2]. Writes the three channel rows out0..out2. `gatherSafe`: the row has at least
// 4 readable bytes from every pos (the vector path reads whole 32-bit words).
void LinearRowPacked(const uint8_t* row, const int32_t* pos0, const int32_t* pos1, const int32_t* a0,
                     const int32_t* a1, int n, const int off[3], bool gatherSafe, int32_t* out0, int32_t* out1,
                     int32_t* out2);

// One channel: pos0/pos1 are the byte positions of that channel's sample.
void LinearRowChannel(const uint8_t* row, const int32_t* pos0, const int32_t* pos1, const int32_t* a0,
                      const int32_t* a1, int n, bool gatherSafe, int32_t* out);

}  // namespace mnv4
