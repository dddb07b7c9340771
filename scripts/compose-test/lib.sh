# Helpers of scripts/compose-test.sh (sourced): step bookkeeping, HTTP through curl, the README
# walkthrough, and counting which replica answered.
# shellcheck shell=bash

CT_PASSED=0
CT_FAILED=0

ct_log() { echo "[${CT_NAME:-compose-test}] $*"; }

# ct_ensure_dockerd LOG: starts dockerd when none answers, setting STARTED_DOCKERD to its pid (the
# caller stops it at the end); returns 1 when it does not come up within a minute.
ct_ensure_dockerd() {
  docker info >/dev/null 2>&1 && return 0
  dockerd >"$1" 2>&1 &
  STARTED_DOCKERD=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || {
    tail -5 "$1"
    return 1
  }
  ct_log "started dockerd (pid $STARTED_DOCKERD); it is stopped at the end"
}

# step NAME COMMAND [ARGS...]: runs one named check and prints "PASS: NAME" or "FAIL: NAME".
step() {
  local name="$1"
  shift
  local started=$SECONDS rc=0
  "$@" || rc=$?
  if [ "$rc" -eq 0 ]; then
    CT_PASSED=$((CT_PASSED + 1))
    echo "PASS: $name ($((SECONDS - started)) s)"
  else
    CT_FAILED=$((CT_FAILED + 1))
    echo "FAIL: $name ($((SECONDS - started)) s)"
  fi
  return "$rc"
}

# json FIELD: reads JSON on stdin, prints one field (dotted path), empty when absent.
json() {
  node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      let v;
      try { v = JSON.parse(s); } catch { process.exit(0); }
      for (const k of process.argv[1].split(".").filter(Boolean)) v = v == null ? undefined : v[k];
      if (v !== undefined) process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
    });
  ' "$1"
}

# http METHOD URL [BODY] [TOKEN]: prints "<status> <body>"; traffic goes to 127.0.0.1 only.
http() {
  local method="$1" url="$2" body="${3:-}" token="${4:-}"
  case "$url" in
    http://127.0.0.1:* | https://127.0.0.1:*) ;;
    *)
      echo "000 refusing non-loopback URL $url"
      return 1
      ;;
  esac
  local args=(-s -m 15 -X "$method" -o "$CT_TMP/body" -w '%{http_code}')
  # The Swarm part's self-signed certificate (CT_CACERT), trusted for this request only.
  [ -n "${CT_CACERT:-}" ] && args+=(--cacert "$CT_CACERT")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
  [ -n "$token" ] && args+=(-H "Authorization: Bearer $token")
  local code
  code=$(curl "${args[@]}" "$url") || code=${code:-000}
  echo "$code $(cat "$CT_TMP/body" 2>/dev/null)"
}

# expect LABEL WANT_STATUS "<status> <body>": prints what went wrong, returns 1 on a mismatch.
expect() {
  local label="$1" want="$2" got="$3"
  if [ "${got%% *}" != "$want" ]; then
    echo "  $label: expected $want, got ${got:0:300}" >&2
    return 1
  fi
}

# walkthrough BASE_URL ADMIN_EMAIL ADMIN_PASSWORD: README's walkthrough, every answer checked.
walkthrough() {
  local api="$1" admin_email="$2" admin_password="$3"
  local tag r token admin product order stock
  tag="$(date +%s%N | tail -c 9)$RANDOM"
  local email="ada-$tag@example.com"

  r=$(http POST "$api/api/auth/register" "{\"email\":\"$email\",\"password\":\"correct horse\",\"name\":\"Ada\"}")
  expect register 201 "$r" || return 1
  r=$(http POST "$api/api/auth/login" "{\"email\":\"$email\",\"password\":\"correct horse\"}")
  expect login 200 "$r" || return 1
  token=$(echo "${r#* }" | json accessToken)

  expect 'list products' 200 "$(http GET "$api/api/products?limit=5&sort=price")" || return 1
  expect 'list categories' 200 "$(http GET "$api/api/categories")" || return 1

  r=$(http POST "$api/api/auth/login" "{\"email\":\"$admin_email\",\"password\":\"$admin_password\"}")
  expect 'admin login' 200 "$r" || return 1
  admin=$(echo "${r#* }" | json accessToken)
  r=$(http POST "$api/api/categories" "{\"name\":\"Mugs $tag\",\"description\":\"Things to drink from\"}" "$admin")
  expect 'create category' 201 "$r" || return 1
  r=$(http POST "$api/api/products" \
    "{\"name\":\"Blue mug\",\"description\":\"Holds coffee\",\"price\":12.5,\"category\":\"Mugs $tag\",\"stock\":10}" "$admin")
  expect 'create product' 201 "$r" || return 1
  product=$(echo "${r#* }" | json id)

  r=$(http POST "$api/api/orders" "{\"items\":[{\"productId\":\"$product\",\"quantity\":2}]}" "$token")
  expect 'place order' 201 "$r" || return 1
  order=$(echo "${r#* }" | json id)
  [ "$(echo "${r#* }" | json totalAmount)" = 25 ] || {
    echo "  order total is not 25: ${r:0:300}" >&2
    return 1
  }
  expect 'get order' 200 "$(http GET "$api/api/orders/$order" '' "$token")" || return 1
  stock=$(http GET "$api/api/products/$product" | cut -d' ' -f2- | json stock)
  [ "$stock" = 8 ] || {
    echo "  stock after the order: expected 8, got '$stock'" >&2
    return 1
  }

  expect 'cancel order' 200 "$(http PUT "$api/api/orders/$order/status" '{"status":"cancelled"}' "$token")" || return 1
  # The stock comes back through the order event (asynchronous): allow a few seconds.
  local i
  for i in $(seq 1 20); do
    stock=$(http GET "$api/api/products/$product" | cut -d' ' -f2- | json stock)
    [ "$stock" = 10 ] && return 0
    sleep 0.5
  done
  echo "  stock after the cancel: expected 10, got '$stock'" >&2
  return 1
}

# retry SECONDS COMMAND...: runs COMMAND until it succeeds or SECONDS have passed.
retry() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || {
      "$@"
      return
    }
    sleep 1
  done
}
