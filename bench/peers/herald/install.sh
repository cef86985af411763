#!/usr/bin/env bash
# herald needs nothing beyond scripts/install-deps.sh; bench/run.sh builds it.
set -euo pipefail
