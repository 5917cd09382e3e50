// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPaymentTokenPolicy} from "../interfaces/IPaymentTokenPolicy.sol";

/// @title Waterfall
/// @notice The priority of payments of a tranched offering (senior, mezzanine, ..., junior/equity; each tranche its
/// own security token). Each period's collections (toll revenue, lease receipts) are split, in order:
///   1. fees: the fixed fee per period plus fee arrears, to the fee account;
///   2. interest, tranche by tranche in seniority: `outstanding * rateBps / 10_000` (rounded down, on the
///      outstanding at the start of the period) plus interest arrears;
///   3. principal: each debt tranche's scheduled principal plus principal arrears, capped at its outstanding;
///      paid sequentially (senior first) or pro rata to what each tranche is due (configurable). In pro rata the
///      rounding units go to the most senior tranche still short;
///   4. residual: whatever is left, to the last (junior/equity) tranche.
/// A shortfall at any step becomes that step's arrears (per tranche) and is due first at the same step next period.
/// Arrears do not bear interest. Every step emits `WaterfallStep`, so the SDK can reproduce and check the split.
///
/// Payout design: each tranche is paid, in one transfer per period, to its payout account (the tranche's paying
/// agent), which funds a Distributor distribution on the tranche token with that amount. Creating the distributions
/// from here would put three tranches far above the 250,000-gas budget (a distribution costs ~110-140k), tie the
/// waterfall to each distribution's expiry and snapshot choices, and make one tranche's failure block the others;
/// the two-step design keeps the waterfall a pure, auditable split.
/// @dev Cloned per offering (EIP-1167).
contract Waterfall is Initializable, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Runs the waterfall each period (the servicer or paying agent).
    bytes32 public constant WATERFALL_AGENT_ROLE = keccak256("WATERFALL_AGENT_ROLE");
    /// @notice Most tranches a waterfall may have (the last is the residual tranche).
    uint256 public constant MAX_TRANCHES = 8;
    /// @notice `tranche` value in `WaterfallStep` for the fee step.
    uint8 public constant NO_TRANCHE = type(uint8).max;

    /// @notice Step numbers in `WaterfallStep`.
    uint8 public constant STEP_FEES = 0;
    uint8 public constant STEP_INTEREST = 1;
    uint8 public constant STEP_PRINCIPAL = 2;
    uint8 public constant STEP_RESIDUAL = 3;

    /// @notice How principal is allocated among debt tranches.
    enum PrincipalMode {
        Sequential,
        ProRata
    }

    /// @notice Tranche set-up: the last entry is the residual (junior/equity) tranche, its rate and principal are 0.
    struct TrancheTerms {
        address account;
        uint16 rateBps;
        uint128 outstanding;
        uint128 scheduledPrincipal;
    }

    /// @dev Three slots per tranche: identity, principal, arrears (the arrears slot is written only on shortfall).
    struct Tranche {
        address account;
        uint16 rateBps;
        uint128 outstanding;
        uint128 scheduledPrincipal;
        uint128 interestArrears;
        uint128 principalArrears;
    }

    /// @dev One slot read by every run.
    struct Config {
        address paymentToken;
        PrincipalMode principalMode;
        uint8 trancheCount;
        uint32 period;
    }

    /// @dev One slot: the fee and its arrears.
    struct Fees {
        uint128 feePerPeriod;
        uint128 feeArrears;
    }

    Config private _config;
    address private _feeAccount;
    Fees private _fees;
    mapping(uint256 index => Tranche) private _tranches;

    /// @notice One step of the split: for the fee step `tranche` is {NO_TRANCHE}; for the residual step `due` is
    /// what was left and `arrears` 0.
    event WaterfallStep(
        uint256 indexed period, uint8 indexed step, uint8 tranche, uint256 due, uint256 paid, uint256 arrears
    );
    /// @notice Period `period` split `collections`; tranche payouts were sent to their accounts.
    event WaterfallRun(uint256 indexed period, uint256 collections, address indexed operator);
    /// @notice A tranche's payout account changed.
    event TrancheAccountSet(uint8 indexed tranche, address account);
    /// @notice The fee account changed.
    event FeeAccountSet(address feeAccount);

    /// @dev Between 2 and {MAX_TRANCHES} tranches.
    error InvalidTrancheCount(uint256 count);
    /// @dev The residual tranche cannot carry a rate, principal or schedule.
    error InvalidResidualTranche();
    /// @dev A rate above 100% per period.
    error InvalidRate(uint16 rateBps);
    /// @dev No tranche at this index.
    error UnknownTranche(uint256 tranche);
    /// @dev The payment token is not allowed by the offering's policy.
    error PaymentTokenNotAllowed(address paymentToken);
    /// @dev A required address is zero.
    error ZeroAddress();

    /// @dev Locks the implementation; clones are set up through {initialize}.
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up a clone.
    /// @param admin Receives DEFAULT_ADMIN_ROLE.
    /// @param agent Receives WATERFALL_AGENT_ROLE unless zero.
    /// @param collectionToken Currency of collections and payouts; must be allowed by `policy`.
    /// @param policy The offering's payment-token policy (its Distributor).
    /// @param initialFeeAccount Receives the fee step.
    /// @param feePerPeriod Fixed fee due each period.
    /// @param mode Sequential or pro-rata principal.
    /// @param tranches In order of seniority; the last is the residual (junior/equity) tranche.
    function initialize(
        address admin,
        address agent,
        address collectionToken,
        address policy,
        address initialFeeAccount,
        uint128 feePerPeriod,
        PrincipalMode mode,
        TrancheTerms[] calldata tranches
    ) external initializer {
        if (admin == address(0) || initialFeeAccount == address(0) || policy == address(0)) revert ZeroAddress();
        if (!IPaymentTokenPolicy(policy).isPaymentTokenAllowed(collectionToken)) {
            revert PaymentTokenNotAllowed(collectionToken);
        }
        _setRolesAndFees(admin, agent, initialFeeAccount, feePerPeriod);
        _config = Config({
            paymentToken: collectionToken,
            principalMode: mode,
            trancheCount: uint8(_setTranches(tranches)),
            period: 0
        });
    }

    function _setRolesAndFees(address admin, address agent, address feeAccount_, uint128 feePerPeriod) private {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (agent != address(0)) _grantRole(WATERFALL_AGENT_ROLE, agent);
        _feeAccount = feeAccount_;
        _fees = Fees({feePerPeriod: feePerPeriod, feeArrears: 0});
    }

    /// @notice Splits `collections`, pulled from the caller, for the next period and pays every step.
    /// @return currentPeriod The period number just run (1 for the first).
    function runWaterfall(uint256 collections)
        external
        onlyRole(WATERFALL_AGENT_ROLE)
        nonReentrant
        returns (uint256 currentPeriod)
    {
        Config memory config = _config;
        currentPeriod = uint256(config.period) + 1;
        _config.period = uint32(currentPeriod);
        IERC20 collectionToken = IERC20(config.paymentToken);
        collectionToken.safeTransferFrom(msg.sender, address(this), collections);

        uint256 count = config.trancheCount;
        uint256 debtCount = count - 1;
        uint256[] memory payouts = new uint256[](count);
        uint256 available = collections;

        // 1. Fees.
        uint256 feesPaid;
        (available, feesPaid) = _payFees(currentPeriod, available);

        // 2. Interest, by seniority.
        Tranche[] memory tranches = new Tranche[](debtCount);
        for (uint256 i; i < debtCount; ++i) {
            Tranche memory t = _tranches[i];
            tranches[i] = t;
            uint256 due = uint256(t.outstanding) * t.rateBps / 10_000 + t.interestArrears;
            uint256 paid = due < available ? due : available;
            available -= paid;
            payouts[i] = paid;
            tranches[i].interestArrears = uint128(due - paid);
            emit WaterfallStep(currentPeriod, STEP_INTEREST, uint8(i), due, paid, due - paid);
        }

        // 3. Principal.
        available = _allocatePrincipal(currentPeriod, config.principalMode, tranches, payouts, available);

        // 4. Residual to the junior/equity tranche.
        payouts[debtCount] = available;
        emit WaterfallStep(currentPeriod, STEP_RESIDUAL, uint8(debtCount), available, available, 0);

        // Write back what changed, then pay: one transfer per tranche.
        for (uint256 i; i < debtCount; ++i) {
            Tranche memory t = tranches[i];
            Tranche storage stored = _tranches[i];
            stored.outstanding = t.outstanding;
            // Skips the arrears slot when it stays zero (the common, fully paid period).
            if (t.interestArrears != stored.interestArrears) stored.interestArrears = t.interestArrears;
            if (t.principalArrears != stored.principalArrears) stored.principalArrears = t.principalArrears;
        }
        emit WaterfallRun(currentPeriod, collections, msg.sender);
        if (feesPaid != 0) collectionToken.safeTransfer(_feeAccount, feesPaid);
        for (uint256 i; i < count; ++i) {
            if (payouts[i] != 0) {
                address account = i < debtCount ? tranches[i].account : _tranches[i].account;
                collectionToken.safeTransfer(account, payouts[i]);
            }
        }
    }

    /// @notice Sets the payout account of tranche `index`.
    function setTrancheAccount(uint8 index, address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (index >= _config.trancheCount) revert UnknownTranche(index);
        if (account == address(0)) revert ZeroAddress();
        _tranches[index].account = account;
        emit TrancheAccountSet(index, account);
    }

    /// @notice Sets the account that receives the fee step.
    function setFeeAccount(address newFeeAccount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newFeeAccount == address(0)) revert ZeroAddress();
        _feeAccount = newFeeAccount;
        emit FeeAccountSet(newFeeAccount);
    }

    /// @notice Tranche `index`: payout account, rate per period, outstanding principal, scheduled principal per
    /// period, and arrears.
    function tranche(uint256 index) external view returns (Tranche memory) {
        if (index >= _config.trancheCount) revert UnknownTranche(index);
        return _tranches[index];
    }

    /// @notice Number of tranches, the last being the residual tranche.
    function trancheCount() external view returns (uint256) {
        return _config.trancheCount;
    }

    /// @notice Periods run so far.
    function period() external view returns (uint256) {
        return _config.period;
    }

    /// @notice The fee per period and unpaid fees carried forward.
    function fees() external view returns (uint256 feePerPeriod, uint256 feeArrears) {
        Fees memory f = _fees;
        return (f.feePerPeriod, f.feeArrears);
    }

    /// @notice The currency of collections and payouts.
    function paymentToken() external view returns (address) {
        return _config.paymentToken;
    }

    /// @notice Principal allocation mode.
    function principalMode() external view returns (PrincipalMode) {
        return _config.principalMode;
    }

    /// @notice Receives the fee step.
    function feeAccount() external view returns (address) {
        return _feeAccount;
    }

    function _setTranches(TrancheTerms[] calldata tranches) private returns (uint256 count) {
        count = tranches.length;
        if (count < 2 || count > MAX_TRANCHES) revert InvalidTrancheCount(count);
        for (uint256 i; i < count; ++i) {
            TrancheTerms calldata t = tranches[i];
            if (t.account == address(0)) revert ZeroAddress();
            if (t.rateBps > 10_000) revert InvalidRate(t.rateBps);
            if (i == count - 1 && (t.rateBps != 0 || t.outstanding != 0 || t.scheduledPrincipal != 0)) {
                revert InvalidResidualTranche();
            }
            _tranches[i] = Tranche({
                account: t.account,
                rateBps: t.rateBps,
                outstanding: t.outstanding,
                scheduledPrincipal: t.scheduledPrincipal,
                interestArrears: 0,
                principalArrears: 0
            });
        }
    }

    function _payFees(uint256 currentPeriod, uint256 available) private returns (uint256 left, uint256 paid) {
        Fees memory f = _fees;
        uint256 due = uint256(f.feePerPeriod) + f.feeArrears;
        paid = due < available ? due : available;
        left = available - paid;
        uint256 arrears = due - paid;
        if (arrears != f.feeArrears) _fees.feeArrears = uint128(arrears);
        emit WaterfallStep(currentPeriod, STEP_FEES, NO_TRANCHE, due, paid, arrears);
    }

    function _allocatePrincipal(
        uint256 currentPeriod,
        PrincipalMode mode,
        Tranche[] memory tranches,
        uint256[] memory payouts,
        uint256 available
    ) private returns (uint256) {
        uint256 debtCount = tranches.length;
        uint256[] memory due = new uint256[](debtCount);
        uint256[] memory paid = new uint256[](debtCount);
        uint256 totalDue = 0;
        for (uint256 i; i < debtCount; ++i) {
            Tranche memory t = tranches[i];
            uint256 d = uint256(t.scheduledPrincipal) + t.principalArrears;
            if (d > t.outstanding) d = t.outstanding;
            due[i] = d;
            totalDue += d;
        }
        if (mode == PrincipalMode.Sequential || available >= totalDue) {
            for (uint256 i; i < debtCount; ++i) {
                uint256 p = due[i] < available ? due[i] : available;
                paid[i] = p;
                available -= p;
            }
        } else {
            // Pro rata to what each tranche is due; the rounding units go to the most senior tranche still short.
            uint256 distributed = 0;
            for (uint256 i; i < debtCount; ++i) {
                uint256 p = available * due[i] / totalDue;
                paid[i] = p;
                distributed += p;
            }
            uint256 dust = available - distributed;
            for (uint256 i; i < debtCount && dust != 0; ++i) {
                uint256 room = due[i] - paid[i];
                uint256 extra = room < dust ? room : dust;
                paid[i] += extra;
                dust -= extra;
            }
            available = dust; // zero: available < totalDue, so every unit found room
        }
        for (uint256 i; i < debtCount; ++i) {
            Tranche memory t = tranches[i];
            t.outstanding -= uint128(paid[i]);
            // Arrears are what was due and not paid, capped by the outstanding that remains.
            t.principalArrears = uint128(due[i] - paid[i]);
            payouts[i] += paid[i];
            emit WaterfallStep(currentPeriod, STEP_PRINCIPAL, uint8(i), due[i], paid[i], due[i] - paid[i]);
        }
        return available;
    }
}
