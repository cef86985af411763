#!/usr/bin/env bash
# Prints the versions of Pushpin and its services, e.g. "pushpin 1.36.0, condure 1.9.1, zurl 1.11.1".
set -euo pipefail
pushpin_v=$(pushpin --version 2>/dev/null | awk '{print $NF; exit}')
condure_v=$(condure --version 2>/dev/null | awk '{print $NF; exit}')
zurl_v=$(zurl --version 2>/dev/null | awk '{print $NF; exit}')
echo "pushpin $pushpin_v, condure $condure_v, zurl $zurl_v"
