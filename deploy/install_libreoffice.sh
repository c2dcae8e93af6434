#!/usr/bin/env bash
# Install LibreOffice Calc (headless) and poppler-utils from Debian's packages, if absent.
#
# Used by .ci/run (a fresh Debian machine, running as root) for tests/test_print_quality.py,
# which renders the published reports to PDF and checks their pages, and by anyone who wants
# to look at a report as a reader would (scripts/render_pdf.sh). Idempotent and quiet: apt's
# output goes to a log that is printed only if the installation fails.
set -euo pipefail

if command -v soffice >/dev/null && command -v pdftotext >/dev/null; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "install_libreoffice.sh: install 'libreoffice-calc-nogui' and 'poppler-utils'" \
         "(apt-get install -y libreoffice-calc-nogui poppler-utils) and run again" >&2
    exit 1
fi
log=$(mktemp -t install-libreoffice.XXXXXX.log)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update && apt-get install -y --no-install-recommends \
        libreoffice-calc-nogui poppler-utils; } >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
