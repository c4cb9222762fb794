#!/usr/bin/env bash
# The system packages the test suite needs, none optional: headless Chromium for the
# browser tests, R with EpiEstim (the reference for Rt), a Chinese font for PDFs and
# screenshots, gettext for the translation check. As root on Debian they are installed;
# elsewhere this says exactly what to install and fails, so that no test is skipped.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v Rscript >/dev/null 2>&1 || need+=(r-base-core)
if command -v Rscript >/dev/null 2>&1; then
  Rscript -e 'quit(status = !requireNamespace("EpiEstim", quietly = TRUE))' >/dev/null 2>&1 \
    || need+=(r-cran-epiestim)
else
  need+=(r-cran-epiestim)
fi
fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' || need+=(fonts-noto-cjk)
command -v xgettext >/dev/null 2>&1 || need+=(gettext)
# The briefing's PDF (WeasyPrint needs Pango) and the test that rasterises its pages.
ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || need+=(libpangoft2-1.0-0)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  exit 0
fi
echo "The tests need these system packages: ${need[*]}" >&2
echo "On Debian or Ubuntu: sudo apt-get install ${need[*]}" >&2
echo "(chromium for browser tests, r-base-core + r-cran-epiestim for the Rt reference," >&2
echo " fonts-noto-cjk for Chinese PDFs and screenshots, gettext for the translation check," >&2
echo " libpango for the briefing's PDF, poppler-utils to check its pages)" >&2
exit 1
