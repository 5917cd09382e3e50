// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IComplianceHook
/// @notice Optional external rule for what the token's built-in rule set does not cover. Called (static) only
/// when a hook is configured, after every built-in rule has passed.
interface IComplianceHook {
    /// @notice Returns 0 to allow the move, otherwise a code from the reason-code table (e.g. HOOK_REJECTED,
    /// or COLLATERAL_LOCKED for a pledge registry). `from` is zero for a mint.
    /// @param token The security token asking.
    /// @param from Sender (zero address for a mint).
    /// @param to Receiver.
    /// @param amount Token amount in base units.
    function check(address token, address from, address to, uint256 amount) external view returns (uint8 code);

    /// @notice Amount of `holder`'s `token` balance this hook holds back from every move (e.g. a collateral
    /// pledge); 0 if none. A redemption at maturity redeems around it instead of refusing the whole balance.
    function heldBalanceOf(address token, address holder) external view returns (uint256);
}
