#!/usr/bin/env bash
# Live monitoring check: a real Prometheus (Debian's `prometheus`) scrapes the stack running on
# this machine (`npm start` → scripts/start-local.sh: gateways on :3000 and :3010, services on
# :3001-3003 and :3011-3013), some traffic goes through the gateways, then:
#   - every scrape target of monitoring/prometheus/prometheus.local.yml must be up;
#   - every Grafana dashboard query must return at least one series
#     (node scripts/check-dashboards.mjs --live; queries that need cAdvisor, node-exporter or the
#     nginx/Redis/Mongo exporters, which only run in the Docker stack, are reported as SKIP).
#
#   bash scripts/check-monitoring-live.sh            # checks the running `npm start` stack
#   bash scripts/check-monitoring-live.sh --start    # starts a stack of its own and checks that
#
# With --start (what `npm test` runs) the stack is always its own, never a running `npm start`:
# ports moved by a free PORT_OFFSET (scripts/start-local.mjs --free-port-offset; or PORT_OFFSET
# from the environment), data in a throw-away directory, stopped at the end.
#
# Environment:
#   LIVE_GATEWAYS    gateway base URLs (default "http://127.0.0.1:3000 http://127.0.0.1:3010")
#   PROM_PORT        port of the temporary Prometheus (default 9091 + the port offset, on 127.0.0.1)
#   PROM_CONFIG      its configuration (default monitoring/prometheus/prometheus.local.yml)
#   ADMIN_EMAIL / ADMIN_PASSWORD   the admin that the local stack bootstraps (default: the
#                    development account of scripts/start-local.mjs); with it the traffic also
#                    creates a category and a product and places/fails/cancels orders, which the
#                    Business dashboard needs (orders, revenue, stock-outs, releases)
# Prints one line per check and "check-monitoring-live: N passed, N failed"; exit non-zero on any
# failure; with $SUITE_COUNTS_FILE set, writes "<passed> <failed>" there.
# All traffic goes to 127.0.0.1 and is bounded (a few dozen requests).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TMP="$(mktemp -d)"
START_OWN=0
OFFSET=0
if [ "${1:-}" = "--start" ]; then
  START_OWN=1
  OFFSET="${PORT_OFFSET:-$(node scripts/start-local.mjs --free-port-offset)}"
fi
PROM_PORT="${PROM_PORT:-$((9091 + OFFSET))}"
PROM_URL="http://127.0.0.1:${PROM_PORT}"
PROM_CONFIG="${PROM_CONFIG:-monitoring/prometheus/prometheus.local.yml}"
if [ "$OFFSET" -ne 0 ]; then
  # The same configuration with its scrape targets moved to the stack's ports.
  node -e '
    const fs = require("fs"), path = require("path");
    const [from, to, offset] = process.argv.slice(1);
    const moved = fs.readFileSync(from, "utf8")
      .replace(/127\.0\.0\.1:(\d+)/g, (_, port) => `127.0.0.1:${Number(port) + Number(offset)}`)
      .replace(/^(\s*-\s*)alerts\.yml$/m, `$1${path.resolve(path.dirname(from), "alerts.yml")}`);
    fs.writeFileSync(to, moved);
  ' "$PROM_CONFIG" "$TMP/prometheus.yml" "$OFFSET"
  PROM_CONFIG="$TMP/prometheus.yml"
fi
export LIVE_GATEWAYS="${LIVE_GATEWAYS:-http://127.0.0.1:$((3000 + OFFSET)) http://127.0.0.1:$((3010 + OFFSET))}"
export ADMIN_EMAIL="${ADMIN_EMAIL:-admin@example.com}"
export ADMIN_PASSWORD="${ADMIN_PASSWORD:-admin-dev-password}"
PROM_PID=""
STACK_PID=""
PASSED=0
FAILED=0

pass() {
  PASSED=$((PASSED + 1))
  echo "PASS $*"
}
fail() {
  FAILED=$((FAILED + 1))
  echo "FAIL $*"
}

