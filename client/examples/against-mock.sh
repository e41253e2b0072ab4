#!/usr/bin/env bash
# Runs the client's examples against `allmhub mock`: no key, no network beyond 127.0.0.1, files written to a
# temporary folder. Each example must exit 0. Usage: client/examples/against-mock.sh [EXAMPLE...]
#
# Structured outputs and tool calls run too: the mock answers a request that sends a JSON Schema with a value
# of that schema, and one that offers tools with a call of one of them.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"

examples=("$@")
if [ ${#examples[@]} -eq 0 ]; then
    for file in client/examples/*.rs; do
        examples+=("$(basename "$file" .rs)")
    done
fi

# With the workspace's features (as `cargo test --workspace` builds them), so nothing is compiled twice.
cargo build --quiet --workspace --bins --examples

work="$(mktemp -d)"
"$target/debug/allmhub" mock --listen 127.0.0.1:0 > "$work/mock.out" 2> "$work/mock.err" &
mock=$!
trap 'kill "$mock" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    [ -s "$work/mock.out" ] && break
    sleep 0.1
done
url="$(head -n 1 "$work/mock.out")"
case "$url" in http://127.0.0.1:*) ;; *) echo "the mock did not start: $(cat "$work/mock.err")" >&2; exit 1 ;; esac

failed=()
for name in "${examples[@]}"; do
    binary="$(cd "$target/debug/examples" && pwd)/$name"
    if (cd "$work" && ALLMHUB_BASE_URL="$url" ALLMHUB_API_KEY=sk-mock ALLMHUB_ACCESS_TOKEN=mock-token \
        ALLMHUB_USER_ID=1 "$binary" > "$work/$name.out" 2>&1); then
        printf 'ok    %s\n' "$name"
    else
        printf 'FAIL  %s\n' "$name"
        sed 's/^/      /' "$work/$name.out" | tail -n 20
        failed+=("$name")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "${#failed[@]} example(s) failed against the mock: ${failed[*]}" >&2
    exit 1
fi
echo "${#examples[@]} examples ran against the mock"
