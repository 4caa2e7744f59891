#!/usr/bin/env bash
# Decision-service throughput and latency on loopback: gRPC Check and HTTP forward-auth, visitor and refusal.
# Starts the packaged jar with the example policy and both decision ports, then runs io.geogate.bench.AuthzLoad.
# Usage: ./mvnw -q -B install -DskipTests && ./mvnw -q -B -f bench/pom.xml package && bench/authz.sh [seconds] [concurrency]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
concurrency=${2:-64}

log=$(mktemp)
java -Dgeogate.demo.enabled=true -Dgeogate.shutdown.drain-delay=0s \
  -Dgeogate.authz.grpc.port=8081 -Dgeogate.authz.http.port=8082 -jar target/quarkus-app/quarkus-run.jar >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:9000/q/health/ready && break; sleep 1; done
java -cp bench/target/benchmarks.jar io.geogate.bench.AuthzLoad 8081 8082 "$seconds" "$concurrency"
