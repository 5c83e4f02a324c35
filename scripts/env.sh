# shellcheck shell=bash
# Source me (`source scripts/env.sh`) for Gatehouse's tools on PATH, the
# toolchain scripts/setup.sh chose, and the shared target directory. Safe in
# an interactive shell: it changes no shell options.

GATEHOUSE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export GATEHOUSE_ROOT
# Kept outside the clone so CI runs and fresh clones reuse one warm build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/gatehouse/target}"
export PATH="$HOME/.cargo/bin:$GATEHOUSE_ROOT/end2end/node_modules/.bin:$PATH"
if [ -f "$HOME/.cache/gatehouse/toolchain" ]; then
  RUSTUP_TOOLCHAIN="$(cat "$HOME/.cache/gatehouse/toolchain")"
  export RUSTUP_TOOLCHAIN
fi
CHROMIUM_PATH="$(command -v chromium || echo /usr/bin/chromium)"
export CHROMIUM_PATH
