# SBOM of each service image with syft (sourced by scripts/container-scan.sh, which defines
# result/skip). The images are the ones scripts/compose-test.sh runs (local/<service>:compose-test),
# rebuilt through the same cached path (base images + `docker compose build`, a few seconds when
# the compose suite has just built them). Output: .tmp/sbom/<service>.spdx.json, a build artefact.
# syft comes from the Go module proxy and is kept under $TOOLS_DIR/syft-<version>/ (the cold
# `go install` takes minutes on 2 cores; reruns reuse the binary).
# shellcheck shell=bash

SYFT_VERSION="${SYFT_VERSION:-v1.57.1}"
SYFT="$TOOLS_DIR/syft-$SYFT_VERSION/syft"
SBOM_SERVICES=(api-gateway user-service product-service order-service)
SBOM_STARTED_DOCKERD=""

sbom_stop_engine() {
  [ -n "$SBOM_STARTED_DOCKERD" ] || return 0
  kill "$SBOM_STARTED_DOCKERD" 2>/dev/null
  for _ in $(seq 1 30); do kill -0 "$SBOM_STARTED_DOCKERD" 2>/dev/null || break; sleep 1; done
  SBOM_STARTED_DOCKERD=""
}

# Uses a running engine, or starts one (root on Linux, as scripts/compose-test.sh does) and stops
# it again at the end.
sbom_engine() {
  docker info >/dev/null 2>&1 && return 0
  [ "$(uname -s)" = Linux ] && [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null || return 1
  mkdir -p .tmp/container-scan
  dockerd >.tmp/container-scan/dockerd.log 2>&1 &
  SBOM_STARTED_DOCKERD=$!
  trap sbom_stop_engine EXIT
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 1; done
  sbom_stop_engine
  return 1
}

sbom_images() {
  local out name value
  out=$(bash scripts/compose-test/base-images.sh) || return 1
  while IFS='=' read -r name value; do
    [ -n "$name" ] && export "$name=$value"
  done <<<"$out"
  REGISTRY=local TAG=compose-test docker compose --env-file /dev/null -p ecomscan \
    -f docker-compose.yml -f docker/compose.test.yml build -q "${SBOM_SERVICES[@]}"
}

# sbom_one SERVICE: the SPDX document lists the image's OS and npm packages (express must be in it).
sbom_one() {
  local file=".tmp/sbom/$1.spdx.json"
  rm -f "$file"
  SYFT_CHECK_FOR_APP_UPDATE=false "$SYFT" scan -q "docker:local/$1:compose-test" -o "spdx-json=$file" || return 1
  node -e '
    const doc = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const pkgs = doc.packages ?? [];
    const express = pkgs.some((p) => p.name === "express");
    console.log(`  ${process.argv[1]}: ${pkgs.length} packages${express ? "" : ", express missing"}`);
    process.exitCode = express ? 0 : 1;
  ' "$file"
}

sbom_suite() {
  if [ ! -x "$SYFT" ] && command -v go >/dev/null; then
    GOBIN="$(dirname "$SYFT")" GOFLAGS=-mod=mod go install "github.com/anchore/syft/cmd/syft@$SYFT_VERSION" >/dev/null 2>&1
  fi
  if [ ! -x "$SYFT" ]; then
    skip "SBOM of the service images: syft $SYFT_VERSION could not be built (needs Go and the module proxy)"
    return
  fi
  if ! sbom_engine; then
    skip "SBOM of the service images: no Docker engine (needs one running, or root on Linux to start it)"
    return
  fi
  mkdir -p .tmp/sbom .tmp/container-scan
  local started=$SECONDS service
  if sbom_images >.tmp/container-scan/build.log 2>&1; then
    echo "  service images up to date in $((SECONDS - started)) s"
    for service in "${SBOM_SERVICES[@]}"; do
      started=$SECONDS
      sbom_one "$service"
      result "SBOM of the $service image (.tmp/sbom/$service.spdx.json, $((SECONDS - started)) s)" $?
    done
  else
    tail -5 .tmp/container-scan/build.log
    result "service images built for the SBOMs (see .tmp/container-scan/build.log)" 1
  fi
  sbom_stop_engine
}
