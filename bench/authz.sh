#!/usr/bin/env bash
# Decision-service throughput and latency on loopback: gRPC Check and HTTP forward-auth, visitor and refusal,
# with the gateway's CPU time per decision. As in bench/compare.sh, the gateway runs alone on one core (CPU 0,
# one event loop, the same JVM flags) and the load generator on the other, so a decision's CPU cost can be set
# beside a proxied request's (compare.sh's "CPU µs/request").
# Usage: ./mvnw -q -B install -DskipTests && ./mvnw -q -B -f bench/pom.xml package && bench/authz.sh [seconds] [concurrency]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
concurrency=${2:-64}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
GEOGATE_JAVA_OPTS=${GEOGATE_JAVA_OPTS:-"-XX:ActiveProcessorCount=1 -XX:+UseSerialGC -Xms256m -Xmx256m -XX:+AlwaysPreTouch -Dquarkus.vertx.event-loops-pool-size=1"}
for port in 7001 7002 7003 8080 8081 8082 9000; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is taken" >&2; exit 1; fi
done

log=$(mktemp)
# shellcheck disable=SC2086
taskset -c "$PROXY_CPU" java $GEOGATE_JAVA_OPTS -Dgeogate.demo.enabled=true -Dgeogate.shutdown.drain-delay=0s \
  -Dgeogate.authz.grpc.port=8081 -Dgeogate.authz.http.port=8082 -jar target/quarkus-app/quarkus-run.jar >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
ready=0
for _ in $(seq 1 60); do curl -sf -o /dev/null http://127.0.0.1:9000/q/health/ready && { ready=1; break; }; sleep 1; done
((ready)) || { cat "$log" >&2; echo "geogate not ready within 60 s" >&2; exit 1; }
echo "bench/authz.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, gateway on CPU $PROXY_CPU: \`$GEOGATE_JAVA_OPTS\`"
taskset -c "$LOAD_CPU" java -cp bench/target/benchmarks.jar io.geogate.bench.AuthzLoad 8081 8082 "$seconds" "$concurrency" \
  "$pid" "$(getconf CLK_TCK)"
