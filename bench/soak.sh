#!/usr/bin/env bash
# The soak: mixed refused, visitor and allowed traffic through the packaged gateway while its policy,
# database and accounts are swapped every 3 s; every answer is checked against an independent model.
# Loopback only, bounded: DURATION (ISO-8601, default PT3M), CLIENTS (default 16).
# The report is target/soak-report.txt; the run fails on any mismatch or error.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B verify -DskipUTs=true -Dit.test=SoakIT -Dsoak.duration="${DURATION:-PT3M}" -Dsoak.clients="${CLIENTS:-16}"
cat target/soak-report.txt
