#!/usr/bin/env bash
# The GPU benchmarks on a machine with a GPU, from a bare Linux (Debian/Ubuntu) machine:
#   bash bench/device.sh [--repeat N] [--budget SECONDS]      (or: npm run bench:device -- …)
# Installs what is missing (Node, Chromium, the Vulkan/EGL loaders, the peers' python3 packages; apt and
# npm where they can be reached), finds the NVIDIA driver's Vulkan ICD and EGL vendor files, builds,
# then bench/deviceRun.ts: probes Chromium's flags until the adapter is hardware (says so when it is
# software, e.g. SwiftShader, and goes on as a smoke run), runs the GPU benches within the budget and
# writes one results file plus a summary and the log: $OUT/device-results.json, device-summary.md and
# device-log.txt when OUT is set, else in bench/. The dataset: ../shared/data/aia beside the checkout, shared/data/aia in it, or
# AIA_STUDIO_BENCH_DATA.
set -uo pipefail
cd "$(dirname "$0")/.."
out_dir=${OUT:-bench}
mkdir -p "$out_dir"
exec > >(tee "$out_dir/device-log.txt") 2>&1
started=$SECONDS
log() { printf '[device %3ds] %s\n' "$((SECONDS - started))" "$*"; }
fail() {
  log "FAILED: $*"
  exit 1
}

apt_updated=
apt_install() { # packages…: installs those apt knows, quietly; never fatal (the machine may have no apt mirror)
  command -v apt-get >/dev/null || { log "no apt-get: cannot install $*"; return 1; }
  if [ -z "$apt_updated" ]; then
    timeout 120 apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed (no mirror reachable?)"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
    { log "apt-get install $* failed"; return 1; }
}
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

# --- Node ≥ 20.10 and npm ---------------------------------------------------------------------------
node_ok() { command -v node >/dev/null && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=10)?0:1)'; }
node_ok || apt_install nodejs npm
node_ok || fail "Node ≥ 20.10 is needed (found: $(node --version 2>/dev/null || echo none)); put it on PATH and run again"
log "node $(node --version)"

# --- Chromium and the GPU loaders ---------------------------------------------------------------------
chromium=${AIA_STUDIO_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || apt_install chromium
[ -x "$chromium" ] || fail "no Chromium at $chromium (apt-get install chromium, or set AIA_STUDIO_CHROMIUM)"
log "$("$chromium" --version 2>/dev/null || echo "$chromium")"
has_lib libvulkan.so.1 || apt_install libvulkan1
has_lib libEGL.so.1 || apt_install libegl1 libgles2 libglvnd0
has_lib libvulkan.so.1 || log "no Vulkan loader (libvulkan.so.1): WebGPU and ANGLE-on-Vulkan cannot reach the GPU"

# The NVIDIA driver's Vulkan ICD and EGL vendor files: containers often mount the driver's libraries
# without them (or under /usr/local/nvidia); without them the loaders find no GPU and Chromium falls
# back to SwiftShader.
gl_files=$(mktemp -d)
first_file() { for f in "$@"; do [ -f "$f" ] && { echo "$f"; return 0; }; done; return 1; }
if icd=$(first_file /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
  /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/nvidia_icd.json); then
  :
elif has_lib libGLX_nvidia.so.0; then
  icd=$gl_files/nvidia_icd.json
  printf '{"file_format_version":"1.0.1","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3.0"}}\n' >"$icd"
fi
if [ -n "${icd:-}" ]; then
  export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd
  log "Vulkan ICD: $icd"
else
  log "no NVIDIA Vulkan ICD found (nvidia_icd.json, libGLX_nvidia.so.0)"
fi
if egl=$(first_file /usr/share/glvnd/egl_vendor.d/10_nvidia.json /etc/glvnd/egl_vendor.d/10_nvidia.json \
  /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json); then
  :
elif has_lib libEGL_nvidia.so.0; then
  egl=$gl_files/10_nvidia.json
  printf '{"file_format_version":"1.0.0","ICD":{"library_path":"libEGL_nvidia.so.0"}}\n' >"$egl"
fi
if [ -n "${egl:-}" ]; then
  export __EGL_VENDOR_LIBRARY_FILENAMES=$egl
  log "EGL vendor: $egl"
else
  log "no NVIDIA EGL vendor file found (10_nvidia.json, libEGL_nvidia.so.0)"
fi
command -v nvidia-smi >/dev/null && log "$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader)"

# --- the CPU peers (optional: the bench says when they are missing) ------------------------------------
if [ -x /usr/bin/python3 ] && ! /usr/bin/python3 -c 'import cv2, pyfftw' >/dev/null 2>&1; then
  apt_install python3-opencv python3-pyfftw || log "peers (OpenCV, FFTW) will be reported as not timed"
fi

# --- the dataset --------------------------------------------------------------------------------------
if [ -z "${AIA_STUDIO_BENCH_DATA:-}" ]; then
  for d in ../shared/data/aia shared/data/aia; do
    [ -d "$d/fullres_l1_synthetic" ] && { export AIA_STUDIO_BENCH_DATA=$(cd "$d" && pwd); break; }
  done
fi
[ -n "${AIA_STUDIO_BENCH_DATA:-}" ] ||
  fail "no benchmark dataset: copy shared/data/aia (fullres_l1_synthetic/, lowres_l1/) beside or into the checkout, or set AIA_STUDIO_BENCH_DATA"
log "dataset: $AIA_STUDIO_BENCH_DATA"

# --- install and build -----------------------------------------------------------------------------------
if [ ! -d node_modules ]; then
  log "npm ci (builds dist/ too)"
  npm ci --no-audit --no-fund || fail "npm ci failed (is the npm registry reachable?)"
else
  log "npm run build"
  npm run build >"$gl_files/build.log" 2>&1 || { tail -40 "$gl_files/build.log"; fail "npm run build failed"; }
fi
[ -f dist/bench/deviceRun.js ] || fail "dist/bench/deviceRun.js missing after the build"

log "setup done; the benches"
node dist/bench/deviceRun.js --out "$out_dir" "$@"
