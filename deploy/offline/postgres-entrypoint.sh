#!/bin/sh
# First start: a cluster with POSTGRES_USER as its superuser (password POSTGRES_PASSWORD, required
# over the network) and the database POSTGRES_DB. Every start: PostgreSQL in the foreground.
set -eu
BIN=/usr/lib/postgresql/15/bin
AS_POSTGRES="setpriv --reuid=postgres --regid=postgres --init-groups"
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}" "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    password_file=$(mktemp)
    printf '%s' "$POSTGRES_PASSWORD" > "$password_file"
    chown postgres "$password_file"
    $AS_POSTGRES "$BIN/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$password_file" \
        --auth-local=trust --auth-host=scram-sha-256
    rm -f "$password_file"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    $AS_POSTGRES "$BIN/pg_ctl" -D "$PGDATA" -o "-c listen_addresses=''" -w start
    if [ "$POSTGRES_DB" != postgres ]; then
        $AS_POSTGRES "$BIN/createdb" -U "$POSTGRES_USER" -h /var/run/postgresql "$POSTGRES_DB"
    fi
    $AS_POSTGRES "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop
fi
exec $AS_POSTGRES "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*'
