// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIdentityRegistry} from "./IIdentityRegistry.sol";

/// @title IInvestorRegistry
/// @notice Wallet -> investor registry shared by any number of security tokens (the ERC-3643 identity registry
/// role without per-investor identity contracts). One packed record per wallet; see {InvestorRecord}.
/// It answers ERC-3643's {IIdentityRegistry} too.
interface IInvestorRegistry is IIdentityRegistry {
    /// @notice An EIP-712 KYC attestation signed by a trusted KYC provider; anyone may submit it.
    struct Attestation {
        address wallet;
        bytes32 investorId;
        uint16 country;
        uint32 categories;
        uint40 kycExpiry;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice Decoded form of a wallet's record.
    struct InvestorView {
        uint128 investorKey;
        uint16 country;
        uint32 categories;
        uint40 kycExpiry;
        bool frozen;
        bool multiWallet;
        bool registered;
    }

    event InvestorRegistered(
        address indexed wallet, bytes32 indexed investorId, uint16 country, uint32 categories, uint40 kycExpiry
    );
    event InvestorUpdated(address indexed wallet, uint16 country, uint32 categories, uint40 kycExpiry);
    event WalletAdded(address indexed existingWallet, address indexed newWallet, uint128 investorKey);
    event WalletRemoved(address indexed wallet, uint128 investorKey);
    event InvestorFrozen(address indexed wallet, bool frozen);
    event AttestationUsed(address indexed signer, uint256 nonce);

    error ZeroAddress();
    error ZeroInvestorId();
    error LengthMismatch();
    error AlreadyRegistered(address wallet);
    error NotRegistered(address wallet);
    error InvalidCountry(uint16 country);
    error AttestationExpired(uint256 deadline);
    error AttestationNonceUsed(address signer, uint256 nonce);
    error UntrustedSigner(address signer);
    /// @notice The investor id already has a wallet: link a further wallet with `addWallet`, so tokens count the
    /// investor once and apply per-investor caps across its wallets.
    error InvestorIdInUse(bytes32 investorId);
    /// @notice ERC-3643 registration with a zero identity address.
    error ZeroIdentity();
    /// @notice `updateIdentity` to an identity that already belongs to another investor.
    error IdentityInUse(address identity);
    /// @notice Claim-based verification (claim topics, trusted issuers, a separate identity storage) does not
    /// exist here: the registry's own KYC record verifies an investor.
    error UnsupportedByRegistry();
    /// @notice `setIdentityDefaults` with a zero KYC validity.
    error InvalidKycValidity();
    /// @notice Categories and KYC validity given to wallets registered through ERC-3643's `registerIdentity`.
    event IdentityDefaultsSet(uint32 categories, uint40 kycValidity);

    function initialize(address admin) external;

    function registerInvestor(address wallet, bytes32 investorId, uint16 country, uint32 categories, uint40 kycExpiry)
        external;

    function batchRegisterInvestors(
        address[] calldata wallets,
        bytes32[] calldata investorIds,
        uint16[] calldata countries,
        uint32[] calldata categories,
        uint40[] calldata kycExpiries
    ) external;

    function updateInvestor(address wallet, uint16 country, uint32 categories, uint40 kycExpiry) external;

    function batchUpdateInvestors(
        address[] calldata wallets,
        uint16[] calldata countries,
        uint32[] calldata categories,
        uint40[] calldata kycExpiries
    ) external;

    function addWallet(address existingWallet, address newWallet) external;

    function removeWallet(address wallet) external;

    function setInvestorFrozen(address wallet, bool frozen) external;

    function registerWithAttestation(Attestation calldata attestation, bytes calldata signature) external;

    function attestationDigest(Attestation calldata attestation) external view returns (bytes32);

    function nonceUsed(address signer, uint256 nonce) external view returns (bool);

    function record(address wallet) external view returns (uint256);

    function recordPair(address a, address b) external view returns (uint256, uint256);

    function walletCount(bytes32 investorId) external view returns (uint256);

    function investorOf(address wallet) external view returns (InvestorView memory);

    function setIdentityDefaults(uint32 categories, uint40 kycValidity) external;

    function identityDefaults() external view returns (uint32 categories, uint40 kycValidity);

    function reasonMessage(uint8 code) external pure returns (string memory);
}
