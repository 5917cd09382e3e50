// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title InvestorRecord
/// @notice Packing of the one-slot registry record kept per wallet by the InvestorRegistry.
/// @dev Layout (low bit first):
///   [  0..127] investorKey  uint128  low 128 bits of the salted-hash investor id (full id is in events)
///   [128..143] country      uint16   ISO-3166 numeric (HK 344, CN 156, US 840, SG 702, GB 826)
///   [144..175] categories   uint32   bit0 RETAIL, bit1 PROFESSIONAL, bit2 ACCREDITED, bit3 INSTITUTIONAL,
///                                    bits 8-31 issuer-defined
///   [176..215] kycExpiry    uint40   unix seconds; KYC is valid while block.timestamp < kycExpiry
///   [216..223] flags        uint8    bit0 FROZEN (registry-level sanction), bit1 MULTI_WALLET, bit2 REGISTERED
/// One slot per wallet and no per-investor storage is what keeps onboarding near 50k gas.
library InvestorRecord {
    uint256 internal constant COUNTRY_SHIFT = 128;
    uint256 internal constant CATEGORIES_SHIFT = 144;
    uint256 internal constant KYC_EXPIRY_SHIFT = 176;
    uint256 internal constant FLAGS_SHIFT = 216;

    uint8 internal constant FLAG_FROZEN = 1;
    uint8 internal constant FLAG_MULTI_WALLET = 2;
    uint8 internal constant FLAG_REGISTERED = 4;

    uint256 internal constant FROZEN_BIT = uint256(FLAG_FROZEN) << FLAGS_SHIFT;
    uint256 internal constant MULTI_WALLET_BIT = uint256(FLAG_MULTI_WALLET) << FLAGS_SHIFT;
    uint256 internal constant REGISTERED_BIT = uint256(FLAG_REGISTERED) << FLAGS_SHIFT;

    /// @dev Everything except the key and the flags: what `updateInvestor` rewrites.
    uint256 internal constant TERMS_MASK = ((uint256(1) << 88) - 1) << COUNTRY_SHIFT;

    uint32 internal constant RETAIL = 1;
    uint32 internal constant PROFESSIONAL = 2;
    uint32 internal constant ACCREDITED = 4;
    uint32 internal constant INSTITUTIONAL = 8;

    function pack(uint128 key, uint16 country_, uint32 categories_, uint40 kycExpiry_, uint8 flags_)
        internal
        pure
        returns (uint256)
    {
        return uint256(key) | (uint256(country_) << COUNTRY_SHIFT) | (uint256(categories_) << CATEGORIES_SHIFT)
            | (uint256(kycExpiry_) << KYC_EXPIRY_SHIFT) | (uint256(flags_) << FLAGS_SHIFT);
    }

    /// @dev Replaces country, categories and KYC expiry, keeping the key and flags.
    function withTerms(uint256 record, uint16 country_, uint32 categories_, uint40 kycExpiry_)
        internal
        pure
        returns (uint256)
    {
        return (record & ~TERMS_MASK) | (uint256(country_) << COUNTRY_SHIFT)
            | (uint256(categories_) << CATEGORIES_SHIFT) | (uint256(kycExpiry_) << KYC_EXPIRY_SHIFT);
    }

    function investorKey(uint256 record) internal pure returns (uint128) {
        return uint128(record);
    }

    function country(uint256 record) internal pure returns (uint16) {
        return uint16(record >> COUNTRY_SHIFT);
    }

    function categories(uint256 record) internal pure returns (uint32) {
        return uint32(record >> CATEGORIES_SHIFT);
    }

    function kycExpiry(uint256 record) internal pure returns (uint40) {
        return uint40(record >> KYC_EXPIRY_SHIFT);
    }

    function flags(uint256 record) internal pure returns (uint8) {
        return uint8(record >> FLAGS_SHIFT);
    }

    function isRegistered(uint256 record) internal pure returns (bool) {
        return record & REGISTERED_BIT != 0;
    }

    function isFrozen(uint256 record) internal pure returns (bool) {
        return record & FROZEN_BIT != 0;
    }

    function isMultiWallet(uint256 record) internal pure returns (bool) {
        return record & MULTI_WALLET_BIT != 0;
    }

    /// @dev KYC counts as expired from the second `kycExpiry` is reached.
    function kycValid(uint256 record, uint256 timestamp) internal pure returns (bool) {
        return timestamp < kycExpiry(record);
    }

    /// @dev ERC-3643 `isVerified`: registered, KYC not expired, not sanctioned.
    function isVerified(uint256 record, uint256 timestamp) internal pure returns (bool) {
        return isRegistered(record) && !isFrozen(record) && kycValid(record, timestamp);
    }
}
