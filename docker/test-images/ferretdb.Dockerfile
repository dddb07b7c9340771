# TEST-ONLY stand-in for mongo:7: FerretDB (MongoDB wire protocol over SQLite), the same server
# the integration tests use. Not a MongoDB: no users or auth (credentials in the URL are
# ignored), no init scripts. Real MongoDB images are validated statically only.
# The compose files' health check runs `mongosh ... "mongodb://$(hostname):27017/admin" --eval
# ping`: a stand-in `mongosh` connects to that port (a health check override would be appended to
# the original command by Swarm's file merge, not replace it).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY ferretdb /usr/local/bin/ferretdb
RUN mkdir -p /data/db && chown nobody:nogroup /data/db \
 && printf '%s\n' '#!/bin/bash' \
      '# TEST-ONLY mongosh stand-in: succeeds when port 27017 of this container accepts a connection.' \
      'exec 3<>/dev/tcp/127.0.0.1/27017' >/usr/local/bin/mongosh \
 && chmod 755 /usr/local/bin/mongosh
USER nobody
EXPOSE 27017
ENTRYPOINT ["/usr/local/bin/ferretdb", "--handler=sqlite", "--sqlite-url=file:/data/db/", \
  "--state-dir=/data/db", "--listen-addr=:27017", "--debug-addr=-", "--telemetry=disable", \
  "--log-level=warn"]
