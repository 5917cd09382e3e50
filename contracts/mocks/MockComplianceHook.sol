// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IComplianceHook} from "../interfaces/IComplianceHook.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title MockComplianceHook
/// @notice Test hook: refuses moves to receivers placed on a deny list with a configurable code, and can be
/// told to revert to exercise the token's fallback to HOOK_REJECTED.
contract MockComplianceHook is IComplianceHook {
    mapping(address account => bool denied) public denied;
    mapping(address account => uint256 amount) private _held;
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

    /// @notice Holds back `amount` of `account`'s balance: moves leaving less than it are refused.
    function setHeld(address account, uint256 amount) external {
        _held[account] = amount;
    }

    /// @inheritdoc IComplianceHook
    function check(address token, address from, address to, uint256 amount) external view returns (uint8) {
        if (shouldRevert) revert HookFailure();
        uint256 held = _held[from];
        if (held != 0 && IERC20(token).balanceOf(from) < amount + held) return refusalCode;
        return denied[to] ? refusalCode : 0;
    }

    /// @inheritdoc IComplianceHook
    function heldBalanceOf(address, address holder) external view returns (uint256) {
        if (shouldRevert) revert HookFailure();
        return _held[holder];
    }
}
