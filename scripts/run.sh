#!/usr/bin/env bash
# Sets up whatever is missing, then builds and serves Gatehouse on
# http://127.0.0.1:3000 with the embedded SQLite database under data/.
set -euo pipefail
"$(dirname "${BASH_SOURCE[0]}")/setup.sh"
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$GATEHOUSE_ROOT"
exec cargo leptos serve --release --precompress --split "$@"
