// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ReentrancyGuardTransient, for chains without transient storage
/// @notice Stands in for OpenZeppelin's `ReentrancyGuardTransient` in the build for shanghai-level chains (no
/// EIP-1153 TLOAD/TSTORE): the compiler's shanghai pass remaps that import here (rwa_token/primitives/compiler.py),
/// so the contracts' sources are the same for both builds. Same name, modifier, view and error; the flag lives in
/// an ordinary storage slot of its own (an ERC-7201 location), so no contract's layout moves. It costs more gas per
/// guarded call than transient storage: bench/README.md has both builds' figures.
abstract contract ReentrancyGuardTransient {
    /// @dev keccak256(abi.encode(uint256(keccak256("rwa-token.storage.ReentrancyGuard")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STATUS_SLOT = 0x1265d5467e2baf1e5e4b41356f9ce966c91a2a61fb144abd829e249d425ff900;
    uint256 private constant NOT_ENTERED = 1;
    uint256 private constant ENTERED = 2;

    /// @notice A nonReentrant function was entered again before it returned (OpenZeppelin's error).
    error ReentrancyGuardReentrantCall();

    modifier nonReentrant() {
        _nonReentrantBefore();
        _;
        _nonReentrantAfter();
    }

    function _nonReentrantBefore() private {
        bytes32 slot = STATUS_SLOT;
        uint256 status;
        assembly ("memory-safe") {
            status := sload(slot)
        }
        if (status == ENTERED) revert ReentrancyGuardReentrantCall();
        assembly ("memory-safe") {
            sstore(slot, ENTERED)
        }
    }

    function _nonReentrantAfter() private {
        bytes32 slot = STATUS_SLOT;
        // NOT_ENTERED (non-zero) rather than zero: the next call's write is a cheaper non-zero to non-zero one.
        assembly ("memory-safe") {
            sstore(slot, NOT_ENTERED)
        }
    }

    /// @dev Whether a nonReentrant function is on the call stack.
    function _reentrancyGuardEntered() internal view returns (bool) {
        bytes32 slot = STATUS_SLOT;
        uint256 status;
        assembly ("memory-safe") {
            status := sload(slot)
        }
        return status == ENTERED;
    }
}
