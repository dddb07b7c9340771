# Swarm part of scripts/compose-test.sh (sourced): the production overlay as a stack on a
# single-node swarm, the walkthrough, a rolling update of api-gateway under a light steady load
# with 0 failed requests, then the stack removed and the swarm left.
# shellcheck shell=bash

SWARM_DIR="$CT_TMP/swarm"
mkdir -p "$SWARM_DIR"
# Production nginx serves HTTPS with the operator's certificate and redirects HTTP to it: the
# test's certificate is a self-signed one for 127.0.0.1 (scripts/dev-cert.mjs), trusted by curl
# through --cacert only.
SAPI="https://127.0.0.1:$NGINX_HTTPS_HOST_PORT"
export TLS_CERT_FILE="$SWARM_DIR/secrets/tls.crt" TLS_KEY_FILE="$SWARM_DIR/secrets/tls.key"

swarm_deploy() {
  if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != active ]; then
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null || return 1
    SWARM_JOINED=1
  fi
  SECRETS_DIR="$SWARM_DIR/secrets" sh docker/generate-secrets.sh >/dev/null || return 1
  node scripts/dev-cert.mjs "$SWARM_DIR/secrets" >/dev/null || return 1
  CT_CACERT="$TLS_CERT_FILE"
  # Rendered by the script users run (docker/stack-deploy.sh), plus the test override.
  SECRETS_DIR="$SWARM_DIR/secrets" MONGO_EXPORTER_PASSWORD=$(cat "$SWARM_DIR/secrets/mongo_root_password") \
    sh docker/stack-deploy.sh --render "$SWARM_DIR/stack.yml" || return 1
  docker stack deploy --resolve-image never -c "$SWARM_DIR/stack.yml" -c docker/swarm.test.yml "$STACK" \
    >"$SWARM_DIR/deploy.log" 2>&1 || {
    cat "$SWARM_DIR/deploy.log"
    return 1
  }
  # Converged: every service runs its replicas and the walkthrough's entry point answers.
  local deadline=$((SECONDS + 240)) pending
  while :; do
    pending=$(docker service ls --filter "label=com.docker.stack.namespace=$STACK" \
      --format '{{.Name}} {{.Replicas}}' | awk '{ split($2, r, "/"); if (r[1] != r[2]) print $1 " " $2 }')
    if [ -z "$pending" ] && [ "$(curl -s -m 3 --cacert "$CT_CACERT" -o /dev/null -w '%{http_code}' "$SAPI/ready")" = 200 ]; then
      return 0
    fi
    [ "$SECONDS" -lt "$deadline" ] || break
    sleep 3
  done
  echo "  not converged: ${pending:-"$SAPI/ready does not answer 200"}" >&2
  docker stack ps --no-trunc --format '{{.Name}} {{.CurrentState}} {{.Error}}' "$STACK" | grep -v Running | head -20 >&2
  return 1
}

# Light steady load (about 10 requests/s, sequential GETs) while the gateways are replaced one by
# one; every answer must be 200.
rolling_update() {
  local load_log="$SWARM_DIR/load.log" stop="$SWARM_DIR/stop-load"
  rm -f "$stop"
  (
    while [ ! -e "$stop" ]; do
      curl -s -m 10 --cacert "$CT_CACERT" -o /dev/null -w '%{http_code}\n' "$SAPI/api/products?limit=2"
      curl -s -m 10 --cacert "$CT_CACERT" -o /dev/null -w '%{http_code}\n' "$SAPI/api/categories"
      sleep 0.2
    done
  ) >"$load_log" &
  local loader=$! rc=0 before after
  sleep 3
  before=$(docker service inspect -f '{{.Version.Index}}' "${STACK}_api-gateway")
  docker service update --force --detach=false --quiet "${STACK}_api-gateway" >/dev/null 2>&1 || rc=1
  sleep 3
  touch "$stop"
  wait "$loader"
  after=$(docker service inspect -f '{{.UpdateStatus.State}}' "${STACK}_api-gateway")
  local total failed
  total=$(wc -l <"$load_log")
  failed=$(grep -vc '^200$' "$load_log")
  echo "  update $after (service version $before → $(docker service inspect -f '{{.Version.Index}}' "${STACK}_api-gateway")); $total requests, $failed failed"
  if [ "$failed" -gt 0 ]; then
    echo "  failed answers: $(grep -v '^200$' "$load_log" | sort | uniq -c | paste -sd' ')"
    docker service logs --raw "${STACK}_nginx" 2>/dev/null | grep '"status":' | grep -v '"status":200' | tail -5 | sed 's/^/  nginx: /'
  fi
  [ "$rc" -eq 0 ] && [ "$after" = completed ] && [ "$total" -gt 20 ] && [ "$failed" -eq 0 ]
}

redirects_to_https() {
  local answer
  answer=$(curl -s -m 5 -o /dev/null -w '%{http_code} %{redirect_url}' "$API/api/categories")
  echo "  $API/api/categories → $answer"
  [[ "$answer" =~ ^30[178]\ https:// ]]
}

swarm_remove() {
  docker stack rm "$STACK" >/dev/null || return 1
  local deadline=$((SECONDS + 90))
  while [ -n "$(docker ps -q --filter "label=com.docker.stack.namespace=$STACK")$(docker network ls -q --filter "label=com.docker.stack.namespace=$STACK")" ]; do
    [ "$SECONDS" -lt "$deadline" ] || {
      echo "  the stack's containers or networks are still there" >&2
      return 1
    }
    sleep 2
  done
  # Named volumes outlive `docker stack rm`.
  docker volume ls -q --filter "label=com.docker.stack.namespace=$STACK" | xargs -r docker volume rm >/dev/null || return 1
  if [ -n "$SWARM_JOINED" ]; then
    docker swarm leave --force >/dev/null || return 1
    SWARM_JOINED=""
  fi
}

if step "swarm: init, secrets, stack deploy of the production overlay" swarm_deploy; then
  step "swarm: plain HTTP :$HTTP_PORT redirected to HTTPS" redirects_to_https
  step "swarm: walkthrough over HTTPS through nginx :$NGINX_HTTPS_HOST_PORT" walkthrough "$SAPI" "$ADMIN_EMAIL" "$ADMIN_PASSWORD"
  step "swarm: rolling update of api-gateway under load, 0 failed requests" rolling_update
fi
step "swarm: stack removed, swarm left" swarm_remove
CT_CACERT=""
