# TEST-ONLY stand-in for mongo:7: the database `npm start` and `npm test` run, FerretDB v2 (MongoDB
# wire protocol) over PostgreSQL 18 + DocumentDB, both in one container (ferretdb/entrypoint.sh).
# BASE_IMAGE is scripts/install-embedded-db.sh's build imported by
# scripts/compose-test/base-images.sh: its Debian forky root filesystem, with the FerretDB binary at
# /usr/local/bin/ferretdb and the initialised data directory at /usr/local/share/embedded-db/template.
# Not a MongoDB: no users or auth (credentials in the URL are ignored), no init scripts
# (MONGO_INITDB_* and /docker-entrypoint-initdb.d are ignored). Real MongoDB images are validated
# statically only.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY entrypoint.sh /usr/local/bin/ferretdb-entrypoint
COPY mongosh /usr/local/bin/mongosh
# Owned by postgres: a new named volume takes this directory's owner and mode, so nothing needs root.
RUN mkdir -p /data/db && chown postgres:postgres /data/db && chmod 700 /data/db
ENV PATH=/usr/lib/postgresql/18/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER postgres
WORKDIR /data/db
EXPOSE 27017
ENTRYPOINT ["/usr/local/bin/ferretdb-entrypoint"]
