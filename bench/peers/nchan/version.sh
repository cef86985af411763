#!/usr/bin/env bash
# Prints the versions of nginx and the nchan module, e.g. "nginx 1.22.1, nchan 1.3.6".
set -euo pipefail
nginx_v=$(nginx -v 2>&1 | sed 's|.*nginx/||')
nchan_v=$(dpkg-query -W -f='${Version}' libnginx-mod-nchan 2>/dev/null | sed 's/^[0-9]*://; s/[+-].*//')
echo "nginx $nginx_v, nchan ${nchan_v:-unknown}"
