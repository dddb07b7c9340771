# TEST-ONLY stand-in for nginx:1.27-alpine: nginx/nginx.conf needs nginx >= 1.27.3 (`resolve` in
# upstream servers), newer than bookworm's, so nginx comes from Debian's testing suite; wget is
# for the compose health check. Check-Valid-Until=false: a mirror snapshot's testing Release file
# expires within days, and an expired one must not break the test.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN sed 's/ bookworm / forky /' /etc/apt/sources.list >/etc/apt/sources.list.d/forky.list \
 && apt-get -o Acquire::Check-Valid-Until=false update \
 && apt-get install -y --no-install-recommends wget \
 && apt-get install -y --no-install-recommends -t forky nginx \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/* \
 && nginx -v
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
