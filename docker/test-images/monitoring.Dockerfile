# TEST-ONLY stand-in for the Prometheus and exporter images: Debian's packages, with the binaries
# also under the paths the compose files' health checks use. One image, one entrypoint per role:
# scripts/compose-test/base-images.sh tags it once per role with ENTRYPOINT set.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends wget prometheus prometheus-nginx-exporter \
      prometheus-redis-exporter prometheus-node-exporter \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /usr/bin/prometheus-nginx-exporter /usr/bin/nginx-prometheus-exporter \
 && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
