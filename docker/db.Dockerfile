# PostgreSQL 15 from Debian bookworm packages, configured from the environment like the
# official `postgres` image (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA).
# Built by docker/build.sh; BASE is a Debian bookworm image (debian:bookworm-slim or the
# debootstrapped admin-base/debian:bookworm-slim from docker/base-image.sh).
ARG BASE=debian:bookworm-slim
FROM ${BASE}

# No automatic "main" cluster: the entrypoint runs initdb into the volume on first start.
RUN set -eux; \
    mkdir -p /etc/postgresql-common/createcluster.d; \
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/docker.conf; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15; \
    rm -rf /var/lib/apt/lists/*; \
    mkdir -p /var/run/postgresql /var/lib/postgresql/data; \
    chown postgres:postgres /var/run/postgresql /var/lib/postgresql /var/lib/postgresql/data; \
    chmod 3777 /var/run/postgresql; \
    chmod 0700 /var/lib/postgresql/data

ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8

COPY db/entrypoint.sh /usr/local/bin/db-entrypoint.sh

VOLUME /var/lib/postgresql/data
EXPOSE 5432
# SIGINT = PostgreSQL's "fast" shutdown: rolls back open transactions and exits cleanly
# (SIGTERM's "smart" mode would wait for every client to disconnect).
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/db-entrypoint.sh"]
CMD ["postgres"]
