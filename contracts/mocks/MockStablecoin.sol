// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockStablecoin
/// @notice A freely mintable ERC-20 standing in for a payment token (a USD or HKD stablecoin) on local chains.
contract MockStablecoin is ERC20 {
    uint8 private immutable _decimals;

    /// @dev Thrown by `mint` when asked for nothing, so tests can see custom errors decoded.
    error ZeroAmount();

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` to `to`; anyone may call it (a test faucet, not a real stablecoin).
    function mint(address to, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        _mint(to, amount);
    }
}
