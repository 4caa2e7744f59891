#!/usr/bin/env bash
# Resident set of geogate with the bundled database and a million accounts in the file directory: idle, and
# after a load run whose requests rotate over client addresses and account ids (most in the directory).
#
#   ./mvnw -q -B package -DskipTests -DskipUTs=true && bench/memory.sh            # the jar, the k8s JVM flags
#   TARGET=native bench/memory.sh                                                 # target/*-runner
#
# Settings (environment): ACCOUNTS (1000000), DURATION (30, seconds), CONNECTIONS (32), CPU (0: geogate's core; wrk and
# the upstream run on the other), JAVA_OPTS (the JVM flags of k8s/base/deployment.yaml for a 384 MiB limit).
# Needs wrk and nginx (Debian packages; bench/compare.sh installs them). Loopback only; stops what it starts.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ACCOUNTS=${ACCOUNTS:-1000000}
SECONDS_UNDER_LOAD=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-32}
CPU=${CPU:-0}
OTHER_CPU=$(( CPU == 0 ? 1 : 0 ))
TARGET=${TARGET:-jar}
JAVA_OPTS=${JAVA_OPTS:-"-XX:ActiveProcessorCount=1 -XX:+UseSerialGC -XX:MaxRAM=384m -XX:MaxRAMPercentage=50 -Xms96m"}
for tool in wrk nginx curl taskset; do command -v $tool >/dev/null || { echo "needs $tool" >&2; exit 1; }; done

TMP=$(mktemp -d /tmp/geogate-memory.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

awk -v n="$ACCOUNTS" 'BEGIN { split("DE FR GB US PK IN BR JP CA AU ES IT NL SE PL TR MX ZA NG EG", cc, " ");
  print "account,home"; for (i = 0; i < n; i++) printf "acct-%d,%s\n", i, cc[i % 20 + 1] }' >"$TMP/accounts.csv"
cat >"$TMP/upstream.conf" <<CONF
worker_processes 1; daemon off; error_log $TMP/upstream.err; pid $TMP/upstream.pid;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:18181; location / { return 200 "ok"; } } }
CONF
cat >"$TMP/policy.yaml" <<POLICY
datacenters:
  - name: upstream
    upstream: http://127.0.0.1:18181
    default: true
POLICY
sed -n '/^restrictions:/,$p' config/policy.yaml >>"$TMP/policy.yaml"
# Half the requests name an account (1 in 10 of those unknown to the directory), over 200 client addresses.
cat >"$TMP/load.lua" <<LUA
math.randomseed(42)
function request()
  local headers = { ["X-Forwarded-For"] = "85.214." .. math.random(0, 199) .. ".1" }
  if math.random() < 0.5 then headers["X-Account-Id"] = "acct-" .. math.random(0, math.floor($ACCOUNTS * 1.1)) end
  return wrk.format("GET", "/", headers)
end
LUA

taskset -c "$OTHER_CPU" nginx -p "$TMP/" -c "$TMP/upstream.conf" & pids+=($!)
props=(-Dgeogate.listen.host=127.0.0.1 -Dgeogate.listen.port=18180 -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port=19190
  -Dgeogate.geo.database="$ROOT/geo-data/geo-whois-asn-country.mmdb" -Dgeogate.policy.file="$TMP/policy.yaml"
  -Dgeogate.accounts.file="$TMP/accounts.csv" -Dgeogate.shutdown.drain-delay=0s)
if [[ $TARGET == native ]]; then
  runner=$(ls target/*-runner | head -1)
  taskset -c "$CPU" "$runner" "${props[@]}" >"$TMP/geogate.log" 2>&1 & pids+=($!)
  what="$(basename "$runner")"
else
  # shellcheck disable=SC2086
  taskset -c "$CPU" java $JAVA_OPTS "${props[@]}" -jar target/quarkus-app/quarkus-run.jar >"$TMP/geogate.log" 2>&1 & pids+=($!)
  what="java $JAVA_OPTS -jar"
fi
pid=${pids[-1]}
ready=0
for _ in $(seq 1 600); do
  curl -sf -o /dev/null http://127.0.0.1:19190/q/health/ready && { ready=1; break; }
  kill -0 "$pid" 2>/dev/null || { cat "$TMP/geogate.log" >&2; exit 1; }
  sleep 0.1
done
((ready)) || { echo "geogate not ready within 60 s" >&2; exit 1; }
curl -sf -o /dev/null http://127.0.0.1:18181/ || { echo "the upstream (nginx on 18181) does not answer" >&2; exit 1; }
count=$(curl -s http://127.0.0.1:19190/q/health/ready | grep -o '"count" *: *[0-9]*' | grep -o '[0-9]*$' || echo "?")
rss() { awk '/^VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ {printf "%.0f MB", $2 / 1024}' "/proc/$pid/status"; }
sleep 2
echo "bench/memory.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg): $what"
echo "accounts in the directory: $count; idle: $(rss)"
taskset -c "$OTHER_CPU" wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_UNDER_LOAD}s" -s "$TMP/load.lua" http://127.0.0.1:18180/ \
  >"$TMP/wrk.out" 2>&1 || { cat "$TMP/wrk.out" >&2; exit 1; }
result=$(grep -E "Requests/sec|Non-2xx" "$TMP/wrk.out" | tr -s ' ' | tr '\n' ';' || true)
echo "after ${SECONDS_UNDER_LOAD} s of wrk -c$CONNECTIONS ($result): $(rss), peak $(hwm)"
