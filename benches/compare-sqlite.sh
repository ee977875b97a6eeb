#!/usr/bin/env bash
# Benchmark: `kpiscope report` for one seller over 90 days (the whole process: open, load, KPIs, flags, output)
# against the sqlite3 command line running the equivalent SQL on the raw tables of the same store (the
# seller's orders, sales, units, cancellations, late shipments, tracking, on-time delivery, returns and
# ratings, for the 90 days and the 90 before, as the report compares them). Each is run 3 times, in
# turn, in this one run (after one cold report that fills kpiscope's model cache); the medians and their
# ratio are printed. The issue's target: kpiscope ≤ 10% of sqlite3.
#   bash benches/compare-sqlite.sh [STORE] [SELLER_REF]
# Without STORE, the 1M-order demo store of the benchmarks (target/bench-stores/demo-1000000.db) is used,
# generated when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/kpiscope
store="${1:-target/bench-stores/demo-1000000.db}"
if [ ! -e "$store" ]; then
  mkdir -p "$(dirname "$store")"
  "$bin" demo "$store.part" --orders 1000000 --seed 42 >/dev/null && mv "$store.part" "$store"
fi
seller="${2:-$(sqlite3 "$store" "SELECT s.ref FROM sellers s JOIN orders o ON o.seller_id = s.id GROUP BY s.id ORDER BY count(*) DESC LIMIT 1")}"
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)" >&2; exit 1; }

read -r -d '' sql <<SQL || true
WITH w AS (
  SELECT (max(placed_at) / 86400 + 1) * 86400 AS hi FROM orders
), o AS (
  SELECT o.*, (o.placed_at >= w.hi - 90 * 86400) AS cur
  FROM orders o, w, sellers s
  WHERE s.ref = '$seller' AND o.seller_id = s.id AND o.paid_at IS NOT NULL
    AND o.placed_at >= w.hi - 180 * 86400 AND o.placed_at < w.hi
), c AS (
  SELECT order_id, max(initiator IN ('seller', 'system')) AS by_seller FROM cancellations
  WHERE order_id IN (SELECT id FROM o) GROUP BY order_id
), i AS (
  SELECT oi.order_id, sum(oi.quantity) AS units, sum(oi.quantity * oi.unit_price_minor) AS gross
  FROM order_items oi WHERE oi.order_id IN (SELECT id FROM o) GROUP BY oi.order_id
), r AS (
  SELECT oi.order_id, sum(rt.quantity) AS returned FROM returns rt JOIN order_items oi ON oi.id = rt.order_item_id
  WHERE oi.order_id IN (SELECT id FROM o) GROUP BY oi.order_id
), v AS (
  SELECT order_id, avg(rating) AS rating, count(*) AS n FROM reviews
  WHERE kind = 'seller' AND order_id IN (SELECT id FROM o) GROUP BY order_id
)
SELECT o.cur,
  count(*) AS orders,
  sum(c.order_id IS NULL) AS sales_orders,
  sum(CASE WHEN c.order_id IS NULL THEN i.gross - o.discount_minor END) AS net_sales_minor,
  round(avg(CASE WHEN c.order_id IS NULL THEN i.gross - o.discount_minor END)) AS aov_minor,
  sum(CASE WHEN c.order_id IS NULL THEN i.units END) AS units,
  round(1.0 * sum(coalesce(c.by_seller, 0)) / count(*), 4) AS seller_cancel_rate,
  round(1.0 * sum(o.ship_confirmed_at > o.ship_by_at) / sum(o.ship_confirmed_at IS NOT NULL), 4) AS late_shipment_rate,
  round(1.0 * sum(o.first_scan_at IS NOT NULL) / sum(o.ship_confirmed_at IS NOT NULL), 4) AS valid_tracking_rate,
  round(1.0 * sum(o.delivered_at <= o.promised_delivery_at) / sum(o.delivered_at IS NOT NULL), 4) AS on_time_delivery,
  round(1.0 * sum(coalesce(r.returned, 0)) / sum(i.units), 4) AS return_rate,
  round(sum(v.rating * v.n) / sum(v.n), 3) AS rating, sum(v.n) AS ratings
FROM o LEFT JOIN c ON c.order_id = o.id LEFT JOIN i ON i.order_id = o.id
  LEFT JOIN r ON r.order_id = o.id LEFT JOIN v ON v.order_id = o.id
GROUP BY o.cur ORDER BY o.cur DESC;
SQL

median() { sort -n | sed -n 2p; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }
echo "store: $store ($(sqlite3 "$store" 'SELECT count(*) FROM orders') orders), seller: $seller, period: 90 days vs the 90 before"
# kpiscope's model cache (see README "Performance"): a directory of this run's own. The first report is cold
# (it reads the store and writes the cache); the timed ones read the cache, as every report after the
# first does until the store changes. The cold one is printed too.
export KPISCOPE_CACHE_DIR; KPISCOPE_CACHE_DIR=$(mktemp -d)
trap 'rm -rf "$KPISCOPE_CACHE_DIR"' EXIT
cold=$(secs "$bin" report "$store" --seller "$seller" --period 90d)
k=(); s=()
for _ in 1 2 3; do
  k+=("$(secs "$bin" report "$store" --seller "$seller" --period 90d)")
  s+=("$(secs sqlite3 "$store" "$sql")")
done
km=$(printf '%s\n' "${k[@]}" | median); sm=$(printf '%s\n' "${s[@]}" | median)
echo "sqlite3 (equivalent SQL, raw tables):"
sqlite3 -header -column "$store" "$sql" | sed 's/^/  /'
printf 'kpiscope report, cold (reads the store, writes the cache): %6.2f s\n' "$cold"
printf 'kpiscope report, from the cache: %6.3f s  (runs: %s)\n' "$km" "${k[*]}"
printf 'sqlite3 CLI:                     %6.3f s  (runs: %s)\n' "$sm" "${s[*]}"
printf 'ratio kpiscope / sqlite3: %.0f%% (target: <= 10%%); cold: %.0f%%\n' "$(echo "100 * $km / $sm" | bc -l)" "$(echo "100 * $cold / $sm" | bc -l)"
