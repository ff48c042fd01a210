# Shared helpers for the README commands. Sourced, not run.
# Everything here is idempotent and quiet when the work is already done.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${VL_BUILD:-$ROOT/build}
export NODE_PATH=/usr/share/nodejs  # emcc's -O2 link step needs acorn from Debian's node modules

log() { printf '[vaultlink] %s\n' "$*" >&2; }

APT_PACKAGES=(cmake make gcc clang libclang-rt-14-dev llvm emscripten chromium dpkg-dev
              clang-format clang-tidy cppcheck xz-utils ca-certificates websockify openssl)

ensure_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  if [ ! -f /var/lib/apt/lists/.vaultlink-updated ]; then
    $sudo apt-get update -qq >/dev/null && $sudo touch /var/lib/apt/lists/.vaultlink-updated
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_npm() {
  local stamp=$ROOT/node_modules/.vaultlink-lock
  if [ -f "$stamp" ] && cmp -s "$ROOT/package-lock.json" "$stamp"; then return 0; fi
  log "npm ci"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$ROOT/package-lock.json" "$stamp"
}

ensure_deps() { "$ROOT/scripts/deps"; }

# The shipped JS (web/lib/, esbuild bundles of web/src/): remade when a source changed.
build_js() {
  local out=$ROOT/web/lib/vault.js
  if [ -f "$out" ] && [ -z "$(find "$ROOT/web/src" "$ROOT/scripts/minify.mjs" -newer "$out" -print -quit)" ]; then return 0; fi
  (cd "$ROOT" && node scripts/minify.mjs)
}

# Configure and build one CMake tree if anything changed; quiet unless it fails.
cmake_build() {
  local dir=$1; shift
  local out; out=$(mktemp)
  if ! { [ -f "$dir/CMakeCache.txt" ] || "$@" >"$out" 2>&1; } || ! cmake --build "$dir" -j2 >"$out" 2>&1; then
    cat "$out" >&2; rm -f "$out"; return 1
  fi
  rm -f "$out"
}

build_native() {
  cmake_build "$BUILD/native" cmake -S "$ROOT" -B "$BUILD/native" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DVL_DEPS_DIR="$BUILD/deps"
}

build_wasm() {
  cmake_build "$BUILD/wasm" emcmake cmake -S "$ROOT" -B "$BUILD/wasm" -DCMAKE_BUILD_TYPE=Release \
    -DVL_DEPS_DIR="$BUILD/deps"
}

ensure_all() {
  ensure_apt "${APT_PACKAGES[@]}"
  # Node >= 20 may come from elsewhere than Debian (its npm conflicts with Debian's).
  command -v node >/dev/null && command -v npm >/dev/null || ensure_apt nodejs npm
  ensure_deps
  ensure_npm
  build_native
  build_wasm
  build_js
  # The tunnel's default trust anchors (Debian's CA bundle as DER): made once.
  [ -f "$ROOT/web/dist/roots.der" ] || "$ROOT/scripts/roots" >/dev/null
}
