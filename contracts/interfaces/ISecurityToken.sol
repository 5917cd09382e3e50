// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC5267} from "@openzeppelin/contracts/interfaces/IERC5267.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {IAgentRole, IAgentRoleEvents} from "./IAgentRole.sol";
import {IERC1404} from "./IERC1404.sol";
import {IERC1643} from "./IERC1643.sol";
import {IERC7943Fungible, IERC7943FungibleEvents} from "./IERC7943.sol";
import {IRuleEngine, IRuleEngineEvents} from "./IRuleEngine.sol";
import {ISnapshotToken} from "./ISnapshotToken.sol";

/// @title ISecurityTokenEvents
/// @notice Types, events and errors shared by both contracts behind a security token (see {ISecurityToken}).
interface ISecurityTokenEvents is IERC20Errors, IRuleEngineEvents, IAgentRoleEvents, IERC7943FungibleEvents {
    /// @notice Offering terms recorded on chain (no personal data).
    struct Terms {
        string identifier; // ISIN or other security identifier
        string assetClass; // e.g. "ABS", "bond", "fund units"
        string underlying; // e.g. "highway toll receivables"
        string governingLaw; // e.g. "Hong Kong"
        string filingReference; // e.g. CSRC filing notice number
    }

    // ---- ERC-3643 events (T-REX 4.x IToken) ----
    event UpdatedTokenInformation(
        string indexed _newName,
        string indexed _newSymbol,
        uint8 _newDecimals,
        string _newVersion,
        address indexed _newOnchainID
    );
    event IdentityRegistryAdded(address indexed _identityRegistry);
    event ComplianceAdded(address indexed _compliance);
    event RecoverySuccess(address indexed _lostWallet, address indexed _newWallet, address indexed _investorOnchainID);
    event AddressFrozen(address indexed _userAddress, bool indexed _isFrozen, address indexed _owner);
    event TokensFrozen(address indexed _userAddress, uint256 _amount);
    event TokensUnfrozen(address indexed _userAddress, uint256 _amount);
    event Paused(address _userAddress);
    event Unpaused(address _userAddress);

    // ---- other events ----
    event Snapshot(uint256 id);
    event InvestorLockupSet(address indexed wallet, uint40 until);
    event TokensLocked(address indexed wallet, uint256 amount, uint256 until);
    event InvestorWalletSynced(address indexed wallet, uint128 indexed investorKey);
    event SupplyCapSet(uint256 supplyCap);
    event TermsUpdated(string identifier, string filingReference);

    // ---- errors ----
    /// @notice A transfer, mint or agent move refused with an ERC-1404 reason code (see ReasonCodes).
    error TransferRestricted(uint8 code);
    error ZeroAddress();
    error FreezeExceedsBalance(address account, uint256 balance, uint256 frozenAfter);
    error UnfreezeExceedsFrozen(address account, uint256 frozen, uint256 amount);
    /// @notice A frozen amount the token cannot hold (over 2^96 - 1, beyond any possible supply).
    error FrozenAmountTooLarge(uint256 amount);
    error RecoveryNotSameInvestor(address lostWallet, address newWallet);
    error NonexistentSnapshot(uint256 id);
    error InvalidSupplyCap(uint256 supplyCap);
    error InvalidDecimals(uint8 decimals);
    /// @notice setName / setSymbol with an empty string.
    error EmptyTokenInformation();
    /// @notice ERC-2612 (OpenZeppelin's names): the permit's deadline has passed / the signer is not the owner.
    error ERC2612ExpiredSignature(uint256 deadline);
    error ERC2612InvalidSigner(address signer, address owner);
}

/// @title ISecurityTokenCore
/// @notice What the token contract itself answers: ERC-20, the agent actions of ERC-3643, ERC-7943, the ERC-1404
/// checks and record-date snapshots. Everything a transfer, a payment or a regulator's action touches.
interface ISecurityTokenCore is ISecurityTokenEvents, IAccessControl, ISnapshotToken, IERC7943Fungible, IERC1404 {
    // ---- roles and modules ----
    // solhint-disable func-name-mixedcase
    function AGENT_ROLE() external view returns (bytes32);
    function SNAPSHOT_ROLE() external view returns (bytes32);
    function COMPLIANCE_ROLE() external view returns (bytes32);
    // solhint-enable func-name-mixedcase
    function adminModule() external view returns (address);

