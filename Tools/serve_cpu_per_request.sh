#!/usr/bin/env bash
# CPU time of `neurodex serve` per neuron document: starts the server on STORE, warms it up,
# then asks for REQUESTS random neurons of layers 0..LAYERS-1 (NEURONS each) over one keep-alive
# connection and prints the server's user + system CPU per request (from /proc/PID/stat) and
# the requests/s the client saw. Run it for two binaries in turn (A B A B) to compare them.
#   bash Tools/serve_cpu_per_request.sh NEURODEX STORE [LAYERS 2] [NEURONS 1536] [REQUESTS 1000] [PORT 18199]
set -euo pipefail
neurodex=$1 store=$2 layers=${3:-2} neurons=${4:-1536} requests=${5:-1000} port=${6:-18199}
log=$(mktemp)
"$neurodex" serve --store "$store" --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 50); do grep -q "^Serving" "$log" && break; kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }; sleep 0.2; done
client() {
    python3 - "$port" "$layers" "$neurons" "$1" <<'PY'
import http.client, random, sys, time
port, layers, neurons, n = map(int, sys.argv[1:])
connection = http.client.HTTPConnection("127.0.0.1", port)
random.seed(1)
start = time.time()
for _ in range(n):
    connection.request("GET", f"/api/neurons/{random.randrange(layers)}/{random.randrange(neurons)}")
    response = connection.getresponse()
    response.read()
    assert response.status == 200, response.status
print(f"{n / (time.time() - start):.1f}")
PY
}
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
client 100 >/dev/null
before=$(cpu)
rate=$(client "$requests")
after=$(cpu)
ticks=$(getconf CLK_TCK)
echo "$(basename "$neurodex"): $(awk -v a="$after" -v b="$before" -v n="$requests" -v t="$ticks" 'BEGIN { printf "%.2f", (a - b) * 1000 / t / n }') ms CPU per request, $rate requests/s (1 client)"
