#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's Chromium, a PostgreSQL server)
# and run the whole suite. This is what CI runs (.ci/run).
source "$(dirname "$0")/venv.sh"
python -m pip install -q -e '.[test]'
bash scripts/ensure_system_packages.sh
source scripts/postgres.sh   # starts a throwaway PostgreSQL server, exports STUDY_TEST_PG_URL
status=0
# Two workers, each test file whole on one of them (the browser tests as one file: tests/conftest.py).
# STUDY_TEST_WORKERS=0 runs everything in this one process.
python -m pytest -n "${STUDY_TEST_WORKERS:-2}" --dist loadfile "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$status"
