#!/usr/bin/env bash
# Builds the native addon and the BPU simulator with AddressSanitizer in separate folders and runs
# the tests that exercise native code ([native] in their titles) against those builds.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null

mkdir -p build-asan
cp binding.gyp build-asan/binding.gyp
ln -sfn ../native build-asan/native
ln -sfn ../node_modules build-asan/node_modules
echo "[asan] building the addon with -fsanitize=address"
(cd build-asan && MNV4_ASAN=1 npx --no-install node-gyp configure --loglevel=warn && MNV4_ASAN=1 npx --no-install node-gyp build -j 2 --loglevel=warn >/dev/null)
echo "[asan] building the BPU simulator with -fsanitize=address"
make -s -C native/bpu_sim ASAN=1

libasan=$(gcc -print-file-name=libasan.so)
export MNV4_NATIVE_PATH="$PWD/build-asan/build/Release/mnv4_native.node"
export MNV4_BPU_SIM_LIB="$PWD/native/bpu_sim/build-asan/libhbdnn_sim.so"
# Node itself is not instrumented and keeps memory until exit, so leak checking is off here; the
# simulator does its own accounting of tasks and memory and the tests assert it.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:detect_odr_violation=0"
echo "[asan] mocha --grep [native]"
LD_PRELOAD="$libasan" npx --no-install mocha --grep '\[native\]' "$@"
