#!/usr/bin/env bash
# geogate against nginx + geoip2 on the same decisions, the same MMDB file and the same single core.
#
#   ./mvnw -q -B package -DskipTests -DskipUTs=true && bench/compare.sh          # ~13 minutes
#   QUICK=1 bench/compare.sh                                                     # ~2 minutes, to check it works
#
# What it does (loopback only, everything it starts is stopped on exit):
#   - installs nginx, libnginx-mod-http-geoip2 and wrk from Debian when missing (as root; the package
#     install is kept from starting the system nginx service, which this script never touches);
#   - samples ADDRESSES client addresses from the bundled database (bench/compare/SampleAddresses.java),
#     REFUSED_PERCENT of them in REFUSED_COUNTRY, the rest spread over every other country;
#   - the upstream: an nginx of its own returning a fixed 100-byte body, on LOAD_CPU;
#   - the proxies under test, each alone on PROXY_CPU (taskset):
#       nginx + geoip2: realip from X-Forwarded-For (trusted 127.0.0.1), geoip2 country_code lookup, a map
#         that answers 451 (geogate's problem+json body and headers) for REFUSED_COUNTRY, the rest proxied
#         to the upstream with keep-alive; refusals logged like geogate's audit lines;
#       geogate: the packaged jar with GEOGATE_JAVA_OPTS, trusted proxy 127.0.0.1, a policy whose one
#         (default) datacenter is the upstream and whose restrictions are config/policy.yaml's;
#   - checks that both proxies answer every sampled address alike (451 exactly for REFUSED_COUNTRY);
#   - for each target (upstream directly as the floor, nginx, geogate) and each connection count: starts
#     the target afresh, measures the first COLD_SECONDS, runs WARMUP_SECONDS unmeasured, measures
#     MEASURE_SECONDS; wrk (one thread, on LOAD_CPU) rotates X-Forwarded-For over the addresses;
#   - prints a Markdown table (req/s, p50, p99, p99.9, and geogate/nginx ratios) and writes it to
#     target/compare.md.
#
# Settings (environment): QUICK=1 (3 s per phase), COLD_SECONDS (10), WARMUP_SECONDS (60),
# MEASURE_SECONDS (30), CONNECTIONS ("32 256"), TARGETS ("upstream nginx geogate"), WRK_THREADS (1),
# WRK_TIMEOUT (10s: a slower answer is a socket error, not a latency),
# ADDRESSES (1000), REFUSED_PERCENT (10), REFUSED_COUNTRY (PK: what config/policy.yaml refuses anonymous
# clients from; the nginx side answers with its body, and the agreement check fails for any other), SEED (42),
# PROXY_CPU (0), LOAD_CPU (1), GEOGATE_JAVA_OPTS and NATIVE_OPTS (see below), RUNNER (the native
# executable; TARGETS="... native" measures it too: build the jar, then native), KEEP_TMP=1 keeps the temporary directory
# (configs, logs). The sampled addresses are kept in target/compare-addresses-*.txt for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [[ "${QUICK:-0}" == 1 ]]; then
  COLD_SECONDS=${COLD_SECONDS:-3}; WARMUP_SECONDS=${WARMUP_SECONDS:-3}; MEASURE_SECONDS=${MEASURE_SECONDS:-3}
else
  COLD_SECONDS=${COLD_SECONDS:-10}; WARMUP_SECONDS=${WARMUP_SECONDS:-60}; MEASURE_SECONDS=${MEASURE_SECONDS:-30}
