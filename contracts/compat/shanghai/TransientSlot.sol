// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TransientSlot, for chains without transient storage
/// @notice Stands in for OpenZeppelin's `TransientSlot` in the build for shanghai-level chains (no EIP-1153
/// TLOAD/TSTORE): the compiler's shanghai pass remaps that import here (rwa_token/primitives/compiler.py), so the
/// contracts' sources are the same for both builds. Only the part the contracts use (an address slot), with the same
/// names; values live in ordinary storage at the same slot. Every user writes the slot back to zero before its call
/// returns, as transient storage would be cleared, so nothing is left behind (at a storage write's gas cost).
library TransientSlot {
    type AddressSlot is bytes32;

    function asAddress(bytes32 slot) internal pure returns (AddressSlot) {
        return AddressSlot.wrap(slot);
    }

    function tload(AddressSlot slot) internal view returns (address value) {
        assembly ("memory-safe") {
            value := sload(slot)
        }
    }

    function tstore(AddressSlot slot, address value) internal {
        assembly ("memory-safe") {
            sstore(slot, value)
        }
    }
}
