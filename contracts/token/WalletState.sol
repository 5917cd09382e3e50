// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Bits} from "../libraries/Bits.sol";

/// @title WalletState
/// @notice Packing of the token's per-wallet slot and its optional restriction slot.
/// @dev Wallet slot (low bit first), read once per side of every transfer:
///   [  0.. 95] balance         uint96
///   [ 96..135] lockedUntil     uint40  wallet-level lockup: the whole balance is locked before this time
///   [136..159] lastSnapshotId  uint24  snapshot id of the latest balance checkpoint (ids stop at 2^24-1)
///   [160..183] snapshotCount   uint24  number of balance checkpoints (at most one per snapshot id)
///   [184..191] flags           uint8   FROZEN, HAS_RESTRICTIONS, AGGREGATED, LOT_ALL
///   [192..231] lotUnlock       uint40  unlock time of minted lots under lockup
///   [232..255] holderNumber    uint24  assigned on the wallet's first credit, never reused (0 = never held)
/// Restriction slot, read only when HAS_RESTRICTIONS is set:
///   [  0.. 95] frozen          uint96  partially frozen amount (ERC-3643 freezePartialTokens)
///   [ 96..191] locked          uint96  amount of minted lots locked until lotUnlock
/// LOT_ALL means "every token in the wallet belongs to the locked lot" without writing the restriction slot:
/// a mint under lockup to an empty wallet (the usual primary issuance) then writes a single new slot. The
/// first unlocked credit to such a wallet writes the locked amount out explicitly and clears the flag.
library WalletState {
    uint256 internal constant MASK96 = Bits.MASK96;
    uint256 internal constant MASK40 = Bits.MASK40;
    uint256 internal constant MASK24 = Bits.MASK24;

    uint256 internal constant LOCKED_UNTIL_SHIFT = 96;
    uint256 internal constant LAST_SNAPSHOT_SHIFT = 136;
    uint256 internal constant SNAPSHOT_COUNT_SHIFT = 160;
    uint256 internal constant FLAGS_SHIFT = 184;
    uint256 internal constant LOT_UNLOCK_SHIFT = 192;
    uint256 internal constant HOLDER_NUMBER_SHIFT = 232;

    uint256 internal constant FROZEN = uint256(1) << FLAGS_SHIFT;
    uint256 internal constant HAS_RESTRICTIONS = uint256(2) << FLAGS_SHIFT;
    uint256 internal constant AGGREGATED = uint256(4) << FLAGS_SHIFT;
    uint256 internal constant LOT_ALL = uint256(8) << FLAGS_SHIFT;

    function balance(uint256 w) internal pure returns (uint256) {
        return w & MASK96;
    }

    /// @dev `b` must fit 96 bits: callers keep every balance <= total supply <= supply cap < 2^96.
    function withBalance(uint256 w, uint256 b) internal pure returns (uint256) {
        return (w & ~MASK96) | b;
    }

    function lockedUntil(uint256 w) internal pure returns (uint256) {
        return (w >> LOCKED_UNTIL_SHIFT) & MASK40;
    }

    function withLockedUntil(uint256 w, uint256 t) internal pure returns (uint256) {
        return (w & ~(MASK40 << LOCKED_UNTIL_SHIFT)) | (t << LOCKED_UNTIL_SHIFT);
    }

    function lastSnapshotId(uint256 w) internal pure returns (uint256) {
        return (w >> LAST_SNAPSHOT_SHIFT) & MASK24;
    }

    function snapshotCount(uint256 w) internal pure returns (uint256) {
        return (w >> SNAPSHOT_COUNT_SHIFT) & MASK24;
    }

    /// @dev Sets lastSnapshotId and snapshotCount together (they always change together).
    function withSnapshot(uint256 w, uint256 id, uint256 count) internal pure returns (uint256) {
        return (w & ~(((uint256(1) << 48) - 1) << LAST_SNAPSHOT_SHIFT)) | (id << LAST_SNAPSHOT_SHIFT)
            | (count << SNAPSHOT_COUNT_SHIFT);
    }

    /// @dev The wallet's holder number: the token numbers wallets in the order they first receive tokens, so
    /// that a paying agent can keep one "paid" bit per holder in words shared by 256 consecutive holders.
    function holderNumber(uint256 w) internal pure returns (uint256) {
        return w >> HOLDER_NUMBER_SHIFT;
    }

    function lotUnlock(uint256 w) internal pure returns (uint256) {
        return (w >> LOT_UNLOCK_SHIFT) & MASK40;
    }

    function withLotUnlock(uint256 w, uint256 t) internal pure returns (uint256) {
        return (w & ~(MASK40 << LOT_UNLOCK_SHIFT)) | (t << LOT_UNLOCK_SHIFT);
    }

    function frozen(uint256 r) internal pure returns (uint256) {
        return r & MASK96;
    }

    function locked(uint256 r) internal pure returns (uint256) {
        return (r >> 96) & MASK96;
    }

    function restrictions(uint256 frozenAmount, uint256 lotAmount) internal pure returns (uint256) {
        return frozenAmount | (lotAmount << 96);
    }

    /// @dev Tokens that cannot move because of lockups at `timestamp` (wallet lockup, then minted lots).
    function lockedAmount(uint256 w, uint256 r, uint256 timestamp) internal pure returns (uint256) {
        uint256 bal = w & MASK96;
        if (timestamp < lockedUntil(w)) return bal;
        if (timestamp < lotUnlock(w)) {
            if (w & LOT_ALL != 0) return bal;
            uint256 l = locked(r);
            return l < bal ? l : bal;
        }
        return 0;
    }
}
