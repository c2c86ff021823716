#!/usr/bin/env bash
# Debian's Chromium (for Playwright browser tests and static figure export), PostgreSQL and
# pdflatex with booktabs (LaTeX table exports) and antiword (legacy Word .doc transcripts), installed
# when missing.
# Never a downloaded browser build: Playwright drives /usr/bin/chromium.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v antiword >/dev/null 2>&1 || missing+=(antiword)  # reads legacy .doc transcripts
command -v pdflatex >/dev/null 2>&1 && kpsewhich booktabs.sty >/dev/null 2>&1 \
  || missing+=(texlive-latex-base texlive-latex-recommended)  # LaTeX table exports compile in tests
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Needs Debian packages: ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "Installing Debian packages: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
