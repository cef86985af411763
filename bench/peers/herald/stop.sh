#!/usr/bin/env bash
# Stops what start.sh started in WORKDIR; idempotent.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"
stop_all "${1:?usage: stop.sh WORKDIR}"
