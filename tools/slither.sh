#!/usr/bin/env bash
# Run Slither over every production contract (mocks excluded, and the shanghai build's stand-ins for OpenZeppelin
# files in contracts/compat, which clash with the originals in one compile) through the solc shim; fail on high/medium.
# Slither wants one target file with the solc framework, so we analyse an entry file importing them all.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/@foundry-rs/forge-linux-amd64/bin:$PATH"  # crytic-compile asks forge for config
mkdir -p build
{
  echo "// SPDX-License-Identifier: MIT"
  echo "pragma solidity ^0.8.24;"
  find contracts -name '*.sol' -not -path 'contracts/mocks/*' -not -path 'contracts/compat/*' | sort | sed 's|.*|import "../&";|'
} > build/SlitherEntry.sol
exec .venv-slither/bin/slither build/SlitherEntry.sol --compile-force-framework solc --solc tools/solc \
  --solc-remaps "@openzeppelin/=node_modules/@openzeppelin/" --config-file slither.config.json --fail-medium "$@"
