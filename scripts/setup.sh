#!/usr/bin/env bash
# Installs whatever is missing to build, run and test Gatehouse, and nothing
# that is already there: a second run takes a fraction of a second. Then
# `source scripts/env.sh` puts the tools on PATH (scripts/run.sh and
# scripts/test.sh do both).
#
# Each tool is installed once per machine; the comments at each step say
# why it is done the way it is (README, "Developing", has the timings).

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
RUST_VERSION="1.96.0"
CARGO_LEPTOS_VERSION="0.3.11"
STATE_DIR="$HOME/.cache/gatehouse"
mkdir -p "$STATE_DIR" "$CARGO_TARGET_DIR"
# Chosen afresh below; env.sh reads the choice back from $STATE_DIR/toolchain.
unset RUSTUP_TOOLCHAIN

say() { printf '\033[1;34msetup:\033[0m %s\n' "$*" >&2; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- Rust and the wasm32 target -------------------------------------------
# rustup where it can download; otherwise Debian's rustc-web with a wasm32
# std built once from rust-web-src (the route verified in TOOLCHAIN.md).
rust_from_rustup() {
  command -v rustup >/dev/null || return 1
  if ! rustup toolchain list | grep -q "^$RUST_VERSION"; then
    say "installing Rust $RUST_VERSION with rustup"
    timeout 300 rustup toolchain install "$RUST_VERSION" --profile minimal >&2 || return 1
  fi
  if ! rustup target list --installed --toolchain "$RUST_VERSION" | grep -q wasm32-unknown-unknown; then
    say "adding the wasm32 target"
    timeout 300 rustup target add wasm32-unknown-unknown --toolchain "$RUST_VERSION" >&2 || return 1
  fi
  export RUSTUP_TOOLCHAIN="$RUST_VERSION"
}

rust_from_debian() {
  local stamp="$STATE_DIR/debian-wasm-std.stamp"
  dpkg -s rustc-web cargo-web rust-web-src lld-22 >/dev/null 2>&1 ||
    apt_install rustc-web cargo-web rust-web-src lld-22 || return 1
  if [ ! -f "$stamp" ]; then
    say "building the wasm32 std with Debian's rustc (once)"
    local seed dest=/usr/lib/rustlib/wasm32-unknown-unknown/lib
    seed="$(mktemp -d)"
    mkdir -p "$seed/src" "$dest"
    printf '[package]\nname = "seed"\nversion = "0.0.0"\nedition = "2021"\n[lib]\ncrate-type = ["rlib"]\n[profile.release]\nlto = true\n' >"$seed/Cargo.toml"
    echo 'pub fn seed() {}' >"$seed/src/lib.rs"
    # Debian's cargo and rustc, not rustup's proxies.
    (cd "$seed" && env -u RUSTUP_TOOLCHAIN PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$seed/target" \
      /usr/bin/cargo build --release --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort,test >&2) ||
      return 1
    find "$seed/target/wasm32-unknown-unknown/release/deps" \( -name 'lib*.rlib' -o -name 'lib*.rmeta' \) \
      ! -name 'libseed*' -exec cp {} "$dest/" \; || return 1
    rm -rf "$seed"
    touch "$stamp"
  fi
  rustup toolchain list | grep -q '^debian' || rustup toolchain link debian /usr || return 1
  export RUSTUP_TOOLCHAIN=debian
}

# GATEHOUSE_RUST=debian forces the fallback (to test it on a machine where
# rustup works).
if [ "${GATEHOUSE_RUST:-}" = debian ] || ! rust_from_rustup; then
  say "using Debian's rustc-web (rustup could not fetch Rust $RUST_VERSION, or GATEHOUSE_RUST=debian)"
  rust_from_debian || { say "could not set up a Rust toolchain with a wasm32 target"; exit 1; }
fi

# --- cargo-leptos and wasm-bindgen -----------------------------------------
if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (5 to 15 minutes on two cores, once per machine)"
  # A lighter release profile for the tool itself roughly halves the time.
  CARGO_TARGET_DIR="$STATE_DIR/tool-target" \
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked >&2
fi

# The CLI must be exactly the wasm-bindgen the lockfile resolved.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' "$GATEHOUSE_ROOT/Cargo.lock")"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  CARGO_TARGET_DIR="$STATE_DIR/tool-target" cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force >&2
fi

# --- Node packages: Playwright and wasm-opt (binaryen) ----------------------
if ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi
lock_hash="$(sha256sum "$GATEHOUSE_ROOT/end2end/package-lock.json" | cut -c1-16)"
if [ "$(cat "$GATEHOUSE_ROOT/end2end/node_modules/.gatehouse-lock" 2>/dev/null)" != "$lock_hash" ]; then
  say "npm ci in end2end/"
  (cd "$GATEHOUSE_ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund >&2)
  echo "$lock_hash" >"$GATEHOUSE_ROOT/end2end/node_modules/.gatehouse-lock"
fi

# The OpenID Provider the tests run (testing/oidc: oidc-provider), the
# same way.
oidc_hash="$(sha256sum "$GATEHOUSE_ROOT/testing/oidc/package-lock.json" | cut -c1-16)"
if [ "$(cat "$GATEHOUSE_ROOT/testing/oidc/node_modules/.gatehouse-lock" 2>/dev/null)" != "$oidc_hash" ]; then
  say "npm ci in testing/oidc/"
  (cd "$GATEHOUSE_ROOT/testing/oidc" && npm ci --no-audit --no-fund >&2)
  echo "$oidc_hash" >"$GATEHOUSE_ROOT/testing/oidc/node_modules/.gatehouse-lock"
fi

# --- Chromium for Playwright: Debian's, never a downloaded one --------------
if ! command -v chromium >/dev/null; then
  apt_install chromium
fi
# A Korean font, so the Korean pages' screenshots show Hangul, not boxes
# (Nanum Gothic: about 10 MB, against 60 for Noto CJK).
if ! dpkg -s fonts-nanum >/dev/null 2>&1; then
  apt_install fonts-nanum
fi

# --- nginx, for the proxy tests (started by the test itself) --------------
# RUNLEVEL=1 keeps the package from starting a system nginx on port 80.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  RUNLEVEL=1 apt_install nginx
fi

# --- OpenSSL's headers: webauthn-rs (passkeys) links the system OpenSSL ---
if ! dpkg -s libssl-dev >/dev/null 2>&1 || ! command -v pkg-config >/dev/null; then
  apt_install libssl-dev pkg-config
fi

echo "$RUSTUP_TOOLCHAIN" >"$STATE_DIR/toolchain"

say "ready: $(rustc --version), $(cargo leptos --version), wasm-bindgen $WASM_BINDGEN_VERSION"
