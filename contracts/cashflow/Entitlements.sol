// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {InvestorRecord} from "../identity/InvestorRecord.sol";

/// @title Entitlements
/// @notice Rules shared by the cash-flow contracts for money owed to a holder who cannot take it from the wallet
/// it is booked to: it follows the investor (another wallet of the same investor in the token's registry), and
/// after a long-stop period money no one can ever be paid goes to the issuer's treasury.
library Entitlements {
    using InvestorRecord for uint256;

    /// @notice Default long-stop period in days: five years, a common limitation period for unclaimed payments.
    uint256 internal constant DEFAULT_LONG_STOP_DAYS = 5 * 365;
    /// @notice Shortest long-stop an admin may set, in days: one year after the money became payable.
    uint256 internal constant MIN_LONG_STOP_DAYS = 365;

    /// @dev `to` is not a registered wallet of the investor owning `holder`.
    error NotSameInvestor(address holder, address to);
    /// @dev A long-stop period below {MIN_LONG_STOP_DAYS} (0 restores the default).
    error LongStopTooShort(uint256 periodDays);
    /// @dev Only the holder or an agent of the contract may move the holder's entitlement.
    error NotHolderOrAgent(address caller);
    /// @dev The long-stop period has not ended yet (unix time it ends).
    error LongStopNotReached(uint256 endsAt);

    /// @dev Reverts unless `holder` and `to` are both registered in `registry` under the same investor key. A lost
    /// wallet keeps its record after recovery (the token freezes it instead), so the link stays provable.
    function requireSameInvestor(address registry, address holder, address to) internal view {
        (uint256 a, uint256 b) = IInvestorRegistry(registry).recordPair(holder, to);
        if (!a.isRegistered() || !b.isRegistered() || a.investorKey() != b.investorKey()) {
            revert NotSameInvestor(holder, to);
        }
    }

    /// @dev Reverts for a non-zero period shorter than {MIN_LONG_STOP_DAYS}.
    function checkLongStop(uint256 periodDays) internal pure {
        if (periodDays != 0 && periodDays < MIN_LONG_STOP_DAYS) revert LongStopTooShort(periodDays);
    }

    /// @dev The long-stop period in seconds for a stored number of days (0 = the default).
    function longStopSeconds(uint256 periodDays) internal pure returns (uint256) {
        return (periodDays == 0 ? DEFAULT_LONG_STOP_DAYS : periodDays) * 1 days;
    }
}
