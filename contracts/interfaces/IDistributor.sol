// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDistributor
/// @notice The part of the Distributor other contracts call: the factory initialises a clone, Redemption pays
/// amortisation instalments through it.
interface IDistributor {
    /// @notice Sets up a clone: `admin` (DEFAULT_ADMIN_ROLE), `agent` (DISTRIBUTION_AGENT_ROLE unless zero), the
    /// treasury receiving reclaimed funds and the account receiving withholding tax.
    function initialize(address admin, address agent, address issuerTreasury, address initialTaxAccount) external;

    /// @notice Funds a distribution of `amountPerToken` per whole token held at the record date (`snapshotId` 0 =
    /// now), pulled from the caller; returns its id and the amount funded.
    function createDistributionPerToken(
        address token,
        address paymentToken,
        uint256 amountPerToken,
        uint64 claimExpiry,
        uint256 snapshotId
    ) external returns (uint256 distributionId, uint256 amount);
}
