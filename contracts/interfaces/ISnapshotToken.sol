// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title ISnapshotToken
/// @notice The slice of the security token the cash-flow contracts depend on. The real token
/// (contracts/token/SecurityToken.sol) implements it through ISecurityToken, which extends it; tests use
/// MockSnapshotToken.
/// @dev Kept minimal on purpose: the Distributor, Redemption and Waterfall must not couple to the token's
/// compliance internals, only to record-date balances, holder eligibility, the agent burn and the rule-checked
/// redemption burn.
interface ISnapshotToken is IERC20Metadata {
    /// @notice Records balances and total supply as of now; O(1) in the number of holders.
    /// @dev Caller needs the token's SNAPSHOT_ROLE. Ids start at 1 and increase by one.
    /// @return id The new snapshot id.
    function snapshot() external returns (uint256 id);

    /// @notice Balance of `account` when snapshot `snapshotId` was taken.
    /// @dev MUST revert for an id that has not been taken yet, so a distribution cannot be created
    /// against a future record date whose balances could still be moved.
    function balanceOfAt(address account, uint256 snapshotId) external view returns (uint256);

    /// @notice Total supply when snapshot `snapshotId` was taken. MUST revert for an id not yet taken.
    function totalSupplyAt(uint256 snapshotId) external view returns (uint256);

    /// @notice One call for a payment: `account`'s balance at `snapshotId` (reverts for an id not taken yet), its
    /// holder number (assigned on the wallet's first credit, never reused, 0 if it never held tokens, below
    /// 2^24), 0 if `account` may receive tokens now (verified, KYC valid, not frozen) or else an ERC-1404 reason
    /// code (contracts/compliance/ReasonCodes.sol), and the investor's ISO-3166 numeric country (0 if unknown).
    /// `snapshotId` 0 means now (the current balance).
    function holderAt(address account, uint256 snapshotId)
        external
        view
        returns (uint256 balance, uint256 number, uint8 code, uint16 country);

    /// @notice Destroys `amount` of `account`'s tokens. Caller needs the token's AGENT_ROLE.
    function burn(address account, uint256 amount) external;

    /// @notice Destroys `amount` of `holder`'s tokens for a redemption under every sender-side rule of a transfer
    /// (pause, halt, sender eligibility, frozen part, lockups, compliance hook); reverts with the rule's code.
    /// Caller needs the token's AGENT_ROLE.
    function redeemFrom(address holder, uint256 amount) external;

    /// @notice Partially frozen amount of `account` (ERC-3643).
    function getFrozenTokens(address account) external view returns (uint256);
}
