// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Bits
/// @notice The field masks of the packed storage words (token state, wallet and restriction words, registry
/// records, distributions), defined once. A mask is `2^width - 1`.
library Bits {
    uint256 internal constant MASK21 = (uint256(1) << 21) - 1;
    uint256 internal constant MASK24 = (uint256(1) << 24) - 1;
    uint256 internal constant MASK32 = (uint256(1) << 32) - 1;
    uint256 internal constant MASK40 = (uint256(1) << 40) - 1;
    uint256 internal constant MASK48 = (uint256(1) << 48) - 1;
    uint256 internal constant MASK96 = (uint256(1) << 96) - 1;
}
