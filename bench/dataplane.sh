#!/usr/bin/env bash
# Data-plane throughput and latency on loopback, with wrk (Debian package wrk).
# Starts the packaged jar on its embedded defaults with the example datacenters, then measures:
#   direct   - the example datacenter alone (the floor: what the upstream costs)
#   visitor  - through geogate: decided (visitor), proxied to frankfurt
#   refused  - through geogate: refused with 451 problem+json
# Usage: ./mvnw -q -B package -DskipTests && bench/dataplane.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
connections=${2:-64}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

log=$(mktemp)
java -Dgeogate.demo.enabled=true -Dgeogate.shutdown.drain-delay=0s -jar target/quarkus-app/quarkus-run.jar >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:9000/q/health/ready && break; sleep 1; done

run() {
  echo "== $1"
  shift
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" | grep -E "Requests/sec|Latency  |50%|99%|Non-2xx"
}
# Warm-up, then the measured runs.
wrk -t2 -c"$connections" -d5s -H 'X-Forwarded-For: 39.32.0.1' -H 'X-Account-Id: bob' http://127.0.0.1:8080/ >/dev/null
run direct http://127.0.0.1:7002/
run visitor -H 'X-Forwarded-For: 39.32.0.1' -H 'X-Account-Id: bob' http://127.0.0.1:8080/
run refused -H 'X-Forwarded-For: 39.32.0.1' http://127.0.0.1:8080/
