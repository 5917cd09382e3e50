// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IIdentityRegistry
/// @notice ERC-3643's identity registry as T-REX 4.x declares it (same functions, events and indexing; ONCHAINID
/// and claim-registry types appear as addresses, which is their ABI type). Its Solidity interface id is 0x8ff89f73.
/// @dev What it means on the InvestorRegistry (docs/standards.md): an "identity" is an investor's ONCHAINID
/// address, mapped to one investor key, so every wallet registered with the same identity belongs to one investor;
/// verification is the registry's own KYC record, not claims, so there is no claim-topics or trusted-issuers
/// registry (their getters answer zero and their setters are refused) and the registry is its own storage.
interface IIdentityRegistry {
    event ClaimTopicsRegistrySet(address indexed claimTopicsRegistry);
    event IdentityStorageSet(address indexed identityStorage);
    event TrustedIssuersRegistrySet(address indexed trustedIssuersRegistry);
    event IdentityRegistered(address indexed investorAddress, address indexed identity);
    event IdentityRemoved(address indexed investorAddress, address indexed identity);
    event IdentityUpdated(address indexed oldIdentity, address indexed newIdentity);
    event CountryUpdated(address indexed investorAddress, uint16 indexed country);

    function setIdentityRegistryStorage(address _identityRegistryStorage) external;
    function setClaimTopicsRegistry(address _claimTopicsRegistry) external;
    function setTrustedIssuersRegistry(address _trustedIssuersRegistry) external;
    function registerIdentity(address _userAddress, address _identity, uint16 _country) external;
    function deleteIdentity(address _userAddress) external;
    function updateCountry(address _userAddress, uint16 _country) external;
    function updateIdentity(address _userAddress, address _identity) external;
    function batchRegisterIdentity(address[] calldata _userAddresses, address[] calldata _identities, uint16[] calldata _countries)
        external;
    function contains(address _userAddress) external view returns (bool);
    function isVerified(address _userAddress) external view returns (bool);
    function identity(address _userAddress) external view returns (address);
    function investorCountry(address _userAddress) external view returns (uint16);
    function identityStorage() external view returns (address);
    function issuersRegistry() external view returns (address);
    function topicsRegistry() external view returns (address);
}
