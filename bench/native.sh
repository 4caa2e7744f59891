#!/usr/bin/env bash
# The native executable's figures for the README: binary size, time from process start to /q/health/ready 200,
# resident set idle and after a load run (wrk, Debian package wrk), all on loopback.
# Starts the executable on its embedded defaults with the example datacenters (from the repository root, where
# config/ and geo-data/ are).
# Usage: ./mvnw -B package -DskipTests -Pnative -Dquarkus.native.graalvm-home=$GRAALVM_HOME && bench/native.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
connections=${2:-16}
runner=$(ls target/*-runner 2>/dev/null | head -1)
[ -x "$runner" ] || { echo "no native executable in target/: build it with -Pnative" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
curl -s -o /dev/null --max-time 1 http://127.0.0.1:9000/ && { echo "port 9000 is taken" >&2; exit 1; }

rss() { awk '/^VmRSS/ {printf "%.1f MB", $2 / 1024}' "/proc/$1/status"; }
peak() { awk '/^VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$1/status"; }

echo "binary: $runner, $(stat -c %s "$runner" | awk '{printf "%.1f MB", $1 / 1048576}')"
log=$(mktemp)
start=$(date +%s%N)
"$runner" -Dgeogate.demo.enabled=true -Dgeogate.shutdown.drain-delay=0s >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
until curl -sf -o /dev/null --max-time 1 http://127.0.0.1:9000/q/health/ready; do
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  [ $(( ($(date +%s%N) - start) / 1000000 )) -lt 30000 ] || { echo "not ready within 30 s" >&2; exit 1; }
  sleep 0.005
done
echo "ready: $(( ($(date +%s%N) - start) / 1000000 )) ms after the process was started"
sleep 2
echo "rss idle: $(rss $pid)"
wrk -t1 -c"$connections" -d"${seconds}s" -H 'X-Forwarded-For: 85.214.0.1' http://127.0.0.1:8080/ | grep -E "requests in|Requests/sec|Non-2xx"
echo "rss after load: $(rss $pid), peak $(peak $pid)"
