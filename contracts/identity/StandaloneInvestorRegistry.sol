// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {InvestorRegistry} from "./InvestorRegistry.sol";

/// @title StandaloneInvestorRegistry
/// @notice An {InvestorRegistry} deployed directly rather than cloned. A registry is shared infrastructure (a
/// platform's or an issuer's), deployed once, so it need not be a clone; without the EIP-1167 proxy every token
/// read of the registry saves a cold account access and a delegatecall (~2.7k gas per transfer).
/// @dev Initializers stay disabled (inherited constructor), so {initialize} always reverts here. A separate
/// contract rather than a constructor argument on {InvestorRegistry}: the clone implementation keeps its
/// argument-free constructor, which existing deployment code and tests use.
contract StandaloneInvestorRegistry is InvestorRegistry {
    /// @param admin The owner (ERC-173), holding DEFAULT_ADMIN_ROLE (grants REGISTRAR_ROLE and KYC_SIGNER_ROLE);
    /// must not be zero.
    constructor(address admin) {
        _setUp(admin);
    }
}
