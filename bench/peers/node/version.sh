#!/usr/bin/env bash
# Prints the versions of the Node.js peer's parts on one line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
node -e '
const v = (p) => require("./node_modules/" + p + "/package.json").version;
const redis = require("child_process").execSync("redis-server --version").toString().match(/v=(\S+)/)[1];
console.log(`node ${process.versions.node}, express ${v("express")}, ws ${v("ws")}, ioredis ${v("ioredis")}, redis-server ${redis}`);
'
