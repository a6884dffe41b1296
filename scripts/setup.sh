#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine (or a robot): system packages, npm
# dependencies, the native addon, the BPU simulator and the TypeScript build. Every step is
# skipped when its result is already there and up to date, so it is cheap to run before each job.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# --- system packages ----------------------------------------------------------------------------
# g++/make/python3 build the addon (node-gyp); libyuv-dev provides libyuv for the NV12 kernels;
# chromium renders the replay report in its test; cmake + ament-cmake let a test build and install the
# ROS package's layout without ROS. MNV4_SKIP_APT=1 skips this (e.g. no root).
APT_PACKAGES=(g++ make python3 pkg-config libyuv-dev chromium cmake ament-cmake)
if [ "${MNV4_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    log "installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# --- npm dependencies ---------------------------------------------------------------------------
# onnxruntime-node's postinstall would fetch GPU extras from the internet; its CPU binaries ship
# in the npm tarball, so the download is skipped (also denied in package.json allowScripts).
export ONNXRUNTIME_NODE_INSTALL=skip
lock_hash=$(sha256sum package-lock.json package.json | sha256sum | cut -c1-16)
if [ ! -f node_modules/.mnv4-installed ] || [ "$(cat node_modules/.mnv4-installed)" != "$lock_hash" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.mnv4-installed
fi

# --- native addon and BPU simulator -------------------------------------------------------------
# configure is cheap and picks up new source files; make rebuilds only what changed.
log "building the native addon"
npx --no-install node-gyp configure --loglevel=warn
npx --no-install node-gyp build -j 2 --loglevel=warn >/dev/null
log "building the BPU runtime simulator"
make -s -C native/bpu_sim

# --- TypeScript ---------------------------------------------------------------------------------
log "compiling TypeScript"
npx --no-install tsc -p tsconfig.json
bash scripts/rclnodejs-types.sh || log "could not fetch rclnodejs typings (test/ros/typecheck needs them)"
log "ready"
