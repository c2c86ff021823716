# Sourced by demo.sh and test.sh: a project virtual environment in .venv, created when missing.
# Debian's own Python refuses `pip install` outside a venv (PEP 668), so everything lives in .venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    echo "Installing python3-venv (Debian's venv support)..." >&2
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    "$PYTHON" -m venv .venv
  fi
fi
export PATH="$PWD/.venv/bin:$PATH"
python -m pip install -q --upgrade pip >/dev/null
