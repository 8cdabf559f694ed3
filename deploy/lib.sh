# Shared by deploy/local and deploy/cluster (sourced, not run): messages, the embedded
# PostgreSQL and the CMake build. Expects $root, $build_root, $jobs and $script_name.
# shellcheck shell=bash disable=SC2154

say() { printf '%s: %s\n' "$script_name" "$*" >&2; }
die() { say "error: $*"; exit 1; }

pg_bin() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
  done
  die "PostgreSQL server binaries not found (package postgresql)"
}

# --- embedded PostgreSQL -------------------------------------------------------------------
# A private cluster in the build tree: its own data directory, a Unix socket in that directory
# and a port on 127.0.0.1. PostgreSQL refuses to run as root, so as root the cluster belongs to
# the unprivileged `postgres` user. It is never the system cluster.
PG_DIR=""
PG_SOCK_TMP=""
PG_STARTED=0
PG_AS=()

free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

pg_prepare_dir() {
  local dir=$1
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "no 'postgres' system user (package postgresql)"
    PG_AS=(runuser -u postgres --)
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    # The postgres user must be able to reach the build tree; a clone under /root is not.
    if ! "${PG_AS[@]}" test -w "$dir"; then
      local alt
      if [ -L "$dir.link" ] && [ -d "$(readlink "$dir.link")" ]; then
        alt=$(readlink "$dir.link")   # the same cluster as last time
      else
        alt=$(mktemp -d /tmp/mcu-pg.XXXXXX)
        chown postgres:postgres "$alt"
        ln -sfn "$alt" "$dir.link"
      fi
      say "postgres cannot reach $dir; using $alt (linked from $dir.link)"
      PG_DIR=$alt
      return
    fi
  else
    mkdir -p "$dir"
    chmod 700 "$dir"
  fi
  PG_DIR=$dir
}

pg_start() {   # $1: directory; exports DATABASE_URL
  local bin port pass socket_dir
  bin=$(pg_bin)
  pg_prepare_dir "$1"
  socket_dir="$PG_DIR"
  # A Unix socket path is limited to 107 bytes.
  if [ ${#socket_dir} -gt 80 ]; then
    socket_dir=$(mktemp -d /tmp/mcu-pgsock.XXXXXX)
    PG_SOCK_TMP=$socket_dir
    [ ${#PG_AS[@]} -eq 0 ] || chown postgres "$socket_dir"
  fi
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    pass=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    printf '%s\n' "$pass" >"$PG_DIR/password.tmp"
    [ ${#PG_AS[@]} -eq 0 ] || chown postgres "$PG_DIR/password.tmp"
    "${PG_AS[@]}" "$bin/initdb" -D "$PG_DIR/data" -U mcu --auth=scram-sha-256 \
      --pwfile="$PG_DIR/password.tmp" -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
      { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    mv "$PG_DIR/password.tmp" "$PG_DIR/password"
    chmod 600 "$PG_DIR/password"
  fi
  pass=$(cat "$PG_DIR/password")
  # Already running (`deploy/local run` in another terminal, and now `deploy/local token`):
  # use it as it is, and leave it running.
  if [ -f "$PG_DIR/data/postmaster.pid" ] &&
     "${PG_AS[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; then
    port=$(sed -n 4p "$PG_DIR/data/postmaster.pid")
    [ -z "$PG_SOCK_TMP" ] || rm -rf "$PG_SOCK_TMP"
    PG_SOCK_TMP=""
    export DATABASE_URL="postgresql://mcu:$pass@127.0.0.1:$port/mcu"
    say "embedded PostgreSQL already running on 127.0.0.1:$port; using it"
    return
  fi
  port=${MCU_PG_PORT:-$(free_port 55432)}
  # setsid: Ctrl-C in the terminal goes to mcu, and this script stops the cluster afterwards.
  "${PG_AS[@]}" setsid "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $socket_dir -c fsync=${MCU_PG_FSYNC:-on}" \
    start >/dev/null || { tail -20 "$PG_DIR/postgres.log" >&2; die "embedded PostgreSQL did not start"; }
  PG_STARTED=1
  export PGPASSWORD=$pass
  if ! psql -h 127.0.0.1 -p "$port" -U mcu -d postgres -Atqc "SELECT 1 FROM pg_database WHERE datname='mcu'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$port" -U mcu -d postgres -qc 'CREATE DATABASE mcu' >/dev/null
  fi
  unset PGPASSWORD
  export DATABASE_URL="postgresql://mcu:$pass@127.0.0.1:$port/mcu"
  say "embedded PostgreSQL on 127.0.0.1:$port (socket in $socket_dir, data in $PG_DIR/data)"
}

# Removes a cluster directory and, when postgres could not reach the build tree, its /tmp twin.
pg_remove() {
  local dir=$1
  [ -L "$dir.link" ] && rm -rf "$(readlink "$dir.link")" "$dir.link"
  rm -rf "$dir"
}

pg_stop() {
  [ "$PG_STARTED" -eq 1 ] || return 0
  PG_STARTED=0
  "${PG_AS[@]}" "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
    say "warning: embedded PostgreSQL did not stop cleanly"
  [ -z "$PG_SOCK_TMP" ] || rm -rf "$PG_SOCK_TMP"
}

# --- build ---------------------------------------------------------------------------------
build() {   # $1: build dir, rest: cmake -D options
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}
