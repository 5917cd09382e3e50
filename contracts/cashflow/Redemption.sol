// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ISnapshotToken} from "../interfaces/ISnapshotToken.sol";
import {IPaymentTokenPolicy} from "../interfaces/IPaymentTokenPolicy.sol";
import {IDistributor} from "../interfaces/IDistributor.sol";
import {Entitlements} from "./Entitlements.sol";
import {IComplianceHook} from "../interfaces/IComplianceHook.sol";
import {ReasonCodes} from "../compliance/ReasonCodes.sol";
import {IRuleEngine} from "../interfaces/IRuleEngine.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";


/// @title Redemption
/// @notice Principal repayment of one security token: the issuer funds principal in a payment token, holders redeem
/// (their tokens are burned, principal paid at the current face value), an agent redeems holders in batches at
/// maturity, and partial amortisation pays principal down in instalments that lower the face value.
///
/// Face value is kept per whole token (10**decimals base units) in payment-token units. Redeeming `amount` base
/// units pays `floor(amount * faceValuePerToken / 10**decimals)`: rounding favours the principal pool, never the
/// redeemer, so the pool cannot be overdrawn.
///
/// An amortisation instalment is a Distributor distribution created per token at a fresh record date (the
/// Distributor's excluded wallets, claims, pushes, withholding and reclaim rules apply unchanged) and the face value
/// drops by the instalment for every token, whoever holds it later.
///
/// A holder's redemption burns through the token's rule-checked `redeemFrom`: it passes the sender-side rules of a
/// transfer (pause, halt, sender eligibility, frozen part, lockups, the compliance hook), so it never releases a
/// court-ordered freeze, a lockup or a collateral pledge. At maturity the agent's batch redeems each eligible holder's
/// balance less its partially frozen amount and less what the compliance hook holds back (a collateral pledge): those
/// parts stay with the holder, still frozen or pledged, until released; lockups end at maturity (repayment by the
/// issuer is not a resale). See contracts/cashflow/README.md.
///
/// @dev Cloned per token (EIP-1167). Needs the token's AGENT_ROLE (redeemFrom) and, for amortisation, the
/// Distributor's DISTRIBUTION_AGENT_ROLE (the Distributor in turn needs the token's SNAPSHOT_ROLE).
contract Redemption is Initializable, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Funds principal, redeems holders in batches, amortises.
    bytes32 public constant REDEMPTION_AGENT_ROLE = keccak256("REDEMPTION_AGENT_ROLE");

    /// @dev One slot, read by every redemption.
    struct Terms {
        ISnapshotToken token;
        uint64 redemptionStart;
        uint8 tokenDecimals;
    }

    /// @dev One slot, read and written by every redemption: the face value and the pool it is paid from.
    struct Pool {
        uint128 faceValuePerToken;
        uint128 principalAvailable;
    }

    Terms private _terms;
    Pool private _pool;
    address private _paymentToken;
    address private _distributor;
    address private _treasury;
    /// @dev Principal owed after a failed batch transfer, and since when (for the long-stop sweep).
    struct Owed {
        uint128 amount;
        uint64 since;
    }

    mapping(address holder => Owed) private _owed;
    /// @dev Long-stop period in days; 0 means {Entitlements.DEFAULT_LONG_STOP_DAYS}.
    uint16 private _longStopDays;

    /// @notice Principal was added to the pool.
    event PrincipalFunded(address indexed from, uint256 amount);
    /// @notice `tokens` of `holder` were burned for `principal`.
    event Redeemed(address indexed holder, uint256 tokens, uint256 principal, address indexed operator);
    /// @notice A batch skipped `holder`, whose redemption the token's rules refuse now (ERC-1404 `reasonCode`).
    event RedemptionSkipped(address indexed holder, uint8 reasonCode);
    /// @notice A batch left `kept` of `holder`'s tokens unredeemed: frozen, locked or pledged now.
    event RedemptionHeldBack(address indexed holder, uint256 kept);
    /// @notice Principal owed to `holder` was paid to `to`, another wallet of the same investor.
    event OwedPrincipalRedirected(address indexed holder, address indexed to, uint256 amount);
    /// @notice Principal owed to `holder` for the long-stop period went to the treasury.
    event OwedPrincipalSwept(address indexed holder, address indexed treasury, uint256 amount);
    /// @notice The long-stop period changed (days; 0 = the default).
    event LongStopSet(uint16 periodDays);
    /// @notice The principal transfer to `holder` failed after their tokens were burned; it is owed and claimable.
    event RedemptionPaymentOwed(address indexed holder, uint256 amount);
    /// @notice Owed principal reached the holder.
    event OwedPrincipalPaid(address indexed holder, uint256 amount);
    /// @notice An instalment of `principalPerToken` was paid as distribution `distributionId`.
    event Amortised(
        uint256 indexed distributionId, uint256 principalPerToken, uint256 amount, uint256 faceValuePerToken
    );
    /// @notice Unneeded principal went back to the treasury.
    event PrincipalWithdrawn(address indexed treasury, uint256 amount);
    /// @notice Holders may redeem from `start` (unix time).
    event RedemptionStartSet(uint64 start);

    /// @dev Redemption opens at `start`.
    error RedemptionNotOpen(uint64 start);
    /// @dev The pool holds `available`, `required` is needed.
    error InsufficientPrincipal(uint256 required, uint256 available);
    /// @dev The amount redeems to zero principal (or is zero).
    error RedemptionTooSmall(uint256 tokens);
    /// @dev The receiving wallet may not receive payment now.
    error HolderNotEligible(address holder, uint8 reasonCode);

    /// @dev The instalment exceeds the outstanding face value (or is zero).
    error InvalidInstalment(uint256 principalPerToken, uint256 faceValuePerToken);
    /// @dev The payment token is not allowed by the offering's policy.
    error PaymentTokenNotAllowed(address paymentToken);
    /// @dev Nothing is owed to the holder.
    error NothingOwed(address holder);
    /// @dev A required address or amount is zero.
    error ZeroValue();
    /// @dev Face value or pool above 2^128-1 units.
    error ValueTooLarge(uint256 value);

    /// @dev Locks the implementation; clones are set up through {initialize}.
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets up a clone for `token`.
    /// @param admin Receives DEFAULT_ADMIN_ROLE.
    /// @param agent Receives REDEMPTION_AGENT_ROLE unless zero.
    /// @param securityToken The security token redeemed (this contract needs its AGENT_ROLE).
    /// @param principalToken The principal currency; must be allowed by `distributor`'s payment-token policy.
    /// @param distributor The offering's Distributor: payment-token policy and amortisation instalments.
    /// @param issuerTreasury Receives principal withdrawn as unneeded.
    /// @param initialFaceValue Principal per whole token, in payment-token units.
    /// @param start Unix time from which holders may redeem (maturity).
    function initialize(
        address admin,
        address agent,
        address securityToken,
        address principalToken,
        address distributor,
        address issuerTreasury,
        uint256 initialFaceValue,
        uint64 start
    ) external initializer {
        if (
            admin == address(0) || securityToken == address(0) || distributor == address(0) || issuerTreasury == address(0)
                || initialFaceValue == 0
        ) revert ZeroValue();
        if (!IPaymentTokenPolicy(distributor).isPaymentTokenAllowed(principalToken)) {
            revert PaymentTokenNotAllowed(principalToken);
        }
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (agent != address(0)) _grantRole(REDEMPTION_AGENT_ROLE, agent);
        if (initialFaceValue > type(uint128).max) revert ValueTooLarge(initialFaceValue);
        _terms = Terms({
            token: ISnapshotToken(securityToken),
            redemptionStart: start,
            tokenDecimals: ISnapshotToken(securityToken).decimals()
        });
        _pool = Pool({faceValuePerToken: uint128(initialFaceValue), principalAvailable: 0});
        _paymentToken = principalToken;
        _distributor = distributor;
        _treasury = issuerTreasury;
        emit RedemptionStartSet(start);
    }

    /// @notice Adds `amount` of principal to the pool, pulled from the caller.
    function fundPrincipal(uint256 amount) external onlyRole(REDEMPTION_AGENT_ROLE) nonReentrant {
        if (amount == 0) revert ZeroValue();
        address principalToken = _paymentToken;
        // Re-checked at funding: the policy may have withdrawn the token (e.g. an RMB token lost its approval).
        if (!IPaymentTokenPolicy(_distributor).isPaymentTokenAllowed(principalToken)) {
            revert PaymentTokenNotAllowed(principalToken);
        }
        Pool memory pool = _pool;
        uint256 available = pool.principalAvailable + amount;
        if (available > type(uint128).max) revert ValueTooLarge(available);
        _pool.principalAvailable = uint128(available);
        emit PrincipalFunded(msg.sender, amount);
        IERC20(principalToken).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Burns `amount` of the caller's tokens and pays their principal at the current face value.
    /// @return principal The amount paid.
    function redeem(uint256 amount) external nonReentrant returns (uint256 principal) {
        Terms memory terms = _terms;
        if (block.timestamp < terms.redemptionStart) revert RedemptionNotOpen(terms.redemptionStart);
        Pool memory pool = _pool;
        principal = Math.mulDiv(amount, pool.faceValuePerToken, 10 ** terms.tokenDecimals);
        if (principal == 0) revert RedemptionTooSmall(amount);
        if (principal > pool.principalAvailable) revert InsufficientPrincipal(principal, pool.principalAvailable);
        // Cannot underflow: checked just above.
        unchecked {
            _pool.principalAvailable = uint128(pool.principalAvailable - principal);
        }
        emit Redeemed(msg.sender, amount, principal, msg.sender);
        // The token's sender-side rules decide (a refusal reverts with its reason code); a holder who may send
        // may also be paid (the same registry checks).
        terms.token.redeemFrom(msg.sender, amount);
        IERC20(_paymentToken).safeTransfer(msg.sender, principal);
    }

    /// @notice Redeems each holder at maturity: the balance less the partially frozen amount (a court order) and
    /// less what the compliance hook holds back (a collateral pledge); those parts stay with the holder (event
    /// {RedemptionHeldBack}) and are redeemed by a later batch once released. Holders who may not be paid now
    /// (wallet frozen, unverified, KYC expired, sanctioned) are skipped (event {RedemptionSkipped}); zero balances are
    /// skipped silently; a failed principal transfer is recorded as owed, never lost. An agent action: lockups, pause
    /// and trading halt do not stop it.
    /// @dev Reverts only for reasons that are not one holder's: an empty pool, redemption not yet open.
    /// @return principalPaid Total principal paid or owed by this call.
    // The pool is debited after each holder's burn and before the principal transfer. Every entry point is
    // nonReentrant, and the token and payment token are the offering's own vetted contracts.
    // slither-disable-start reentrancy-no-eth,reentrancy-balance,reentrancy-events
    function redeemBatch(address[] calldata holders)
        external
        onlyRole(REDEMPTION_AGENT_ROLE)
        nonReentrant
        returns (uint256 principalPaid)
    {
        Terms memory terms = _terms;
        if (block.timestamp < terms.redemptionStart) revert RedemptionNotOpen(terms.redemptionStart);
        ISnapshotToken securityToken = terms.token;
        IERC20 principalToken = IERC20(_paymentToken);
        Pool memory pool = _pool;
        uint256 face = pool.faceValuePerToken;
        uint256 unit = 10 ** terms.tokenDecimals;
        uint256 available = pool.principalAvailable;
        address hook = IRuleEngine(address(securityToken)).complianceHook();
        for (uint256 i; i < holders.length; ++i) {
            address holder = holders[i];
            uint256 principal = _redeemHolder(securityToken, hook, holder, face, unit, available);
            if (principal == 0) continue;
            unchecked {
                available -= principal; // _redeemHolder checked principal <= available
            }
            // Cannot overflow: only ever decreased from a uint128.
            _pool.principalAvailable = uint128(available);
            principalPaid += principal;
            if (!principalToken.trySafeTransfer(holder, principal)) _addOwed(holder, principal);
        }
    }

    /// @dev One holder of {redeemBatch}: burns what may be redeemed and returns its principal (0 if nothing was
    /// burned). Reverts only if the pool cannot pay it.
    function _redeemHolder(
        ISnapshotToken securityToken,
        address hook,
        address holder,
        uint256 face,
        uint256 unit,
        uint256 available
    ) private returns (uint256 principal) {
        // slither-disable-next-line unused-return
        (uint256 balance,, uint8 code,) = securityToken.holderAt(holder, 0);
        // slither-disable-next-line incorrect-equality
        if (balance == 0) return 0; // nothing to redeem, not a balance-manipulation guard
        if (code != 0) {
            emit RedemptionSkipped(holder, code);
            return 0;
        }
        uint256 kept = securityToken.getFrozenTokens(holder);
        if (hook != address(0)) {
            (bool known, uint256 held) = _heldByHook(hook, address(securityToken), holder);
            if (!known) {
                // A hook that cannot say what it holds back: redeem nothing rather than a pledge.
                emit RedemptionSkipped(holder, ReasonCodes.HOOK_REJECTED);
                return 0;
            }
            kept += held;
        }
        if (kept >= balance) {
            emit RedemptionHeldBack(holder, balance);
            return 0;
        }
        if (kept != 0) emit RedemptionHeldBack(holder, kept);
        uint256 amount = balance - kept;
        principal = Math.mulDiv(amount, face, unit);
        if (principal == 0) return 0;
        if (principal > available) revert InsufficientPrincipal(principal, available);
        emit Redeemed(holder, amount, principal, msg.sender);
        // The agent burn takes only the free part, so the frozen amount and the pledge stay fully backed.
        securityToken.burn(holder, amount);
    }
    // slither-disable-end reentrancy-no-eth,reentrancy-balance,reentrancy-events

    /// @dev The amount `hook` holds back from `holder`, and whether the hook could say.
    function _heldByHook(address hook, address securityToken, address holder)
        private
        view
        returns (bool known, uint256 held)
    {
        try IComplianceHook(hook).heldBalanceOf(securityToken, holder) returns (uint256 amount) {
            return (true, amount);
        } catch {
            return (false, 0);
        }
    }

    function _addOwed(address holder, uint256 principal) private {
        Owed memory owed = _owed[holder];
        // Fits: owed principal never exceeds the pool, a uint128.
        _owed[holder] = Owed({amount: uint128(owed.amount + principal), since: uint64(block.timestamp)});
        emit RedemptionPaymentOwed(holder, principal);
    }

    /// @notice Pays `holder` principal owed from a batch redemption whose transfer failed. Anyone may call it.
    function payOwed(address holder) external nonReentrant returns (uint256 amount) {
        amount = _takeOwed(holder);
        emit OwedPrincipalPaid(holder, amount);
        IERC20(_paymentToken).safeTransfer(holder, amount);
    }

    /// @notice Pays principal owed to `holder` to `to`, another wallet of the same investor (a recovered wallet,
    /// or one the payment token accepts). The holder or a redemption agent may call it; `to` must be registered
    /// under the same investor and eligible to receive now.
    function payOwedTo(address holder, address to) external nonReentrant returns (uint256 amount) {
        if (msg.sender != holder && !hasRole(REDEMPTION_AGENT_ROLE, msg.sender)) {
            revert Entitlements.NotHolderOrAgent(msg.sender);
        }
        ISnapshotToken securityToken = _terms.token;
        Entitlements.requireSameInvestor(ISecurityToken(address(securityToken)).identityRegistry(), holder, to);
        // slither-disable-next-line unused-return
        (,, uint8 code,) = securityToken.holderAt(to, 0);
        if (code != 0) revert HolderNotEligible(to, code);
        amount = _takeOwed(holder);
        emit OwedPrincipalRedirected(holder, to, amount);
        IERC20(_paymentToken).safeTransfer(to, amount);
    }

    /// @notice Sends principal owed to `holder` for longer than the long-stop period to the issuer treasury (a
    /// holder who can never be paid: sanctioned, offboarded, refused by the payment token). Anyone may call it.
    function sweepOwed(address holder) external nonReentrant returns (uint256 amount) {
        uint256 endsAt = uint256(_owed[holder].since) + longStop();
        if (block.timestamp <= endsAt) revert Entitlements.LongStopNotReached(endsAt);
        amount = _takeOwed(holder);
        address to = _treasury;
        emit OwedPrincipalSwept(holder, to, amount);
        IERC20(_paymentToken).safeTransfer(to, amount);
    }

    /// @notice Sets the long-stop period, in days, after which owed principal may be swept (admin); at least
    /// 365 days ({Entitlements.MIN_LONG_STOP_DAYS}); 0 restores the default of five years.
    function setLongStop(uint16 periodDays) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Entitlements.checkLongStop(periodDays);
        _longStopDays = periodDays;
        emit LongStopSet(periodDays);
    }

    /// @notice Seconds after which principal still owed may be swept to the treasury.
    function longStop() public view returns (uint256) {
        return Entitlements.longStopSeconds(_longStopDays);
    }

    function _takeOwed(address holder) private returns (uint256 amount) {
        amount = _owed[holder].amount;
        if (amount == 0) revert NothingOwed(holder);
        delete _owed[holder];
    }

    /// @notice Pays down `principalPerToken` of every token's face value as a Distributor distribution at a fresh
    /// record date, funded from the principal pool.
    /// @param principalPerToken Instalment per whole token, in payment-token units; at most the face value.
    /// @param claimExpiry Claim expiry of the instalment distribution.
    /// @return distributionId The Distributor distribution paying the instalment.
    /// @return amount The principal it took from the pool.
    // The instalment amount is only known once the Distributor has snapshotted the eligible supply, so the pool is
    // updated after that call; amortise is nonReentrant and the Distributor is the offering's own contract.
    // slither-disable-start reentrancy-no-eth
    function amortise(uint256 principalPerToken, uint64 claimExpiry)
        external
        onlyRole(REDEMPTION_AGENT_ROLE)
        nonReentrant
        returns (uint256 distributionId, uint256 amount)
    {
        Pool memory pool = _pool;
        uint256 face = pool.faceValuePerToken;
        if (principalPerToken == 0 || principalPerToken > face) revert InvalidInstalment(principalPerToken, face);
        face -= principalPerToken;
        IERC20 principalToken = IERC20(_paymentToken);
        address distributor = _distributor;
        // Approval for at most the pool; the Distributor pulls only the computed instalment.
        uint256 available = pool.principalAvailable;
        principalToken.forceApprove(distributor, available);
        (distributionId, amount) = IDistributor(distributor).createDistributionPerToken(
            address(_terms.token), address(principalToken), principalPerToken, claimExpiry, 0
        );
        principalToken.forceApprove(distributor, 0);
        if (amount > available) revert InsufficientPrincipal(amount, available);
        // Both fit: face only decreased, and available - amount <= available < 2^128.
        _pool = Pool({faceValuePerToken: uint128(face), principalAvailable: uint128(available - amount)});
        emit Amortised(distributionId, principalPerToken, amount, face);
    }
    // slither-disable-end reentrancy-no-eth

    /// @notice Sends `amount` of unneeded principal back to the issuer treasury.
    function withdrawPrincipal(uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        _debitPool(amount);
        address to = _treasury;
        emit PrincipalWithdrawn(to, amount);
        IERC20(_paymentToken).safeTransfer(to, amount);
    }

    /// @notice Sets when holders may start redeeming.
    function setRedemptionStart(uint64 start) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _terms.redemptionStart = start;
        emit RedemptionStartSet(start);
    }

    /// @notice Outstanding principal per whole token, in payment-token units.
    function faceValuePerToken() external view returns (uint256) {
        return _pool.faceValuePerToken;
    }

    /// @notice Principal in the pool not yet paid or committed.
    function principalAvailable() external view returns (uint256) {
        return _pool.principalAvailable;
    }

    /// @notice Principal that redeeming `amount` base units would pay now.
    function quote(uint256 amount) external view returns (uint256) {
        return _quote(amount);
    }

    /// @notice Principal owed to `holder` after a failed batch transfer.
    function owedTo(address holder) external view returns (uint256) {
        return _owed[holder].amount;
    }

    /// @notice The redeemed security token.
    function token() external view returns (address) {
        return address(_terms.token);
    }

    /// @notice The principal currency.
    function paymentToken() external view returns (address) {
        return _paymentToken;
    }

    /// @notice Unix time from which holders may redeem.
    function redemptionStart() external view returns (uint64) {
        return _terms.redemptionStart;
    }

    function _quote(uint256 amount) private view returns (uint256) {
        return Math.mulDiv(amount, _pool.faceValuePerToken, 10 ** _terms.tokenDecimals);
    }

    function _debitPool(uint256 amount) private {
        uint256 available = _pool.principalAvailable;
        if (amount > available) revert InsufficientPrincipal(amount, available);
        unchecked {
            _pool.principalAvailable = uint128(available - amount);
        }
    }
}
