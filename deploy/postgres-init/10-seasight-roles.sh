#!/bin/sh
# Run once by the official PostGIS image when it initialises an empty data volume (as POSTGRES_USER, the
# cluster's superuser). Creates Seasight's database roles, as seasight/stack.py prepare_roles does for the
# local stack:
#   seasight_owner  LOGIN  owns the database and every object; runs migrations only
#   seasight_app    NOLOGIN  the application's privileges (granted by migration 0070)
#   seasight        LOGIN  member of seasight_app; what the services connect as; owns nothing
# None is a superuser or has BYPASSRLS. Passwords come from the environment of the db service.
set -eu
: "${SEASIGHT_OWNER_PASSWORD:?set SEASIGHT_OWNER_PASSWORD}"
: "${SEASIGHT_DB_PASSWORD:?set SEASIGHT_DB_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v owner_pw="$SEASIGHT_OWNER_PASSWORD" -v app_pw="$SEASIGHT_DB_PASSWORD" <<'SQL'
CREATE ROLE seasight_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_pw';
CREATE ROLE seasight_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE seasight LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_pw';
GRANT seasight_app TO seasight;
CREATE EXTENSION IF NOT EXISTS postgis;
ALTER DATABASE seasight OWNER TO seasight_owner;
ALTER SCHEMA public OWNER TO seasight_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON DATABASE seasight FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO seasight_app;
SQL
