#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's Chromium, a PostgreSQL server)
# and run the whole suite. This is what CI runs (.ci/run).
source "$(dirname "$0")/venv.sh"
python -m pip install -q -e '.[test]'
bash scripts/ensure_system_packages.sh
source scripts/postgres.sh   # starts a throwaway PostgreSQL server, exports STUDY_TEST_PG_URL
status=0
python -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$status"