    // ---- setup ----
    function initialize(
        string calldata name_,
        string calldata symbol_,
        uint8 decimals_,
        address registry,
        address admin,
        uint256 supplyCap_
    ) external;
    function version() external pure returns (string memory);
    function identityRegistry() external view returns (address);
    function compliance() external view returns (address);
    function supplyCap() external view returns (uint256);
    function getFrozenTokens(address account)
        external
        view
        override(ISnapshotToken, IERC7943Fungible)
        returns (uint256);

    // ---- investor transfers ----
    function batchTransfer(address[] calldata toList, uint256[] calldata amounts) external;

    // ---- agent actions ----
    function mint(address to, uint256 amount) external;
    function batchMint(address[] calldata toList, uint256[] calldata amounts) external;
    function batchBurn(address[] calldata accounts, uint256[] calldata amounts) external;
    function pause() external;
    function unpause() external;
    function paused() external view returns (bool);
    function setAddressFrozen(address account, bool freeze) external;
    function freezePartialTokens(address account, uint256 amount) external;
    function unfreezePartialTokens(address account, uint256 amount) external;
    function isFrozen(address account) external view returns (bool);
    function batchForcedTransfer(address[] calldata fromList, address[] calldata toList, uint256[] calldata amounts)
        external;
    function recoveryAddress(address lostWallet, address newWallet, address investorOnchainID)
        external
        returns (bool);

    // ---- investor aggregates ----
    function syncInvestorWallet(address wallet) external;
    function investorBalanceOf(address wallet) external view returns (uint256);

    // ---- checks (the project's own; ERC-1404 and ERC-7943 through their interfaces) ----
    function checkTransfer(address from, address to, uint256 amount)
        external
        view
        returns (uint8 code, string memory message);
    function checkTransferFrom(address spender, address from, address to, uint256 amount)
        external
        view
        returns (uint8 code, string memory message);
    function checkMint(address to, uint256 amount) external view returns (uint8 code, string memory message);

    // ---- snapshots (snapshot, balanceOfAt, totalSupplyAt, holderAt: ISnapshotToken) ----
    function currentSnapshotId() external view returns (uint256);
}

/// @title ISecurityTokenAdmin
/// @notice What the token answers through its administration module (SecurityTokenAdmin, reached by delegatecall
/// from the token's fallback, in the token's own storage): rule configuration, ERC-1643 documents, terms,
/// ERC-3643 token information and agent management, ERC-2612 permits and ERC-5267, lockups and batch forms.
interface ISecurityTokenAdmin is ISecurityTokenEvents, IRuleEngine, IERC1643, IAgentRole, IERC20Permit, IERC5267 {
    // solhint-disable-next-line func-name-mixedcase
    function FILING_DOCUMENT() external view returns (bytes32);
    // solhint-disable-next-line func-name-mixedcase
    function PERMIT_TYPEHASH() external view returns (bytes32);

    // ---- ERC-3643 token information ----
    function setName(string calldata _name) external;
    function setSymbol(string calldata _symbol) external;
    function onchainID() external view returns (address);
    function setOnchainID(address _onchainID) external;
    function setCompliance(address _compliance) external;
    function setIdentityRegistry(address registry) external;

    // ---- supply, terms, documents ----
    function setSupplyCap(uint256 supplyCap_) external;
    function setTerms(Terms calldata newTerms) external;
    function terms() external view returns (Terms memory);
    function setDocumentReference(bytes32 name, bytes32 ref) external;
    function documentReference(bytes32 name) external view returns (bytes32);

    // ---- batch forms of agent actions ----
    function batchSetAddressFrozen(address[] calldata accounts, bool[] calldata freeze) external;
    function batchFreezePartialTokens(address[] calldata accounts, uint256[] calldata amounts) external;
    function batchUnfreezePartialTokens(address[] calldata accounts, uint256[] calldata amounts) external;

    // ---- lockups ----
    function setInvestorLockup(address wallet, uint40 until) external;
    function lockupOf(address wallet) external view returns (uint256 lockedUntil, uint256 lotLocked, uint256 lotUnlock);
    function transferableBalanceOf(address wallet) external view returns (uint256);
}

/// @title ISecurityToken
/// @notice ERC-20 security token: ERC-3643 (T-REX 4.x IToken and AgentRole), ERC-7943 (uRWA, fungible), ERC-1404,
/// ERC-1643 documents, ERC-2612 permits, ERC-5267, ERC-165, on-chain terms and record-date snapshots. One address
/// answers all of it; clients use this interface (or the merged ABI the SDK ships) and need not know which of the
/// two contracts behind the address implements a function.
interface ISecurityToken is ISecurityTokenCore, ISecurityTokenAdmin {}
