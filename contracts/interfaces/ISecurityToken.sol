// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ISnapshotToken} from "./ISnapshotToken.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IRuleEngine} from "./IRuleEngine.sol";
import {IERC1643} from "./IERC1643.sol";

/// @title ISecurityToken
/// @notice ERC-20 security token with ERC-3643 agent powers, ERC-1404/ERC-7943 transfer checks, ERC-1643
/// documents, on-chain terms and record-date snapshots.
interface ISecurityToken is ISnapshotToken, IERC20Errors, IRuleEngine, IERC1643 {
    /// @notice Offering terms recorded on chain (no personal data).
    struct Terms {
        string identifier; // ISIN or other security identifier
        string assetClass; // e.g. "ABS", "bond", "fund units"
        string underlying; // e.g. "highway toll receivables"
        string governingLaw; // e.g. "Hong Kong"
        string filingReference; // e.g. CSRC filing notice number
    }

    // ---- ERC-3643 events ----
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
    error RecoveryNotSameInvestor(address lostWallet, address newWallet);
    error NonexistentSnapshot(uint256 id);
    error InvalidSupplyCap(uint256 supplyCap);
    error InvalidDecimals(uint8 decimals);

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
    function setIdentityRegistry(address registry) external;
    function supplyCap() external view returns (uint256);
    function setSupplyCap(uint256 supplyCap_) external;
    function setTerms(Terms calldata newTerms) external;
    function terms() external view returns (Terms memory);

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
    function batchSetAddressFrozen(address[] calldata accounts, bool[] calldata freeze) external;
    function freezePartialTokens(address account, uint256 amount) external;
    function batchFreezePartialTokens(address[] calldata accounts, uint256[] calldata amounts) external;
    function unfreezePartialTokens(address account, uint256 amount) external;
    function batchUnfreezePartialTokens(address[] calldata accounts, uint256[] calldata amounts) external;
    function getFrozenTokens(address account) external view returns (uint256);
    function isFrozen(address account) external view returns (bool);
    function forcedTransfer(address from, address to, uint256 amount) external returns (bool);
    function batchForcedTransfer(address[] calldata fromList, address[] calldata toList, uint256[] calldata amounts)
        external;
    function recoveryAddress(address lostWallet, address newWallet, address investorOnchainID)
        external
        returns (bool);

    // ---- lockups and investor aggregates ----
    function setInvestorLockup(address wallet, uint40 until) external;
    function lockupOf(address wallet)
        external
        view
        returns (uint256 lockedUntil, uint256 lotLocked, uint256 lotUnlock);
    function transferableBalanceOf(address wallet) external view returns (uint256);
    function syncInvestorWallet(address wallet) external;
    function investorBalanceOf(address wallet) external view returns (uint256);

    // ---- checks ----
    function checkTransfer(address from, address to, uint256 amount)
        external
        view
        returns (uint8 code, string memory message);
    function checkTransferFrom(address spender, address from, address to, uint256 amount)
        external
        view
        returns (uint8 code, string memory message);
    function checkMint(address to, uint256 amount) external view returns (uint8 code, string memory message);
    function detectTransferRestriction(address from, address to, uint256 amount) external view returns (uint8);
    function messageForTransferRestriction(uint8 restrictionCode) external view returns (string memory);
    function canTransfer(address from, address to, uint256 amount) external view returns (bool);
    function canTransact(address account) external view returns (bool);

    // ---- snapshots (snapshot, balanceOfAt, totalSupplyAt, holderAt: ISnapshotToken) ----
    function currentSnapshotId() external view returns (uint256);
}
