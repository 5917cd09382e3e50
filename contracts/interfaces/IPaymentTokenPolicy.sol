// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPaymentTokenPolicy
/// @notice What other cash-flow contracts of an offering (Redemption, Waterfall) ask the offering's policy.
interface IPaymentTokenPolicy {
    /// @notice Whether `paymentToken` may be used for new payments of the offering.
    function isPaymentTokenAllowed(address paymentToken) external view returns (bool);

    /// @notice The ISO-4217 currency code recorded for `paymentToken` (zero when never registered).
    function paymentTokenCurrency(address paymentToken) external view returns (bytes8);
}
