#!/usr/bin/env bash
# Refresh requirements.lock: resolve pyproject.toml's ranges afresh in a scratch
# environment and pin every package that resolution chose (`make lock`).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
scratch=$(mktemp -d /tmp/medisup-lock.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
"$python" -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip install --quiet --upgrade pip
"$scratch/venv/bin/python" -m pip install --quiet '.[dev]'
{
  echo "# Pinned versions the suite passes with; \`make install\` installs through it."
  echo "# Refresh with \`make lock\` after changing the ranges in pyproject.toml."
  "$scratch/venv/bin/python" -m pip freeze --exclude-editable | grep -v -i '^medisup[= @]'
} > requirements.lock
echo "requirements.lock: $(grep -vc '^#' requirements.lock) packages pinned"
