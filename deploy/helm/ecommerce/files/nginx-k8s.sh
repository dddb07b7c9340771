#!/bin/sh
# Starts nginx in the chart's nginx pods with the Compose stack's own nginx.conf (nginx/nginx.conf,
# copied into the chart by scripts/helm-files.mjs): nginx/render-compose-conf.sh renders it as in
# Compose (EDGE_MODE, a certificate in TLS_DIR or none), then what differs on Kubernetes changes:
#   - the resolver: the pod's DNS server (the cluster DNS) instead of Docker's 127.0.0.11;
#   - the gateway: its headless Service's full name (nginx's resolver knows no search list);
#   - the ports: 8080/8443, since an unprivileged process without capabilities cannot bind 80/443
#     (the Service maps 80/443 to them).
# The root filesystem is read-only: the result goes to /tmp (an emptyDir).
set -eu
: "${GATEWAY_HOST:?GATEWAY_HOST (the api-gateway Service's full name) is not set}"
out=/tmp/nginx/nginx.conf
mkdir -p /tmp/nginx
sh /etc/nginx/ecom/render.sh /etc/nginx/ecom/nginx.conf "$out"
resolver=$(awk '/^nameserver/ { print $2; exit }' /etc/resolv.conf)
sed -i -e "s/resolver 127\.0\.0\.11 /resolver $resolver /" \
  -e "s/server api-gateway:3000 /server $GATEWAY_HOST:3000 /" \
  -e 's/listen 80;/listen 8080;/' -e 's/listen 443 ssl/listen 8443 ssl/' "$out"
# A changed nginx.conf that these edits no longer match must stop here, not start half-adapted.
for want in "resolver $resolver " "server $GATEWAY_HOST:3000 " 'listen 8080;'; do
  grep -qF "$want" "$out" || {
    echo "nginx-k8s: '$want' not found after the edits: nginx/nginx.conf changed shape" >&2
    exit 1
  }
done
exec nginx -c "$out" -g 'daemon off;'
