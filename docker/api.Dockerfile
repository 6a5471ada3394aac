# "API service" image of the reference stack: a tiny stdlib-Python API (GET /health on
# :8000) plus the host-built `migrator` binary that `admin` execs in this container.
# Built by docker/build.sh from a minimal context: api/app.py and migrator.
# Runs as any uid:gid (`admin` execs makemigrations as the host user): nothing here
# needs a home directory or a passwd entry.
ARG BASE=debian:bookworm-slim
FROM ${BASE}

RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        bash ca-certificates python3; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 app; \
    useradd --system --uid 10001 --gid app --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin app; \
    mkdir -p /app/migrations

ENV MIGRATIONS_DIR=/app/migrations \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8

COPY api/app.py /app/app.py
COPY migrator /usr/local/bin/migrator

WORKDIR /app
USER 10001:10001
EXPOSE 8000
CMD ["python3", "/app/app.py"]
