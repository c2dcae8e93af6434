#!/usr/bin/env bash
# Render a published workbook to PDF (and PNG pages) with LibreOffice headless, to look at
# it as a reader would: print set-up, colours, number formats, charts.
#   scripts/render_pdf.sh output/excel/midlothian__childrens-services__2019-20__performance-report.xlsx [outdir]
# Needs Debian's libreoffice-calc-nogui and poppler-utils (apt-get install -y ...).
set -euo pipefail
workbook="$1"
out="${2:-output/pdf}"
mkdir -p "$out"
soffice --headless --norestore --convert-to pdf --outdir "$out" "$workbook" >/dev/null
pdf="$out/$(basename "${workbook%.xlsx}").pdf"
pdftoppm -png -r 90 "$pdf" "${pdf%.pdf}-page"
echo "$pdf"
ls "${pdf%.pdf}"-page*.png
