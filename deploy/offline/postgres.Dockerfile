# A stand-in for postgres:15-bookworm, from Debian's PostgreSQL 15, for an engine that cannot pull
# public images. Built by deploy/offline-images. It honours the same POSTGRES_USER, POSTGRES_PASSWORD
# and POSTGRES_DB on first start, keeps its data in /var/lib/postgresql/data and listens on 5432.
FROM cohort-lrs-offline/debian:bookworm
RUN mkdir -p /etc/postgresql-common \
 && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PGDATA=/var/lib/postgresql/data
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/bin/sh", "/usr/local/bin/postgres-entrypoint.sh"]
