# TEST-ONLY stand-in for node:24-bookworm-slim (no container registry is reachable where the
# compose test runs): Debian bookworm minbase + the Node.js binary and npm from the npm registry.
# Built by scripts/compose-test/base-images.sh; context: a folder holding node/ and npm/.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY node/bin/node /usr/local/bin/node
COPY npm/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/sh --create-home node \
 && node --version && npm --version
# The host's CA bundle (copied into the base image): npm ci inside builds must trust whatever
# the host trusts (e.g. a TLS-inspecting egress proxy).
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/host-ca-bundle.crt
CMD ["node"]
