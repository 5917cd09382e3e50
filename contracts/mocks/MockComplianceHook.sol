// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IComplianceHook} from "../compliance/IComplianceHook.sol";

/// @title MockComplianceHook
/// @notice Test hook: refuses moves to receivers placed on a deny list with a configurable code, and can be
/// told to revert to exercise the token's fallback to HOOK_REJECTED.
contract MockComplianceHook is IComplianceHook {
    mapping(address account => bool denied) public denied;
    uint8 public refusalCode = 20; // HOOK_REJECTED
    bool public shouldRevert;

    error HookFailure();

    /// @notice Adds or removes `account` from the deny list.
    function setDenied(address account, bool isDenied) external {
        denied[account] = isDenied;
    }

    /// @notice Code returned for denied receivers.
    function setRefusalCode(uint8 code) external {
        refusalCode = code;
    }

    /// @notice Makes {check} revert.
    function setShouldRevert(bool value) external {
        shouldRevert = value;
    }

    /// @inheritdoc IComplianceHook
    function check(address, address, address to, uint256) external view returns (uint8) {
        if (shouldRevert) revert HookFailure();
        return denied[to] ? refusalCode : 0;
    }
}
