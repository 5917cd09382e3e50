// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// rwa_token/compiler.py compiles only the folders in its ARTIFACT_FOLDERS, which does not list `proceeds/` yet;
// importing the vault here makes solc emit its artifact (every contract under contracts/ that a compiled source
// imports gets one). Delete this file once `proceeds` is added to ARTIFACT_FOLDERS.
import {ProceedsVault} from "../proceeds/ProceedsVault.sol";
