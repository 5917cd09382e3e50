// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {AgentRole} from "../access/AgentRole.sol";
import {IAgentRole} from "../interfaces/IAgentRole.sol";
import {IIdentityRegistry} from "../interfaces/IIdentityRegistry.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {InvestorRecord} from "./InvestorRecord.sol";
import {ReasonCodes} from "../compliance/ReasonCodes.sol";

/// @title InvestorRegistry
/// @notice Maps wallets to investors (salted-hash id, country, categories, KYC expiry, sanction flag) for any
/// number of security tokens. No personal data is stored: the investor id is a salted hash chosen off chain.
/// @dev Two ways to deploy: directly as {StandaloneInvestorRegistry} (shared infrastructure, deployed once; a
/// token then pays no proxy hop per registry read), or as an EIP-1167 clone of this contract when an offering
/// asks the factory for its own registry: the implementation's constructor disables initializers and every clone
/// calls {initialize}. EIP712's immutables hold only the fixed name/version; the domain separator of a clone is
/// rebuilt from its own address, so signatures are bound to the clone that verifies them.
/// ERC-3643: the registry answers T-REX's `IIdentityRegistry` (an ONCHAINID address stands for one investor; see
/// {IIdentityRegistry} for what each function means here) and `AgentRole`, whose agents are REGISTRAR_ROLE holders.
contract InvestorRegistry is IInvestorRegistry, AgentRole, EIP712, Initializable {
    using InvestorRecord for uint256;

    /// @notice KYC providers and onboarding desks: register, update, freeze, manage wallets.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice Trusted signers of EIP-712 KYC attestations.
    bytes32 public constant KYC_SIGNER_ROLE = keccak256("KYC_SIGNER_ROLE");
    /// @notice EIP-712 type hash of {IInvestorRegistry.Attestation}.
    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(address wallet,bytes32 investorId,uint16 country,uint32 categories,uint40 kycExpiry,uint256 nonce,uint256 deadline)"
    );

    mapping(address wallet => uint256 record) private _records;
    mapping(address signer => mapping(uint256 nonce => bool used)) private _usedNonces;
    /// @dev Registered wallets per investor key: a second registration under a known id is refused, so two wallets
    /// of one investor are always linked (MULTI_WALLET) and counted once.
    mapping(uint128 investorKey => uint256 wallets) private _walletCounts;
    /// @dev ERC-3643 identities: the investor an ONCHAINID address stands for, and back.
    mapping(uint128 investorKey => address identity) private _identities;
    mapping(address identity => uint128 investorKey) private _identityKeys;
    /// @dev [0..31] categories | [32..71] KYC validity in seconds, of wallets registered by `registerIdentity`;
    /// 0 until set: no category, 365 days.
    uint256 private _identityDefaults;

    uint256 private constant DEFAULT_KYC_VALIDITY = 365 days;

    constructor() EIP712("rwa-token InvestorRegistry", "1") {
        _disableInitializers();
    }

    /// @notice Sets up a fresh registry (clone) with `admin` as its owner (ERC-173, holding DEFAULT_ADMIN_ROLE).
    /// @param admin Account that can grant REGISTRAR_ROLE and KYC_SIGNER_ROLE.
    function initialize(address admin) external initializer {
        _setUp(admin);
    }

    function _setUp(address admin) internal {
        if (admin == address(0)) revert ZeroAddress();
        _transferOwnership(admin);
        emit IdentityStorageSet(address(this));
    }

    function _agentRole() internal pure override returns (bytes32) {
        return REGISTRAR_ROLE;
    }

    // ------------------------------------------------------------------ onboarding

    /// @notice Registers `wallet` as belonging to investor `investorId`, which must not have a wallet yet (link
    /// further wallets with {addWallet}).
    /// @param wallet The investor's wallet; must not be registered yet.
    /// @param investorId Salted hash identifying the investor (its low 128 bits become the on-chain key).
    /// @param country ISO-3166 numeric country code (1..999).
    /// @param categories Investor category bitmask (RETAIL=1, PROFESSIONAL=2, ACCREDITED=4, INSTITUTIONAL=8).
    /// @param kycExpiry Unix time at which the KYC check expires.
    function registerInvestor(address wallet, bytes32 investorId, uint16 country, uint32 categories, uint40 kycExpiry)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        _register(wallet, investorId, country, categories, kycExpiry);
    }

    /// @notice Registers many wallets in one transaction; arrays are matched by index.
    /// @dev The whole batch reverts on the first invalid or already-registered wallet.
    function batchRegisterInvestors(
        address[] calldata wallets,
        bytes32[] calldata investorIds,
        uint16[] calldata countries,
        uint32[] calldata categories,
        uint40[] calldata kycExpiries
    ) external onlyRole(REGISTRAR_ROLE) {
        uint256 n = wallets.length;
        if (
            investorIds.length != n || countries.length != n || categories.length != n || kycExpiries.length != n
        ) revert LengthMismatch();
        for (uint256 i; i < n;) {
            _registerBatchEntry(i << 5);
            // i < n <= calldata length, so it cannot overflow.
            unchecked {
                ++i;
            }
        }
    }

    /// @notice Registers the wallet named in a KYC attestation signed by a holder of KYC_SIGNER_ROLE.
    /// @dev Anyone may submit. The signer is checked against the registry's trusted role, never against an
    /// issuer named in the claim; each (signer, nonce) pair is accepted once.
    /// @param attestation The signed attestation.
    /// @param signature 65-byte ECDSA signature over the EIP-712 digest of `attestation`.
    function registerWithAttestation(Attestation calldata attestation, bytes calldata signature) external {
        if (block.timestamp > attestation.deadline) revert AttestationExpired(attestation.deadline);
        address signer = ECDSA.recover(_attestationDigest(attestation), signature);
        if (!hasRole(KYC_SIGNER_ROLE, signer)) revert UntrustedSigner(signer);
        if (_usedNonces[signer][attestation.nonce]) revert AttestationNonceUsed(signer, attestation.nonce);
        _usedNonces[signer][attestation.nonce] = true;
        emit AttestationUsed(signer, attestation.nonce);
        _register(
            attestation.wallet,
            attestation.investorId,
            attestation.country,
            attestation.categories,
            attestation.kycExpiry
        );
    }

    /// @notice Replaces country, categories and KYC expiry of a registered wallet.
    /// @dev Only this wallet's record changes: update every wallet of a multi-wallet investor.
    function updateInvestor(address wallet, uint16 country, uint32 categories, uint40 kycExpiry)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        _update(wallet, country, categories, kycExpiry);
    }

    /// @notice Batch form of {updateInvestor}; arrays are matched by index.
    function batchUpdateInvestors(
        address[] calldata wallets,
        uint16[] calldata countries,
        uint32[] calldata categories,
        uint40[] calldata kycExpiries
    ) external onlyRole(REGISTRAR_ROLE) {
        uint256 n = wallets.length;
        if (countries.length != n || categories.length != n || kycExpiries.length != n) revert LengthMismatch();
        for (uint256 i; i < n;) {
            _update(wallets[i], countries[i], categories[i], kycExpiries[i]);
            // i < n <= calldata length, so it cannot overflow.
            unchecked {
                ++i;
            }
        }
    }

    /// @notice Adds `newWallet` to the investor owning `existingWallet`: the record is copied (including a
    /// sanction flag) and both wallets are marked MULTI_WALLET so tokens count the investor once.
    /// @dev Tokens fold an existing wallet's balance into the investor aggregate lazily; call
    /// `syncInvestorWallet(existingWallet)` on each token to do it at once.
    function addWallet(address existingWallet, address newWallet) external onlyRole(REGISTRAR_ROLE) {
        if (newWallet == address(0)) revert ZeroAddress();
        uint256 rec = _records[existingWallet];
        if (!rec.isRegistered()) revert NotRegistered(existingWallet);
        if (_records[newWallet].isRegistered()) revert AlreadyRegistered(newWallet);
        rec |= InvestorRecord.MULTI_WALLET_BIT;
        _records[existingWallet] = rec;
        _records[newWallet] = rec;
        ++_walletCounts[rec.investorKey()];
        emit WalletAdded(existingWallet, newWallet, rec.investorKey());
    }

    /// @notice Deletes a wallet's record. Recover its tokens on every token first (recovery needs the record).
    function removeWallet(address wallet) external onlyRole(REGISTRAR_ROLE) {
        _removeWallet(wallet);
    }

    /// @notice Sets or clears the registry-level sanction flag of `wallet` (every token refuses it).
    function setInvestorFrozen(address wallet, bool frozen) external onlyRole(REGISTRAR_ROLE) {
        uint256 rec = _records[wallet];
        if (!rec.isRegistered()) revert NotRegistered(wallet);
        _records[wallet] = frozen ? rec | InvestorRecord.FROZEN_BIT : rec & ~InvestorRecord.FROZEN_BIT;
        emit InvestorFrozen(wallet, frozen);
    }

    // ------------------------------------------------------------------ ERC-3643 identity registry

    /// @notice ERC-3643: registers `_userAddress` for the investor whose ONCHAINID is `_identity`, resident in
    /// `_country`. The first wallet of an identity creates the investor; every later one joins it (the ERC-3643
    /// way to add a wallet, e.g. before a recovery). Such wallets are kept as multi-wallet records, so tokens count
    /// the investor once whatever number of wallets it has. Categories and KYC expiry come from
    /// {identityDefaults} (no category and 365 days until the admin sets them).
    function registerIdentity(address _userAddress, address _identity, uint16 _country)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        _registerIdentity(_userAddress, _identity, _country);
    }

    /// @notice Batch form of {registerIdentity}; arrays are matched by index.
    function batchRegisterIdentity(
        address[] calldata _userAddresses,
        address[] calldata _identities_,
        uint16[] calldata _countries
    ) external onlyRole(REGISTRAR_ROLE) {
        uint256 n = _userAddresses.length;
        if (_identities_.length != n || _countries.length != n) revert LengthMismatch();
        for (uint256 i; i < n; ++i) {
            _registerIdentity(_userAddresses[i], _identities_[i], _countries[i]);
        }
    }

    /// @notice ERC-3643: deletes the wallet's record (as {removeWallet}).
    function deleteIdentity(address _userAddress) external onlyRole(REGISTRAR_ROLE) {
        _removeWallet(_userAddress);
    }

    /// @notice ERC-3643: changes the wallet's country, keeping its categories and KYC expiry.
    function updateCountry(address _userAddress, uint16 _country) external onlyRole(REGISTRAR_ROLE) {
        uint256 rec = _records[_userAddress];
        _update(_userAddress, _country, rec.categories(), rec.kycExpiry());
        emit CountryUpdated(_userAddress, _country);
    }

    /// @notice ERC-3643: the investor owning `_userAddress` is now identified by ONCHAINID `_identity` (every
    /// wallet of the investor follows: the identity names the investor, not the wallet). Refused if `_identity`
    /// already stands for another investor; a former identity is retired (registering with it is refused).
    /// @dev Wallets joining through {registerIdentity} cannot mark the investor's other wallets MULTI_WALLET, so
    /// this wallet is marked now, as {addWallet} would (an investor with more than one wallet has them all marked
    /// already; tokens fold the wallet's balance lazily, or at once with `syncInvestorWallet`).
    function updateIdentity(address _userAddress, address _identity) external onlyRole(REGISTRAR_ROLE) {
        uint256 rec = _records[_userAddress];
        if (!rec.isRegistered()) revert NotRegistered(_userAddress);
        if (!rec.isMultiWallet()) _records[_userAddress] = rec | InvestorRecord.MULTI_WALLET_BIT;
        if (_identity == address(0)) revert ZeroIdentity();
        uint128 key = rec.investorKey();
        uint128 other = _identityKeys[_identity];
        if (other != 0 && other != key) revert IdentityInUse(_identity);
        address old = _identities[key];
        if (old != address(0)) delete _identityKeys[old];
        _identityKeys[_identity] = key;
        _identities[key] = _identity;
        emit IdentityUpdated(old, _identity);
    }

    /// @notice ERC-3643: the ONCHAINID of the investor owning `_userAddress` (zero for an investor registered
    /// with the registry's own functions and no identity recorded, or an unregistered wallet).
    function identity(address _userAddress) external view returns (address) {
        return _identities[_records[_userAddress].investorKey()];
    }

    /// @notice ERC-3643: the registry keeps its records itself.
    function identityStorage() external view returns (address) {
        return address(this);
    }

    /// @notice ERC-3643: none; KYC is the registry's own record (see {IIdentityRegistry}).
    function issuersRegistry() external pure returns (address) {
        return address(0);
    }

    /// @notice ERC-3643: none; KYC is the registry's own record (see {IIdentityRegistry}).
    function topicsRegistry() external pure returns (address) {
        return address(0);
    }

    // The three setters below are refused for everyone; they stay state-changing (not `pure`) so their ABI is
    // T-REX's, exactly.

    /// @notice Refused: the registry is its own identity storage.
    function setIdentityRegistryStorage(address) external {
        revert UnsupportedByRegistry();
    }

    /// @notice Refused: verification does not use claims.
    function setClaimTopicsRegistry(address) external {
        revert UnsupportedByRegistry();
    }

    /// @notice Refused: verification does not use claims.
    function setTrustedIssuersRegistry(address) external {
        revert UnsupportedByRegistry();
    }

    /// @notice Categories and KYC validity (seconds from registration) given to wallets registered through
    /// {registerIdentity} (admin). The KYC provider's attestation is the agent's call itself.
    function setIdentityDefaults(uint32 categories, uint40 kycValidity) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (kycValidity == 0) revert InvalidKycValidity();
        _identityDefaults = uint256(categories) | (uint256(kycValidity) << 32);
        emit IdentityDefaultsSet(categories, kycValidity);
    }

    /// @notice See {setIdentityDefaults}.
    function identityDefaults() public view returns (uint32 categories, uint40 kycValidity) {
        uint256 d = _identityDefaults;
        if (d == 0) return (0, uint40(DEFAULT_KYC_VALIDITY));
        return (uint32(d), uint40(d >> 32));
    }

    /// @notice ERC-165: AccessControl, ERC-3643's `IIdentityRegistry` (0x8ff89f73) and `AgentRole` (0x02b23fde),
    /// ERC-173 and ERC-5267.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IIdentityRegistry).interfaceId || interfaceId == type(IAgentRole).interfaceId
            || interfaceId == 0x7f5828d0 || interfaceId == type(IERC5267).interfaceId
            || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ views

    /// @notice EIP-712 digest a KYC signer signs for `attestation`.
    function attestationDigest(Attestation calldata attestation) external view returns (bytes32) {
        return _attestationDigest(attestation);
    }

    /// @notice Whether `signer` has already used attestation `nonce`.
    function nonceUsed(address signer, uint256 nonce) external view returns (bool) {
        return _usedNonces[signer][nonce];
    }

    /// @notice EIP-712 domain separator of this registry.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice Number of registered wallets of investor `investorId` (0: the id is free to register).
    function walletCount(bytes32 investorId) external view returns (uint256) {
        return _walletCounts[uint128(uint256(investorId))];
    }

    /// @notice Raw packed record of `wallet` (0 if unregistered); see {InvestorRecord} for the layout.
    function record(address wallet) external view returns (uint256) {
        return _records[wallet];
    }

    /// @notice Raw records of two wallets in one call (a token reads sender and receiver with it).
    function recordPair(address a, address b) external view returns (uint256, uint256) {
        return (_records[a], _records[b]);
    }

    /// @notice Decoded record of `wallet`.
    function investorOf(address wallet) external view returns (InvestorView memory) {
        uint256 rec = _records[wallet];
        return InvestorView({
            investorKey: rec.investorKey(),
            country: rec.country(),
            categories: rec.categories(),
            kycExpiry: rec.kycExpiry(),
            frozen: rec.isFrozen(),
            multiWallet: rec.isMultiWallet(),
            registered: rec.isRegistered()
        });
    }

    /// @notice ERC-3643: registered, KYC not expired and not sanctioned.
    function isVerified(address wallet) external view returns (bool) {
        return _records[wallet].isVerified(block.timestamp);
    }

    /// @notice ERC-3643: the wallet's ISO-3166 numeric country (0 if unregistered).
    function investorCountry(address wallet) external view returns (uint16) {
        return _records[wallet].country();
    }

    /// @notice ERC-3643: whether `wallet` has a record.
    function contains(address wallet) external view returns (bool) {
        return _records[wallet].isRegistered();
    }

    /// @notice Text of a transfer-restriction reason code (the ERC-1404 message table). Tokens using this
    /// registry serve `messageForTransferRestriction` from here, which keeps them under the contract size limit.
    function reasonMessage(uint8 code) external pure returns (string memory) {
        return ReasonCodes.message(code);
    }

    // ------------------------------------------------------------------ internals

    function _registerIdentity(address wallet, address identity_, uint16 country) private {
        if (wallet == address(0)) revert ZeroAddress();
        if (identity_ == address(0)) revert ZeroIdentity();
        if (country == 0 || country > 999) revert InvalidCountry(country);
        if (_records[wallet].isRegistered()) revert AlreadyRegistered(wallet);
        uint128 key = _identityKeys[identity_];
        if (key == 0) {
            key = uint128(uint256(keccak256(abi.encode(identity_))));
            // A key taken by an id registered natively would merge two investors: refuse (never by chance).
            if (key == 0 || _walletCounts[key] != 0) revert InvestorIdInUse(bytes32(uint256(key)));
            _identityKeys[identity_] = key;
            _identities[key] = identity_;
        }
        (uint32 categories, uint40 validity) = identityDefaults();
        uint40 expiry = uint40(block.timestamp + validity);
        _records[wallet] = InvestorRecord.pack(
            key, country, categories, expiry, InvestorRecord.FLAG_REGISTERED | InvestorRecord.FLAG_MULTI_WALLET
        );
        ++_walletCounts[key];
        emit InvestorRegistered(wallet, bytes32(uint256(key)), country, categories, expiry);
        emit IdentityRegistered(wallet, identity_);
    }

    function _removeWallet(address wallet) private {
        uint256 rec = _records[wallet];
        if (!rec.isRegistered()) revert NotRegistered(wallet);
        uint128 key = rec.investorKey();
        delete _records[wallet];
        --_walletCounts[key];
        emit WalletRemoved(wallet, key);
        address id = _identities[key];
        if (id != address(0)) emit IdentityRemoved(wallet, id);
    }

    /// @dev Registers entry `o / 32` of the {batchRegisterInvestors} call being executed, reading it straight from
    /// calldata: argument k's offset is the head word at 4 + 32k, its elements start one word after it. Every
    /// array has the batch length (checked) and the ABI decoder has already checked that those words lie inside
    /// the calldata, so no bounds check is needed. A value that does not fit its ABI type reverts (empty data)
    /// as the decoder would.
    function _registerBatchEntry(uint256 o) private {
        uint256 wallet;
        uint256 investorId;
        uint256 country;
        uint256 cats;
        uint256 expiry;
        assembly ("memory-safe") {
            wallet := calldataload(add(add(calldataload(0x04), 0x24), o))
            investorId := calldataload(add(add(calldataload(0x24), 0x24), o))
            country := calldataload(add(add(calldataload(0x44), 0x24), o))
            cats := calldataload(add(add(calldataload(0x64), 0x24), o))
            expiry := calldataload(add(add(calldataload(0x84), 0x24), o))
            if or(or(shr(160, wallet), shr(16, country)), or(shr(32, cats), shr(40, expiry))) { revert(0, 0) }
        }
        _register(address(uint160(wallet)), bytes32(investorId), country, cats, expiry);
    }

    /// @dev Validates and stores one record. Callers pass values already known to fit their ABI types
    /// (country < 2^16, categories < 2^32, kycExpiry < 2^40).
    function _register(address wallet, bytes32 investorId, uint256 country, uint256 categories, uint256 kycExpiry)
        private
    {
        if (wallet == address(0)) revert ZeroAddress();
        if (country == 0 || country > 999) revert InvalidCountry(uint16(country));
        uint256 key = uint128(uint256(investorId));
        if (key == 0) revert ZeroInvestorId();
        uint256 rec = key | (country << InvestorRecord.COUNTRY_SHIFT) | (categories << InvestorRecord.CATEGORIES_SHIFT)
            | (kycExpiry << InvestorRecord.KYC_EXPIRY_SHIFT) | InvestorRecord.REGISTERED_BIT;
        uint256 registeredBit = InvestorRecord.REGISTERED_BIT;
        bytes32 topic = IInvestorRegistry.InvestorRegistered.selector;
        bool registered;
        // One slot computation for the read and the write, and the event logged from scratch space: this runs
        // once per wallet of a batch. The cold read costs nothing extra: the store pays the same access charge.
        assembly ("memory-safe") {
            mstore(0, wallet)
            mstore(0x20, _records.slot)
            let slot := keccak256(0, 0x40)
            registered := and(sload(slot), registeredBit)
            if iszero(registered) {
                sstore(slot, rec)
                let fmp := mload(0x40)
                mstore(0, country)
                mstore(0x20, categories)
                mstore(0x40, kycExpiry)
                log3(0, 0x60, topic, wallet, investorId)
                mstore(0x40, fmp)
            }
        }
        if (registered) revert AlreadyRegistered(wallet);
        // The key's first wallet (key != 0 checked above, and below 2^128 by construction).
        mapping(uint128 investorKey => uint256 wallets) storage counts = _walletCounts;
        if (counts[uint128(key)] != 0) revert InvestorIdInUse(investorId);
        counts[uint128(key)] = 1;
    }

    function _update(address wallet, uint16 country, uint32 categories, uint40 kycExpiry) private {
        if (country == 0 || country > 999) revert InvalidCountry(country);
        uint256 rec = _records[wallet];
        if (!rec.isRegistered()) revert NotRegistered(wallet);
        _records[wallet] = rec.withTerms(country, categories, kycExpiry);
        emit InvestorUpdated(wallet, country, categories, kycExpiry);
    }

    function _attestationDigest(Attestation calldata a) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ATTESTATION_TYPEHASH, a.wallet, a.investorId, a.country, a.categories, a.kycExpiry, a.nonce, a.deadline
                )
            )
        );
    }
}
