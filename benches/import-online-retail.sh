#!/usr/bin/env bash
# Benchmark: import the full UCI Online Retail file (541,909 lines) into a new store, then again (the
# idempotent pass). Target: under 3 s for the first import on a 2-core machine. Prints the importer's own
# summary, which ends with the time and rows/s.
#   bash benches/import-online-retail.sh [path/to/online_retail.csv.gz]
set -euo pipefail
cd "$(dirname "$0")/.."
src="${1:-../shared/data/online-retail/online_retail.csv.gz}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
zcat "$src" > "$work/online_retail.csv"
cargo build --release --quiet
bin=target/release/kpiscope
echo "== first import"
"$bin" import "$work/uci.db" --format lines "$work/online_retail.csv" --seller uci-retail --currency GBP
echo "== the same file again (nothing changes)"
"$bin" import "$work/uci.db" --format lines "$work/online_retail.csv" --seller uci-retail --currency GBP | tail -2
