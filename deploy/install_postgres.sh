#!/usr/bin/env bash
# Install the PostgreSQL server from Debian's packages, if no server binaries are present.
#
# Used by .ci/run (a fresh Debian machine, running as root) and by
# tests/test_postgres_deployment.py. Idempotent: does nothing when
# /usr/lib/postgresql/<version>/bin/initdb already exists. Quiet: apt's output goes to a log
# that is printed only if the installation fails.
set -euo pipefail

if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_postgres.sh: PostgreSQL is not installed and this is not root; install the" \
         "'postgresql' package (apt-get install postgresql) and run again" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null; then
    echo "install_postgres.sh: no apt-get on this machine; install PostgreSQL by hand" >&2
    exit 1
fi

log=$(mktemp -t install-postgres.XXXXXX.log)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# The tests start their own private cluster: don't let the package create (and try to start)
# the system-wide `main` cluster. The package's scripts read this setting from
# createcluster.conf only; keep that file when the package ships its own (--force-confold).
mkdir -p /etc/postgresql-common
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.conf
fi

install() {
    apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        postgresql >>"$log" 2>&1
}
# A fresh machine's package lists may be missing or stale: update once, only if needed.
if ! install; then
    if ! { apt-get update -q >>"$log" 2>&1 && install; }; then
        cat "$log" >&2
        echo "install_postgres.sh: apt-get install postgresql failed" >&2
        exit 1
    fi
fi
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
echo "install_postgres.sh: installed $(ls -d /usr/lib/postgresql/*/ | head -1)"
