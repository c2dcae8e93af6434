#!/usr/bin/env bash
# Install nginx (the authenticating reverse proxy in front of the Dagster webserver, see
# deploy/proxy/) and openssl (to hash its passwords and make a test certificate) from Debian's
# packages, if either is absent.
#
# Used by .ci/run (a fresh Debian machine, running as root) for tests/integration/test_proxy.py,
# and on the Dagster host before deploy/README.md step 5. Idempotent and quiet: apt's output
# goes to a log that is printed only if the installation fails. The package's own service is
# not started here: the deployment enables it itself (deploy/README.md), and the test starts
# nginx on its own configuration.
set -euo pipefail

if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
    if command -v openssl >/dev/null; then
        exit 0
    fi
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "install_proxy.sh: install 'nginx' and 'openssl'" \
         "(apt-get install -y nginx openssl) and run again" >&2
    exit 1
fi
log=$(mktemp -t install-proxy.XXXXXX.log)
cleanup() { rm -f "$log"; }
export DEBIAN_FRONTEND=noninteractive
# Without a policy-rc.d (a machine that is not a container image) the package would start the
# system nginx on port 80 with Debian's default site: say no for the length of the install.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    cleanup() { rm -f "$log" /usr/sbin/policy-rc.d; }
fi
trap cleanup EXIT
install() {
    apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        nginx openssl >>"$log" 2>&1
}
# A fresh machine's package lists may be missing or stale: update once, only if needed.
if ! install; then
    if ! { apt-get update -q >>"$log" 2>&1 && install; }; then
        cat "$log" >&2
        echo "install_proxy.sh: apt-get install nginx openssl failed" >&2
        exit 1
    fi
fi
echo "install_proxy.sh: installed $(/usr/sbin/nginx -v 2>&1)"
