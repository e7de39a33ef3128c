#!/bin/sh
# Install the Debian packages the tests need, when missing and when we may (root, or sudo without a password):
# CJK fonts (Chinese in PDFs and screenshots), HarfBuzz subsetting and Pango for WeasyPrint, Chromium for Playwright.
# Playwright's Python package brings its own driver and uses /usr/bin/chromium, so no `playwright install`.
# LibreOffice Calc (headless) opens our exports the way a user's spreadsheet program does (tests/test_export.py);
# poppler's pdftoppm renders certificate PDFs to PNG so that tests look at the pages; zbarimg reads their QR codes.
set -e
need=""
for pkg in fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
[ -x /usr/bin/chromium ] || need="$need chromium"
command -v soffice >/dev/null || need="$need libreoffice-calc-nogui"
command -v pdftoppm >/dev/null || need="$need poppler-utils"
command -v zbarimg >/dev/null || need="$need zbar-tools"
[ -z "$need" ] && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  as_root=""
elif command -v apt-get >/dev/null && command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  echo "missing system packages:$need (install them with your package manager)" >&2
  exit 1
fi
echo "installing:$need"
$as_root apt-get update -qq
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
[ -x /usr/bin/chromium ] || { echo "chromium did not install at /usr/bin/chromium" >&2; exit 1; }
command -v soffice >/dev/null || { echo "LibreOffice (soffice) did not install" >&2; exit 1; }
command -v pdftoppm >/dev/null || { echo "poppler-utils (pdftoppm) did not install" >&2; exit 1; }
command -v zbarimg >/dev/null || { echo "zbar-tools (zbarimg) did not install" >&2; exit 1; }
