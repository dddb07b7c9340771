#!/bin/sh
# Deploys docker-compose.yml + docker-compose.prod.yml to a Docker Swarm as one stack.
#
#   docker/stack-deploy.sh [STACK_NAME]       # default stack name: ecom
#   docker/stack-deploy.sh --render [FILE]    # only print (or write) the merged stack file
#
# Why a script and not `docker stack deploy -c a -c b` directly: Swarm's loader rejects the
# long `depends_on: {x: {condition: service_healthy}}` form that Compose needs for start order
# ("depends_on must be a list"). This rewrites those blocks to the list form (Swarm ignores
# depends_on anyway: services must and do retry their connections), lets `docker stack config`
# merge and interpolate both files (paths become absolute), and deploys the result. Compose's
# profiles are dropped: a stack runs every service, Prometheus, Grafana and Jaeger included.
# Images are not built here: build and push them first, e.g.
#   REGISTRY=registry.example.com/ecom TAG=1.2.3 docker compose build && ... docker compose push
# Variables come from the environment, plus ./.env when present (Swarm does not read .env).
set -eu
cd "$(dirname "$0")/.."

if [ -f .env ]; then
  set -a
  # shellcheck disable=SC1091
  . ./.env
  set +a
fi

# Rewrites "depends_on:" mappings ("  name:" + "    condition: ...") into "  - name" lists.
depends_on_as_list() {
  awk '
    function indent(s) { match(s, /^ */); return RLENGTH }
    {
      if (in_dep) {
        if ($0 ~ /^[ ]*$/) { print; next }
        n = indent($0)
        if (n <= dep_indent) { in_dep = 0 }
        else if (n == item_indent || item_indent < 0) {
          item_indent = n
          name = $0; sub(/^ */, "", name); sub(/:.*$/, "", name)
          printf "%*s- %s\n", n, "", name
          next
        } else { next }   # condition:, restart:, required: lines of the long form
      }
      if ($0 ~ /^ *depends_on: *$/) { in_dep = 1; dep_indent = indent($0); item_indent = -1 }
      print
    }
  ' "$1"
}

# Drops X from a service's environment when X_FILE (or Grafana's X__FILE) is there too. The
# production file clears such X with '' so only the secret file counts, but Swarm's loader skips
# empty values when it merges files: the development default of docker-compose.yml stayed, and
# the mongo image refuses to start with both MONGO_INITDB_ROOT_PASSWORD and its _FILE set.
drop_shadowed_by_file() {
  awk '
    function indent(s) { match(s, /^ */); return RLENGTH }
    /^services:/ { in_services = 1 }
    in_services && indent($0) == 2 && $0 ~ /^  [^ ].*:$/ { svc = $1 }
    indent($0) == 4 && $0 ~ /^    environment:$/ { in_env = 1; print_line(); next }
    in_env && indent($0) <= 4 { in_env = 0 }
    in_env {
      key = $1; sub(/:$/, "", key)
      if (FNR == NR) { seen[svc SUBSEP key] = 1; next }
      if ((svc SUBSEP key "_FILE") in seen || (svc SUBSEP key "__FILE") in seen) next
    }
    { print_line() }
    function print_line() { if (FNR != NR) print }
  ' "$1" "$1"
}

render() {
  tmp=$(mktemp ./.stack-base.XXXXXX)
  trap 'rm -f "$tmp"' EXIT INT TERM
  # Swarm has no profiles (its loader rejects the key): a stack runs every service, the
  # monitoring and tracing ones included.
  depends_on_as_list docker-compose.yml | sed '/^    profiles: /d' >"$tmp"
  # The output is interpolated already, and `docker stack deploy` interpolates its input again:
  # every `$` left in it is a literal one (e.g. node-exporter's `($$|/)` regex), so it is escaped
  # back to `$$`, or the deploy fails with "invalid interpolation format".
  merged=$(mktemp ./.stack-merged.XXXXXX)
  trap 'rm -f "$tmp" "$merged"' EXIT INT TERM
  docker stack config -c "$tmp" -c docker-compose.prod.yml | sed 's/\$/$$/g' >"$merged"
  drop_shadowed_by_file "$merged"
}

case "${1:-}" in
  --render)
    if [ -n "${2:-}" ]; then render >"$2"; else render; fi
    ;;
  -h | --help)
    sed -n '2,17p' "$0"
    ;;
  *)
    stack="${1:-ecom}"
    out=$(mktemp)
    render >"$out"
    docker stack deploy --with-registry-auth --prune -c "$out" "$stack"
    rm -f "$out"
    ;;
esac