finish() {
  local rc=$?
  # Only the processes this script started, by their ids.
  if [ -n "$PROM_PID" ]; then kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null; fi
  if [ -n "$STACK_PID" ]; then kill -TERM "$STACK_PID" 2>/dev/null && wait "$STACK_PID" 2>/dev/null; fi
  rm -rf "$TMP"
  exit "$rc"
}
trap finish EXIT

summary() {
  echo "check-monitoring-live: ${PASSED} passed, ${FAILED} failed"
  if [ -n "${SUITE_COUNTS_FILE:-}" ]; then echo "${PASSED} ${FAILED}" >"$SUITE_COUNTS_FILE"; fi
  [ "$FAILED" -eq 0 ]
  exit $?
}

# http_ok URL: 0 when URL answers 2xx within 2 s.
http_ok() {
  node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}

# wait_for URL SECONDS
wait_for() {
  local deadline=$((SECONDS + $2))
  until http_ok "$1"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 1
  done
}

if ! command -v prometheus >/dev/null 2>&1; then
  fail "prometheus binary not installed (apt-get install prometheus)"
  summary
fi

# --- the local stack --------------------------------------------------------------------------
first_gateway="${LIVE_GATEWAYS%% *}"
if [ "$START_OWN" -eq 1 ]; then
  echo "starting a local stack of its own (PORT_OFFSET=$OFFSET, throw-away data), log: $TMP/stack.log"
  PORT_OFFSET="$OFFSET" LOCAL_DATA_DIR="$TMP/stack-data" START_PROMETHEUS=0 \
    bash scripts/start-local.sh >"$TMP/stack.log" 2>&1 &
  STACK_PID=$!
  if ! wait_for "$first_gateway/ready" 180; then
    fail "local stack did not become ready (tail of its log below)"
    tail -n 30 "$TMP/stack.log" | sed 's/^/    /'
    summary
  fi
elif ! http_ok "$first_gateway/ready"; then
  fail "local stack not running at $first_gateway (run npm start, or pass --start)"
  summary
fi
pass "local stack answers at $first_gateway/ready"

# --- Prometheus ---------------------------------------------------------------------------------
prometheus \
  --config.file="$PROM_CONFIG" \
  --storage.tsdb.path="$TMP/prometheus-data" \
  --web.listen-address="127.0.0.1:${PROM_PORT}" \
  --log.level=warn >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
if wait_for "$PROM_URL/-/ready" 30; then
  pass "prometheus ($PROM_CONFIG) ready on $PROM_URL"
else
  fail "prometheus did not start (tail of its log below)"
  tail -n 20 "$TMP/prometheus.log" | sed 's/^/    /'
  summary
fi

