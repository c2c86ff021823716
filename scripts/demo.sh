#!/usr/bin/env bash
# Install study and open the app on the bundled sample study (./study.db, built on first run).
source "$(dirname "$0")/venv.sh"
python -m pip install -q -e .
exec study demo "$@"
