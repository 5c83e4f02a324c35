#!/usr/bin/env bash
# Sets up whatever is missing (the toolchain, Postgres, Redis, wrk), builds
# the release server and site, and prints the benchmark tables: one per
# backend, measured with wrk on 127.0.0.1. Takes about 3 minutes after the
# build; BENCH_SECS (default 10) sets the length of each workload. Not part
# of the test command: it measures, it does not pass or fail.
set -euo pipefail
"$(dirname "${BASH_SOURCE[0]}")/setup.sh"
"$(dirname "${BASH_SOURCE[0]}")/services.sh"
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$GATEHOUSE_ROOT"

if ! command -v wrk >/dev/null; then
  printf '\033[1;34mbench:\033[0m apt-get install wrk\n' >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

cargo leptos build --release --precompress --split >&2
export GATEHOUSE_SERVER_BIN="$CARGO_TARGET_DIR/release/server"
export LEPTOS_SITE_ROOT="$GATEHOUSE_ROOT/target/site"
# Optimised too: the harness runs the two yardsticks itself (a bare axum
# hello, and argon2 at the server's parameters), which must be as fast as
# a release build can make them.
cargo build -q --release -p server --example bench
exec "$CARGO_TARGET_DIR/release/examples/bench"