# --- traffic ------------------------------------------------------------------------------------
generate_traffic() {
  node --input-type=module -e '
    const gateways = process.env.LIVE_GATEWAYS.split(/\s+/).filter(Boolean);
    let turn = 0;
    const statuses = {};
    async function call(method, path, { token, body } = {}) {
      const base = gateways[turn++ % gateways.length];
      const headers = { "content-type": "application/json" };
      if (token) headers.authorization = `Bearer ${token}`;
      try {
        const response = await fetch(base + path, {
          method, headers, body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(5000),
        });
        const text = await response.text();
        const key = `${method} ${path.replace(/[0-9a-f]{24}/g, ":id")} ${response.status}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
        try { return { status: response.status, json: JSON.parse(text) }; } catch { return { status: response.status, json: null }; }
      } catch (error) {
        statuses[`${method} ${path} error`] = (statuses[`${method} ${path} error`] ?? 0) + 1;
        return { status: 0, json: null };
      }
    }
    const pick = (json, key) => json?.[key] ?? json?.data?.[key] ?? json?.tokens?.[key];

    for (let i = 0; i < 6; i++) {
      await call("GET", "/health");
      await call("GET", "/api/products");
      await call("GET", "/api/categories");
      await call("GET", "/api/products/000000000000000000000000");
    }

    const email = `live-${Date.now()}-${process.pid}@example.com`;
    const password = "live-check-password-1";
    await call("POST", "/api/auth/register", { body: { email, password, name: "Live Check" } });
    const login = await call("POST", "/api/auth/login", { body: { email, password } });
    await call("POST", "/api/auth/login", { body: { email, password: "wrong-password-123" } });
    const token = pick(login.json, "accessToken");
    const refreshToken = pick(login.json, "refreshToken");
    if (refreshToken) await call("POST", "/api/auth/refresh", { body: { refreshToken } });
    if (token) await call("GET", "/api/orders", { token });

    const adminEmail = process.env.ADMIN_EMAIL;
    const adminPassword = process.env.ADMIN_PASSWORD;
    if (adminEmail && adminPassword && token) {
      const admin = await call("POST", "/api/auth/login", { body: { email: adminEmail, password: adminPassword } });
      const adminToken = pick(admin.json, "accessToken");
      const category = `live-${Date.now()}`;
      await call("POST", "/api/categories", { token: adminToken, body: { name: category } });
      const created = await call("POST", "/api/products", {
        token: adminToken,
        body: { name: `Live check ${category}`, price: 9.99, category, stock: 1 },
      });
      const productId = pick(created.json, "id");
      if (productId) {
        await call("GET", `/api/products/${productId}`);
        await call("GET", `/api/products/${productId}`);
        // Takes the last unit (stock-out), then a second order fails (insufficient stock).
        const order = await call("POST", "/api/orders", { token, body: { items: [{ productId, quantity: 1 }] } });
        await call("POST", "/api/orders", { token, body: { items: [{ productId, quantity: 1 }] } });
        const orderId = pick(order.json, "id");
        if (orderId) {
          await call("GET", `/api/orders/${orderId}`, { token });
          // Cancelling releases the reservation and emits order.cancelled.
          await call("PUT", `/api/orders/${orderId}/status`, { token, body: { status: "cancelled" } });
        }
      }
    } else {
      console.log("traffic: ADMIN_EMAIL/ADMIN_PASSWORD not set: no products or orders created");
    }
    for (const [key, count] of Object.entries(statuses).sort()) console.log(`traffic: ${key} x${count}`);
  '
}

# Two bursts some seconds apart, so rate()/increase() over 1m have samples on both sides.
sleep 6
generate_traffic
sleep 12
generate_traffic >/dev/null
sleep 15

# --- targets up ---------------------------------------------------------------------------------
node --input-type=module -e '
  const url = new URL("/api/v1/targets?state=active", process.argv[1]);
  const body = await (await fetch(url)).json();
  const targets = body.data.activeTargets;
  if (targets.length === 0) { console.log("FAIL no scrape targets"); process.exit(0); }
  for (const target of targets) {
    const name = `${target.labels.job} ${target.labels.instance}`;
    if (target.health === "up") console.log(`PASS target up: ${name}`);
    else console.log(`FAIL target ${target.health}: ${name} ${target.lastError ?? ""}`);
  }
' "$PROM_URL" >"$TMP/targets.txt" 2>&1
cat "$TMP/targets.txt"
PASSED=$((PASSED + $(grep -c '^PASS' "$TMP/targets.txt" || true)))
FAILED=$((FAILED + $(grep -c '^FAIL' "$TMP/targets.txt" || true)))

# --- dashboard queries --------------------------------------------------------------------------
SUITE_COUNTS_FILE= node scripts/check-dashboards.mjs --live "$PROM_URL" --range 5m >"$TMP/live.txt" 2>&1
grep -E '^(PASS|FAIL|SKIP)' "$TMP/live.txt"
PASSED=$((PASSED + $(grep -c '^PASS' "$TMP/live.txt" || true)))
FAILED=$((FAILED + $(grep -c '^FAIL' "$TMP/live.txt" || true)))

summary
