# Sourced by test.sh: start a throwaway PostgreSQL server on a free local port, in a temp folder,
# and export STUDY_TEST_PG_URL so that the database tests also run on PostgreSQL.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ]; then
  echo "PostgreSQL is not installed: the PostgreSQL variants of the tests will be skipped." >&2
  return 0
fi
pg_dir=$(mktemp -d /tmp/study-pg.XXXXXX)
pg_port=$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"
run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U study -A trust >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off" -w start >/dev/null
export STUDY_TEST_PG_URL="postgresql+psycopg://study@127.0.0.1:$pg_port/postgres"
trap 'run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pg_dir"' EXIT
