# One image recipe for the four Node services (api-gateway, user-service, product-service,
# order-service); the build argument SERVICE picks which one. Build from the repository root,
# the context must be the whole npm workspace:
#   docker build --build-arg SERVICE=user-service -t local/user-service .
# (docker compose does this for you: see docker-compose.yml and docs/docker-and-monitoring.md.)
#
# Stages: build (all dependencies, compiles packages/service-kit + the service with tsc -b)
#         → prod-deps (npm ci --omit=dev of this workspace only, which links the kit)
#         → runtime (node:<major>-bookworm-slim, non-root, only dist/ + production node_modules).
# Debian (glibc) rather than Alpine: bcrypt and other native modules ship glibc prebuilds.
# Pinned by major version, the one in .nvmrc; override (e.g. a registry mirror) with
# --build-arg NODE_IMAGE=... or NODE_IMAGE in .env for docker compose.
ARG NODE_IMAGE=node:24-bookworm-slim
# checkov:skip=CKV_DOCKER_7: FROM takes ${NODE_IMAGE}, whose default above is tagged; checkov does not read ARG defaults

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
ARG SERVICE
WORKDIR /app
ENV npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false \
    SCARF_ANALYTICS=false DO_NOT_TRACK=1
RUN case "${SERVICE}" in \
      api-gateway | user-service | product-service | order-service) ;; \
      *) echo "build argument SERVICE must name a service, got '${SERVICE}'" >&2; exit 1 ;; \
    esac
# Manifests first so the dependency layer is reused while only sources change.
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages/service-kit/package.json packages/service-kit/
COPY ${SERVICE}/package.json ${SERVICE}/
# Root devDependencies hold the compiler; --workspace limits the rest to this service and the kit.
RUN npm ci --workspace=@ecom/${SERVICE} --include-workspace-root
COPY packages/service-kit/tsconfig.json packages/service-kit/
COPY packages/service-kit/src packages/service-kit/src
COPY ${SERVICE}/tsconfig.json ${SERVICE}/
COPY ${SERVICE}/src ${SERVICE}/src
# tsc -b follows the project reference and builds packages/service-kit/dist first.
RUN npx tsc -b ${SERVICE}

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
ARG SERVICE
WORKDIR /app
ENV npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false \
    SCARF_ANALYTICS=false DO_NOT_TRACK=1
COPY package.json package-lock.json ./
COPY packages/service-kit/package.json packages/service-kit/
COPY ${SERVICE}/package.json ${SERVICE}/
# Only this workspace's production dependencies (+ the kit's, via the workspace link); the root
# workspace's devDependencies are left out (--include-workspace-root defaults to false).
# The mkdir keeps the COPY below valid when npm hoisted everything to /app/node_modules.
RUN npm ci --omit=dev --workspace=@ecom/${SERVICE} \
 && mkdir -p packages/service-kit/node_modules ${SERVICE}/node_modules \
 && npm cache clean --force

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
# The port the service listens on and the path its health check probes (the gateway's /health
# answers 503 while any upstream is down, and a Docker/Swarm health check must not restart every
# gateway because user-service is down: the gateway passes HEALTH_PATH=/ready).
ARG PORT
ARG HEALTH_PATH=/health
LABEL org.opencontainers.image.title="ecom-${SERVICE}" \
      org.opencontainers.image.description="${SERVICE} of the ecommerce microservices" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=${PORT} \
    HEALTH_PATH=${HEALTH_PATH}
WORKDIR /app
# Everything stays owned by root: the node user can read the app but not change it.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=prod-deps /app/packages/service-kit/node_modules ./packages/service-kit/node_modules
COPY --from=prod-deps /app/${SERVICE}/node_modules ./${SERVICE}/node_modules
COPY package.json ./
COPY packages/service-kit/package.json ./packages/service-kit/
COPY --from=build /app/packages/service-kit/dist ./packages/service-kit/dist
COPY ${SERVICE}/package.json ./${SERVICE}/
COPY --from=build /app/${SERVICE}/dist ./${SERVICE}/dist
# *_FILE secrets → env vars, then exec node (see docker/secrets-env.sh); liveness probe script.
COPY docker/secrets-env.sh docker/healthcheck.cjs /usr/local/lib/ecom/
# The service's own folder: CMD below starts dist/main.js of whichever service was built.
WORKDIR /app/${SERVICE}

USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/usr/local/lib/ecom/healthcheck.cjs"]
# The entrypoint execs node, so node is the process that receives SIGTERM and drains requests
# (SHUTDOWN_TIMEOUT_MS). Compose also sets init: true so a tiny init reaps zombies; with plain
# docker run add --init.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/bin/sh", "/usr/local/lib/ecom/secrets-env.sh"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
