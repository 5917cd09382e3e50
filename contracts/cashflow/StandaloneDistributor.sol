// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Distributor} from "./Distributor.sol";

/// @title StandaloneDistributor
/// @notice A {Distributor} deployed directly rather than cloned: one per issuer (it serves up to 255 tokens), so
/// it need not be a clone. Without the EIP-1167 proxy every claim and push saves a cold account access and a
/// delegatecall (~2.7k gas), and the primary token's address lives in code, saving its storage read (2.1k gas)
/// on every payment in that token.
/// @dev Initializers stay disabled (inherited constructor), so {initialize} always reverts here.
contract StandaloneDistributor is Distributor {
    /// @param admin Receives DEFAULT_ADMIN_ROLE (policy, rates, excluded wallets, accounts).
    /// @param agent Receives DISTRIBUTION_AGENT_ROLE unless zero.
    /// @param issuerTreasury The issuer treasury that receives reclaimed funds.
    /// @param initialTaxAccount The account that receives withholding tax.
    /// @param primaryToken Registered as token index 0 (no excluded wallets yet: see `setExcludedWallets`), or zero
    /// for none. It may be the address a factory will deploy the token at (`predictAddress`).
    constructor(
        address admin,
        address agent,
        address issuerTreasury,
        address initialTaxAccount,
        address primaryToken
    ) Distributor(primaryToken) {
        _setUp(admin, agent, issuerTreasury, initialTaxAccount);
        if (primaryToken != address(0)) _registerToken(primaryToken);
    }
}
