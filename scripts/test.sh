#!/usr/bin/env bash
# Sets up whatever is missing, then runs every test: the Rust unit and HTTP
# tests against real databases (the HTTP suite three times: SQLite alone,
# Postgres alone, Postgres + Redis), then the Playwright suite in Debian's
# Chromium against a release build, with JavaScript on and off.
set -euo pipefail
"$(dirname "${BASH_SOURCE[0]}")/setup.sh"
"$(dirname "${BASH_SOURCE[0]}")/services.sh"
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$GATEHOUSE_ROOT"

logs="$(mktemp -d)"
# Tests that need Postgres, Redis, nginx or the OpenID Provider
# (testing/oidc) fail, rather than skip, when it is missing
# (server/tests/api/helpers/services.rs).
export GATEHOUSE_REQUIRE_SERVICES=1
started=$SECONDS
phase() { printf '\n\033[1;34m==> %s\033[0m (%ss so far)\n' "$*" "$((SECONDS - started))"; }

phase "cargo test (app and server; the HTTP suite on SQLite)"
set +e
# --no-fail-fast: one failing test binary must not skip the others. This
# pass also runs the HTTP suite's modules that pick their own backends, or
# need none (see own_backend below).
cargo test --no-fail-fast -p app -p server 2>&1 | tee "$logs/cargo.log"
cargo_status=${PIPESTATUS[0]}
set -e

# The HTTP suite (server/tests/api) again on each other backend: every
# module but those that choose their own or do not depend on one (marked
# `// own backends` where server/tests/api/main.rs declares them).
mapfile -t own_backend < <(sed -n 's|^mod \([a-z_0-9]*\); // own backends$|\1|p' server/tests/api/main.rs)
if [ "${#own_backend[@]}" -eq 0 ]; then
  echo "test.sh: no module of server/tests/api/main.rs is marked '// own backends'" >&2
  exit 1
fi
skip=()
for module in "${own_backend[@]}"; do skip+=(--skip "$module::"); done
for backend in postgres postgres+redis; do
  phase "the HTTP suite on $backend"
  set +e
  GATEHOUSE_TEST_BACKEND="$backend" cargo test -p server --test api -- "${skip[@]}" 2>&1 |
    tee -a "$logs/cargo.log"
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then cargo_status=$status; fi
done

phase "cargo leptos build --release --precompress --split"
cargo leptos build --release --precompress --split

phase "Playwright (Chromium, JavaScript on and off)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
E2E_PORT="$(free_port)"
# A second server with a short recent-authentication window (reauth tests).
E2E_REAUTH_PORT="$(free_port)"
# The OpenID Provider both servers offer (testing/oidc).
E2E_OIDC_PORT="$(free_port)"
export E2E_PORT E2E_REAUTH_PORT E2E_OIDC_PORT
export GATEHOUSE_SERVER_BIN="$CARGO_TARGET_DIR/release/server"
export LEPTOS_SITE_ROOT="$GATEHOUSE_ROOT/target/site"
set +e
(cd end2end && npx playwright test)
e2e_status=$?
set -e

# One closing line for the whole run.
read -r cargo_passed cargo_failed < <(awk '/^test result:/ {
    for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i }
  } END { print p + 0, f + 0 }' "$logs/cargo.log")
# A test binary that crashed or was killed reports no "test result" line.
if [ "$cargo_status" -ne 0 ] && [ "$cargo_failed" -eq 0 ]; then
  cargo_failed=1
fi
read -r e2e_passed e2e_failed < <(node -e '
  try {
    const s = require(process.argv[1]).stats;
    console.log(s.expected + s.flaky, s.unexpected);
  } catch { console.log(0, 1); }' "$GATEHOUSE_ROOT/end2end/test-results/results.json")
echo
echo "cargo test: $cargo_passed passed, $cargo_failed failed"
echo "playwright: $e2e_passed passed, $e2e_failed failed"
echo "took $((SECONDS - started))s"
echo "all: $((cargo_passed + e2e_passed)) passed, $((cargo_failed + e2e_failed)) failed"
if [ "$cargo_status" -ne 0 ] || [ "$e2e_status" -ne 0 ]; then
  exit 1
fi