fi
CONNECTIONS=${CONNECTIONS:-"32 256"}
TARGETS=${TARGETS:-"upstream nginx geogate"}
WRK_THREADS=${WRK_THREADS:-1}
WRK_TIMEOUT=${WRK_TIMEOUT:-10s}
ADDRESSES=${ADDRESSES:-1000}
REFUSED_PERCENT=${REFUSED_PERCENT:-10}
REFUSED_COUNTRY=${REFUSED_COUNTRY:-PK}
SEED=${SEED:-42}
PROXY_CPU=${PROXY_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
DB=${DB:-$ROOT/geo-data/geo-whois-asn-country.mmdb}
JAR=$ROOT/target/quarkus-app/quarkus-run.jar
NGINX_MODULES=${NGINX_MODULES:-/usr/lib/nginx/modules}
# One core: the JVM sizes its compiler and GC threads for one CPU (and picks the serial collector, named
# here so that it does not depend on the heap size); a fixed, pre-touched heap so that heap growth is not
# part of the measurement; one Vert.x event loop (quarkus.vertx.event-loops-pool-size, which the data plane
# also deploys one server per), like nginx's one worker.
GEOGATE_JAVA_OPTS=${GEOGATE_JAVA_OPTS:-"-XX:ActiveProcessorCount=1 -XX:+UseSerialGC -Xms256m -Xmx256m -XX:+AlwaysPreTouch -Dquarkus.vertx.event-loops-pool-size=1"}
# The native executable (TARGETS with "native"): target/*-runner, the same heap and one event loop.
RUNNER=${RUNNER:-$(ls "$ROOT"/target/*-runner 2>/dev/null | head -1 || true)}
NATIVE_OPTS=${NATIVE_OPTS:-"-Xms256m -Xmx256m -Dquarkus.vertx.event-loops-pool-size=1"}

log() { echo "compare: $*" >&2; }
die() { log "$*"; exit 1; }

[[ -f "$JAR" ]] || die "no $JAR: build it first with ./mvnw -q -B package -DskipTests -DskipUTs=true"
[[ -f "$DB" ]] || die "no geo database at $DB"
if [[ " $TARGETS " == *" native "* ]]; then
  [[ -x "$RUNNER" ]] || die "no native executable in target/: build it with ./mvnw -B package -DskipTests -Pnative (after the jar)"
fi

# --- Tools, from Debian when missing ------------------------------------------------------------------
missing=()
command -v nginx >/dev/null || missing+=(nginx)
[[ -f "$NGINX_MODULES/ngx_http_geoip2_module.so" ]] || missing+=(libnginx-mod-http-geoip2)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v taskset >/dev/null || missing+=(util-linux)
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}: run as root or apt-get install them"
  log "installing ${missing[*]} from Debian"
  # A package's install script must not start the system nginx (port 80): policy-rc.d forbids it, if none is set.
  policy_set=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_set=1
  fi
  rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >&2 || rc=$?
  if ((policy_set)); then rm -f /usr/sbin/policy-rc.d; fi
  ((rc == 0)) || die "apt-get install failed"
fi
[[ $(nproc) -ge 2 ]] || log "warning: fewer than 2 CPUs; proxy and load share one"

# --- Temporary directory, processes, cleanup ---------------------------------------------------------
TMP=$(mktemp -d /tmp/geogate-compare.XXXXXX)
declare -A PIDS=()
stop() { # name
  local pid=${PIDS[$1]:-}
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$1]"
}
cleanup() {
  local name
  for name in "${!PIDS[@]}"; do stop "$name"; done
  if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Free loopback ports (a port is taken when something accepts a connection on it).
declare -A TAKEN=()
pick_port() { # variable
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    [[ -z "${TAKEN[$p]:-}" ]] || continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      TAKEN[$p]=1
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  die "no free port found"
}
pick_port UPSTREAM_PORT; pick_port NGINX_PORT; pick_port GEOGATE_PORT; pick_port GEOGATE_ADMIN_PORT

# Waits until a URL answers 2xx; sets READY_MS to the milliseconds since $2 (an epoch in ms).
wait_ready() { # url start_ms name [header]
  local deadline=$(($(date +%s) + 60))
  while (($(date +%s) < deadline)); do
    if [[ -n "${PIDS[$3]:-}" ]] && ! kill -0 "${PIDS[$3]}" 2>/dev/null; then
      tail -30 "$TMP/$3.log" >&2 || true
      die "$3 exited during start-up"
    fi
    if curl -sf -o /dev/null --max-time 1 ${4:+-H "$4"} "$1"; then
      READY_MS=$(($(date +%s%3N) - $2))
      return 0
    fi
    sleep 0.05
  done
  tail -30 "$TMP/$3.log" >&2 || true
  die "$3 not ready within 60 s"
}

# --- Configurations -----------------------------------------------------------------------------------
BODY=$(printf 'x%.0s' $(seq 1 100))   # the upstream's fixed 100-byte body
nginx_common() { # name
  cat <<EOF
daemon off;
worker_processes 1;
pid $TMP/$1.pid;
error_log $TMP/$1.log warn;
events { worker_connections 4096; }
EOF
}
nginx_http_common() { # name
  cat <<EOF
  access_log off;
  client_body_temp_path $TMP/$1-body; proxy_temp_path $TMP/$1-proxy; fastcgi_temp_path $TMP/$1-fastcgi;
  uwsgi_temp_path $TMP/$1-uwsgi; scgi_temp_path $TMP/$1-scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  server_tokens off;
EOF
}

{
  nginx_common upstream
  echo "http {"
  nginx_http_common upstream
  cat <<EOF
  server {
    listen 127.0.0.1:$UPSTREAM_PORT backlog=4096;
    default_type text/plain;
    location / { return 200 "$BODY"; }
  }
}
EOF
} >"$TMP/upstream.conf"

# The refusal exactly as geogate answers it for the example policy's PK restriction (checked below).
REFUSAL_BODY='{"type":"about:blank","title":"Unavailable For Legal Reasons","status":451,"detail":"Service withdrawn from Pakistan by government order","reason":"anonymous-in-restricted-country","country":"PK","cutoff":"2015-12-29T19:00:00Z"}'
{
  echo "load_module $NGINX_MODULES/ngx_http_geoip2_module.so;"
  nginx_common nginx
  echo "http {"
  nginx_http_common nginx
  cat <<EOF
  # The client: X-Forwarded-For walked right to left past the trusted proxy, as geogate does.
  set_real_ip_from 127.0.0.1;
  real_ip_header X-Forwarded-For;
  real_ip_recursive on;
  # The flat country_code schema of the bundled database; no country is "" (allowed, as unknown-country: allow).
  geoip2 $DB {
    \$geoip2_country_code country_code;
  }
  map \$geoip2_country_code \$refused {
    default 0;
    $REFUSED_COUNTRY 1;
  }
  map \$refused \$refused_link { 1 '<https://example.com/legal/pk>; rel="blocked-by"'; default ''; }
  map \$refused \$refused_cache { 1 'no-store'; default ''; }
  # Refusals are logged, as geogate's audit log does (a JSON line of about the same length, from a buffer).
  log_format refusal escape=json '{"time":"\$time_iso8601","event":"refuse","client":"\$remote_addr",'
    '"country":"\$geoip2_country_code","account":null,"home":null,"restriction":"$REFUSED_COUNTRY",'
    '"cutoff":"2015-12-29T19:00:00Z","reason":"anonymous-in-restricted-country","datacenter":"upstream"}';
  upstream datacenter {
    server 127.0.0.1:$UPSTREAM_PORT;
    keepalive 256;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=4096;
    access_log $TMP/nginx-refusals.log refusal buffer=64k flush=1s if=\$refused;
    location / {
      add_header Link \$refused_link always;
      add_header Cache-Control \$refused_cache always;
      if (\$refused) {
        return 451 '$REFUSAL_BODY';
      }
      proxy_pass http://datacenter;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For "\$http_x_forwarded_for, \$realip_remote_addr";
      proxy_set_header X-Geo-Country \$geoip2_country_code;
      proxy_set_header X-Geogate-Decision allow;
    }
  }
  types { }
  default_type application/problem+json;
}
EOF
} >"$TMP/nginx.conf"

# geogate's policy: the example's restrictions, one default datacenter that is the upstream.
{
  cat <<EOF
datacenters:
  - name: upstream
    upstream: http://127.0.0.1:$UPSTREAM_PORT
    default: true
EOF
  sed -n '/^restrictions:/,$p' "$ROOT/config/policy.yaml"
} >"$TMP/policy.yaml"

start() { # name; sets READY_MS
  local start_ms
  start_ms=$(date +%s%3N)
  case $1 in
    upstream)
      taskset -c "$LOAD_CPU" nginx -p "$TMP/" -e "$TMP/upstream.log" -c "$TMP/upstream.conf" >>"$TMP/upstream.log" 2>&1 &
      PIDS[upstream]=$!
      wait_ready "http://127.0.0.1:$UPSTREAM_PORT/" "$start_ms" upstream ;;
    nginx)
      taskset -c "$PROXY_CPU" nginx -p "$TMP/" -e "$TMP/nginx.log" -c "$TMP/nginx.conf" >>"$TMP/nginx.log" 2>&1 &
      PIDS[nginx]=$!
      wait_ready "http://127.0.0.1:$NGINX_PORT/" "$start_ms" nginx ;;
    geogate|native)
      local command
      if [[ $1 == geogate ]]; then
        # shellcheck disable=SC2206
        command=(java $GEOGATE_JAVA_OPTS)
      else
        # shellcheck disable=SC2206
        command=("$RUNNER" $NATIVE_OPTS)
      fi
      taskset -c "$PROXY_CPU" "${command[@]}" \
        -Dgeogate.listen.host=127.0.0.1 -Dgeogate.listen.port="$GEOGATE_PORT" \
        -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$GEOGATE_ADMIN_PORT" \
        -Dgeogate.trusted-proxies=127.0.0.1/32 \
        -Dgeogate.geo.database="$DB" -Dgeogate.policy.file="$TMP/policy.yaml" \
        -Dgeogate.accounts.file="$ROOT/config/accounts.csv" \
        -Dgeogate.shutdown.drain-delay=0s -Dgeogate.shutdown.timeout=5s \
        $([[ $1 == geogate ]] && echo "-jar $JAR") >>"$TMP/$1.log" 2>&1 &
      PIDS[$1]=$!
      wait_ready "http://127.0.0.1:$GEOGATE_ADMIN_PORT/q/health/ready" "$start_ms" "$1"
      # Ready means the data plane answers too: through to the upstream.
      wait_ready "http://127.0.0.1:$GEOGATE_PORT/" "$start_ms" "$1" "X-Forwarded-For: $ALLOWED_ADDRESS" ;;
  esac
}
url_of() {
  case $1 in
    upstream) echo "http://127.0.0.1:$UPSTREAM_PORT/" ;;
    nginx) echo "http://127.0.0.1:$NGINX_PORT/" ;;
    geogate|native) echo "http://127.0.0.1:$GEOGATE_PORT/" ;;
  esac
}

# --- Client addresses ---------------------------------------------------------------------------------
mkdir -p "$ROOT/target"
db_sum=$(sha256sum "$DB" | cut -c1-12)
ADDRESS_FILE="$ROOT/target/compare-addresses-$db_sum-$ADDRESSES-$REFUSED_COUNTRY-$REFUSED_PERCENT-$SEED.txt"
if [[ ! -s "$ADDRESS_FILE" ]]; then
  log "sampling $ADDRESSES addresses from $DB"
  maxmind=$(ls "$ROOT"/target/quarkus-app/lib/main/com.maxmind.db.maxmind-db-*.jar | head -1)
  java -cp "$maxmind" "$ROOT/bench/compare/SampleAddresses.java" "$DB" "$ADDRESSES" "$REFUSED_PERCENT" \
    "$REFUSED_COUNTRY" "$SEED" >"$ADDRESS_FILE.tmp"
  mv "$ADDRESS_FILE.tmp" "$ADDRESS_FILE"
fi
export COMPARE_ADDRESSES=$ADDRESS_FILE
ALLOWED_ADDRESS=$(awk -v c="$REFUSED_COUNTRY" '$2 != c {print $1; exit}' "$ADDRESS_FILE")
expected_refused=$(awk -v c="$REFUSED_COUNTRY" '$2 == c' "$ADDRESS_FILE" | wc -l)
countries=$(awk '{print $2}' "$ADDRESS_FILE" | sort -u | wc -l)
log "$(wc -l <"$ADDRESS_FILE") addresses, $countries countries, $expected_refused in $REFUSED_COUNTRY"

cells=0; for _ in $TARGETS; do for _ in $CONNECTIONS; do cells=$((cells + 1)); done; done
log "about $(((cells * (COLD_SECONDS + WARMUP_SECONDS + MEASURE_SECONDS + 5) + 30) / 60 + 1)) minutes:" \
  "$cells cells of ${COLD_SECONDS}s cold + ${WARMUP_SECONDS}s warm-up + ${MEASURE_SECONDS}s measured"

# --- Both proxies decide alike ------------------------------------------------------------------------
# One curl per proxy, one request per address on a kept-alive connection; prints "address status".
answers() { # url
  awk -v url="$1" '{
      if (NR > 1) print "next"
      printf "url = \"%s\"\nheader = \"X-Forwarded-For: %s\"\noutput = \"/dev/null\"\n", url, $1
      printf "write-out = \"%s %%{http_code}\\n\"\n", $1
    }' "$ADDRESS_FILE" >"$TMP/curl.cfg"
  curl -s --max-time 120 -K "$TMP/curl.cfg"
}
start upstream
start nginx
start geogate
answers "$(url_of nginx)" >"$TMP/nginx.answers"
answers "$(url_of geogate)" >"$TMP/geogate.answers"
awk -v c="$REFUSED_COUNTRY" '{print $1, ($2 == c ? 451 : 200)}' "$ADDRESS_FILE" >"$TMP/expected.answers"
if [[ " $TARGETS " == *" native "* ]]; then
  stop geogate
  start native
  answers "$(url_of native)" >"$TMP/native.answers"
  stop native
  start geogate
fi
for proxy in nginx geogate $([[ " $TARGETS " == *" native "* ]] && echo native); do
  if ! diff -q "$TMP/expected.answers" "$TMP/$proxy.answers" >/dev/null; then
    diff "$TMP/expected.answers" "$TMP/$proxy.answers" | head -20 >&2
    die "$proxy does not answer 451 exactly for the $REFUSED_COUNTRY addresses (see above: expected < > $proxy)"
  fi
done
refused_address=$(awk -v c="$REFUSED_COUNTRY" '$2 == c {print $1; exit}' "$ADDRESS_FILE")
nginx_refusal=$(curl -s -H "X-Forwarded-For: $refused_address" "$(url_of nginx)")
geogate_refusal=$(curl -s -H "X-Forwarded-For: $refused_address" "$(url_of geogate)")
[[ "$nginx_refusal" == "$geogate_refusal" ]] || log "warning: the 451 bodies differ: nginx $nginx_refusal, geogate $geogate_refusal"
upstream_bytes=$(curl -s -o /dev/null -w '%{size_download}' "$(url_of upstream)")
log "decisions agree: $(grep -c ' 451$' "$TMP/geogate.answers") of $(wc -l <"$ADDRESS_FILE") refused by both;" \
  "the upstream's body is $upstream_bytes bytes"
stop geogate; stop nginx; stop upstream

# --- Measurements -------------------------------------------------------------------------------------
declare -A RESULT=() READY=()
# CPU time (user + system, in clock ticks) of a process and its children (nginx's workers): the proxy's cost per
# request, which unlike req/s hardly moves when other work shares the machine.
cpu_ticks() { # pid
  local pids total=0 p
  pids="$1 $(ps -o pid= --ppid "$1" 2>/dev/null | tr '\n' ' ')"
  for p in $pids; do
    [[ -r /proc/$p/stat ]] || continue
    total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat")))
  done
  echo "$total"
}
measure() { # target connections seconds -> "req/s p50 p99 p99.9 non2xx% socket-errors cpu-us/request" (latencies in ms)
  local line before after pid=${PIDS[$1]}
  before=$(cpu_ticks "$pid")
  line=$(timeout $(($3 + 30)) taskset -c "$LOAD_CPU" wrk -t"$WRK_THREADS" -c"$2" -d"${3}s" --timeout "$WRK_TIMEOUT" \
    -s "$ROOT/bench/compare/rotate-xff.lua" "$(url_of "$1")" | grep '^COMPARE ' || true)
  after=$(cpu_ticks "$pid")
  [[ -n "$line" ]] || die "wrk gave no result for $1 at $2 connections"
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    '{ printf "%.0f %.2f %.2f %.2f %.1f %d %.1f\n", $2 / ($3 / 1e6), $6 / 1000, $7 / 1000, $8 / 1000,
         ($2 > 0 ? 100 * $4 / $2 : 0), $5, ($2 > 0 ? ticks / hz * 1e6 / $2 : 0) }' <<<"$line"
}
for target in $TARGETS; do
  for c in $CONNECTIONS; do
    [[ $target == upstream ]] || start upstream
    start "$target"
    READY[$target|$c]=$READY_MS
    log "$target, $c connections: ready in ${READY[$target|$c]} ms; cold ${COLD_SECONDS}s"
    RESULT[$target|$c|cold]=$(measure "$target" "$c" "$COLD_SECONDS")
    log "  warm-up ${WARMUP_SECONDS}s"
    warmup=$(measure "$target" "$c" "$WARMUP_SECONDS")
    log "  measured ${MEASURE_SECONDS}s"
    RESULT[$target|$c|warm]=$(measure "$target" "$c" "$MEASURE_SECONDS")
    for phase in cold warm; do
      [[ -n "${RESULT[$target|$c|$phase]}" && -n "$warmup" ]] || die "wrk gave no result for $target at $c connections"
    done
    stop "$target"; stop upstream
  done
done

# --- Report -------------------------------------------------------------------------------------------
name_of() {
  case $1 in
    upstream) echo "upstream directly (floor)" ;;
    nginx) echo "nginx + geoip2" ;;
    geogate) echo "geogate (JVM)" ;;
    native) echo "geogate (native)" ;;
  esac
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
report() {
  echo "### geogate against nginx + geoip2"
  echo
  echo "bench/compare.sh, $(date -u +%Y-%m-%dT%H:%MZ), $(uname -n): $(nproc) CPUs" \
    "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "$(java -version 2>&1 | head -1), $(nginx -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)."
  echo "Proxy under test on CPU $PROXY_CPU; upstream (nginx, ${upstream_bytes}-byte body) and wrk (${WRK_THREADS} thread) on CPU $LOAD_CPU."
  echo "geogate (JVM): \`$GEOGATE_JAVA_OPTS\`$([[ " $TARGETS " == *" native "* ]] && echo "; geogate (native): \`$(basename "$RUNNER") $NATIVE_OPTS\`")." \
    "$(wc -l <"$ADDRESS_FILE") client addresses from $countries countries in" \
    "X-Forwarded-For, $expected_refused of them ($REFUSED_COUNTRY) refused by both proxies."
  echo "cold: the first ${COLD_SECONDS} s after the target answered; warm: ${MEASURE_SECONDS} s after a further ${WARMUP_SECONDS} s warm-up."
  echo "Latencies in ms; non-2xx is the share of 451 answers (expected: ${REFUSED_PERCENT} % through a proxy, 0 directly);"
  echo "CPU µs/request: the target's user + system CPU time over the phase (nginx: master and workers), per request."
  echo
  echo "| target | connections | phase | req/s | p50 | p99 | p99.9 | non-2xx | socket errors | CPU µs/request | ready in |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  local t c phase
  for t in $TARGETS; do
    for c in $CONNECTIONS; do
      for phase in cold warm; do
        read -r rps p50 p99 p999 non2xx errors cpu <<<"${RESULT[$t|$c|$phase]}"
        echo "| $(name_of "$t") | $c | $phase | $rps | $p50 | $p99 | $p999 | $non2xx % | $errors | $cpu | ${READY[$t|$c]} ms |"
      done
    done
  done
  local g
  for g in geogate native; do
    [[ " $TARGETS " == *" nginx "* && " $TARGETS " == *" $g "* ]] || continue
    echo
    echo "$(name_of "$g") / nginx + geoip2 (req/s: above 1 is geogate faster; latencies: above 1 is geogate slower):"
    echo
    echo "| connections | phase | req/s | p50 | p99 | p99.9 |"
    echo "|---|---|---|---|---|---|"
    for c in $CONNECTIONS; do
      for phase in cold warm; do
        read -r g_rps g_p50 g_p99 g_p999 _ _ <<<"${RESULT[$g|$c|$phase]}"
        read -r n_rps n_p50 n_p99 n_p999 _ _ <<<"${RESULT[nginx|$c|$phase]}"
        echo "| $c | $phase | $(ratio "$g_rps" "$n_rps") | $(ratio "$g_p50" "$n_p50") | $(ratio "$g_p99" "$n_p99") | $(ratio "$g_p999" "$n_p999") |"
      done
    done
  done
}
report | tee "$ROOT/target/compare.md"
log "written to target/compare.md"
