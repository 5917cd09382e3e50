// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IERC7575, IERC7540Operator, IERC7540Deposit, IERC7540Redeem} from "../interfaces/IERC7540.sol";
import {IPaymentTokenPolicy} from "../interfaces/IPaymentTokenPolicy.sol";
import {ISecurityTokenCore} from "../interfaces/ISecurityToken.sol";
import {ReasonCodes} from "../compliance/ReasonCodes.sol";
import {Entitlements} from "./Entitlements.sol";

/// @title FundVault
/// @notice Dealing in a tokenized fund's shares at NAV: investors request subscriptions (cash in) and redemptions
/// (shares out) during a dealing cycle (ERC-7540 requests); at the cycle's cut-off the fund agent closes the cycle
/// at a NAV published after the cut-off (forward pricing), requests are fulfilled at that NAV, and investors claim
/// shares or cash (ERC-7540/ERC-7575 claims). One vault per share token and entry asset (ERC-7575 entry point).
///
/// Compliance all the way: a subscription is accepted only from a controller the share token would let receive
/// shares now (registered, KYC valid, not frozen or sanctioned, its country and category allowed: the token's own
/// ERC-7943 `canReceive`, refused with the token's reason code from `checkMint`); shares are minted on claim through
/// the token, whose rules then apply in full (caps and holder counts included); and a redemption burns the owner's
/// shares at request through the token's rule-checked `redeemFrom`, so a freeze, a lockup or a collateral pledge is
/// never redeemed. Holder counts, snapshots and lockups therefore stay the token's own. The entry asset must be
/// allowed by the offering's payment-token policy (an RMB-pegged token only when approved), checked at deployment
/// and at every subscription; a close never depends on it, so requests already made can always be dealt.
///
/// Rounding is in the fund's favour: fees round up, shares and cash paid round down, a partial claim of cash
/// rounds the shares consumed up. Request ids are dealing cycle numbers; once claimable, a controller's claims
/// are fungible across cycles.
///
/// @dev Deployed whole per share token and entry asset, not cloned: the share token, the asset and the policy are
/// immutables, which saves every request a proxy hop and three storage reads (about 7,000 gas) for the life of
/// the fund. Needs the share token's AGENT_ROLE (mint, redeemFrom). A subscription pending in a closed cycle
/// needs no bookkeeping at the close; a redemption does (the gate and its carried remainder), so a cycle closes
/// only once the previous cycle's redemptions are all fulfilled. A cycle's fulfilment is the same function whether the agent pushes it in batches ({fulfil}) or the
/// controller's next request or claim pulls it, so the two can never disagree.
contract FundVault is
    AccessControl,
    ReentrancyGuardTransient,
    IERC7575,
    IERC7540Operator,
    IERC7540Deposit,
    IERC7540Redeem
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Closes dealing cycles, moves cut-offs, funds redemptions and withdraws subscription cash.
    bytes32 public constant FUND_AGENT_ROLE = keccak256("FUND_AGENT_ROLE");
    /// @notice Publishes and corrects the NAV per share.
    bytes32 public constant NAV_ROLE = keccak256("NAV_ROLE");
    /// @notice Highest fee the admin may set, in basis points (10%).
    uint16 public constant MAX_FEE_BPS = 1000;

    uint256 private constant BPS = 10_000;
    /// @dev Most a controller may have pending of one kind (see {Pending}).
    uint256 private constant MAX_AMOUNT = type(uint104).max;

    ISecurityTokenCore private immutable _share;
    address private immutable _asset;
    IPaymentTokenPolicy private immutable _policy;
    uint8 private immutable _shareDecimals;

    /// @dev One slot, the only one of the vault's own a subscription reads: the open dealing cycle (where new
    /// requests go), its cut-off, how old a NAV may be at a close, and the dealing terms.
    struct Dealing {
        uint24 cycle;
        uint40 cutoff;
        uint32 maxNavAge;
        uint104 minSubscription;
        uint16 subscriptionFeeBps;
        uint16 redemptionFeeBps;
        uint16 gateBps;
    }

    /// @dev One slot: the latest NAV per whole share (10**shareDecimals units) in asset units.
    struct Nav {
        uint128 perShare;
        uint64 asOf;
        bool used;
    }

    /// @dev One slot per cycle: the redemptions pending in it and how many are not yet fulfilled (a controller
    /// counts once); the next close waits for none.
    struct Book {
        uint128 redeemShares;
        uint64 unfulfilled;
    }

    /// @dev How a closed cycle deals, fixed at its close whenever its requests are fulfilled: its NAV, the shares its
    /// gate lets out and the fees in force.
    struct Close {
        uint112 nav;
        uint112 redeemAllowed;
        uint16 subscriptionFeeBps;
        uint16 redemptionFeeBps;
    }

    /// @dev One slot per controller: what it has pending and in which cycles. The cycle numbers stay set after
    /// fulfilment so the slot never goes back to zero (a returning investor's request then writes 2,900 gas, not
    /// 20,000). 104 bits hold 2*10^31 base units: twenty trillion tokens of 18 decimals.
    struct Pending {
        uint104 depositAssets;
        uint104 redeemShares;
        uint24 depositCycle;
        uint24 redeemCycle;
    }

    /// @dev Fulfilled and not yet claimed: requested assets with the shares they bought, or redeemed shares with
    /// the cash they fetched.
    struct Claimable {
        uint128 assets;
        uint128 shares;
    }

    /// @dev What a closed cycle's redemption not yet fulfilled will come to, and whether the vault has the cash.
    struct Lazy {
        uint256 redeemed;
        uint256 net;
        bool funded;
    }

    /// @dev The vault's cash that is not owed to a controller: for redemptions (or the treasury) and for fees.
    struct Cash {
        uint128 available;
        uint128 fees;
    }

    Dealing private _dealing;
    Nav private _nav;
    Cash private _cash;
    address private _treasury;
    address private _feeRecipient;

    mapping(uint256 cycle => Book) private _books;
    mapping(uint256 cycle => Close) private _closes;
    mapping(address controller => Pending) private _pending;
    mapping(address controller => Claimable) private _claimableDeposits;
    mapping(address controller => Claimable) private _claimableRedeems;
    mapping(address controller => mapping(address operator => bool)) private _operators;

    /// @notice A NAV per share was published, valued as of `asOf`.
    event NavPublished(uint256 navPerShare, uint64 asOf);
    /// @notice The latest NAV was corrected before any cycle dealt at it.
    event NavCorrected(uint256 previousNavPerShare, uint256 navPerShare, uint64 asOf);
    /// @notice Cycle `cycle` closed at `nav`: its subscriptions deal in full at it, `redeemAllowed` of its
    /// `redeemShares` are redeemed (the gate), the rest carried to the next cycle, which cuts off at `nextCutoff`.
    event CycleClosed(
        uint256 indexed cycle, uint256 nav, uint64 navAsOf, uint256 redeemShares, uint256 redeemAllowed, uint64 nextCutoff
    );
    /// @notice The open cycle's cut-off moved.
    event CutoffSet(uint256 indexed cycle, uint64 cutoff);
    /// @notice `controller`'s subscription in `cycle` bought `shares` for `assets` (of which `fee`).
    event DepositFulfilled(
        address indexed controller, uint256 indexed cycle, uint256 assets, uint256 shares, uint256 fee
    );
    /// @notice `controller`'s redemption in `cycle` redeemed `shares` for `assets` net of `fee`; `carried` shares
    /// wait for the next cycle (the gate).
    event RedeemFulfilled(
        address indexed controller, uint256 indexed cycle, uint256 shares, uint256 assets, uint256 fee, uint256 carried
    );
    /// @notice A pending subscription was cancelled before its cut-off and `assets` refunded to `controller`.
    event DepositRequestCancelled(address indexed controller, uint256 indexed cycle, uint256 assets);
    /// @notice A pending redemption was cancelled before its cut-off and `shares` minted back to `controller`.
    event RedeemRequestCancelled(address indexed controller, uint256 indexed cycle, uint256 shares);
    /// @notice Cash for redemptions came in from `from`.
    event RedemptionCashFunded(address indexed from, uint256 amount);
    /// @notice Subscription cash went to the fund's treasury.
    event CashWithdrawn(address indexed treasury, uint256 amount);
    /// @notice Accrued fees went to the fee recipient.
    event FeesWithdrawn(address indexed feeRecipient, uint256 amount);
    /// @notice Dealing terms changed.
    event DealingTermsSet(
        uint16 subscriptionFeeBps, uint16 redemptionFeeBps, uint16 gateBps, uint256 minSubscription, uint64 maxNavAge
    );
    /// @notice Where subscription cash and fees go changed.
    event AccountsSet(address treasury, address feeRecipient);
    /// @notice `controller`'s claims went to `to`, another wallet of the same investor: `shares` minted, `assets` paid.
    event ClaimsRedirected(address indexed controller, address indexed to, uint256 shares, uint256 assets);

    /// @dev The share token refuses the controller now (ERC-1404 code); the same error as the token's own.
    error TransferRestricted(uint8 code);
    /// @dev The open cycle cut off at `cutoff`; requests and cancellations wait for the next cycle.
    error DealingCutOffPassed(uint256 cycle, uint64 cutoff);
    /// @dev The cycle cannot close before its cut-off.
    error CutoffNotReached(uint256 cycle, uint64 cutoff);
    /// @dev `count` redemptions of the previous cycle are still unfulfilled.
    error PreviousCycleUnfulfilled(uint256 cycle, uint256 count);
    /// @dev No NAV has been published.
    error NavMissing();
    /// @dev The NAV was valued at `asOf`, older than the cycle's cut-off: dealing is at a forward price.
    error NavBeforeCutoff(uint64 asOf, uint64 cutoff);
    /// @dev The NAV valued at `asOf` is older than `maxAge` seconds.
    error NavStale(uint64 asOf, uint64 maxAge);
    /// @dev A cycle already dealt at the latest NAV: publish a new one instead of correcting it.
    error NavAlreadyUsed(uint64 asOf);
    /// @dev A NAV must be positive, valued no later than now and after the previous one.
    error InvalidNav(uint256 navPerShare, uint64 asOf);
    /// @dev The subscription (with what the controller already requested this cycle) is below the minimum.
    error BelowMinimumSubscription(uint256 assets, uint256 minimum);
    /// @dev The caller is neither the owner/controller nor its operator.
    error NotOwnerOrOperator(address account, address caller);
    /// @dev Nothing of this kind is pending (in the open cycle) for `controller`.
    error NothingPending(address controller);
    /// @dev `controller` has nothing claimable now.
    error NothingClaimable(address controller);
    /// @dev More was asked than is claimable.
    error ExceedsClaimable(uint256 requested, uint256 claimable);
    /// @dev Redemptions need `required` cash; the vault has `available`.
    error InsufficientCash(uint256 required, uint256 available);
    /// @dev The entry asset is not (or no longer) allowed by the offering's payment-token policy.
    error PaymentTokenNotAllowed(address asset);
    /// @dev A fee above {MAX_FEE_BPS}, a gate of 0 or above 100%, a NAV age of 0 or above 2^32 - 1 seconds.
    error InvalidTerms();
    /// @dev A required address or amount is zero, or a cut-off is not in the future.
    error ZeroValue();
    /// @dev An amount does not fit the vault's accounting (see {Pending}).
    error ValueTooLarge(uint256 value);
    /// @dev ERC-7540 vaults are asynchronous: there is no preview.
    error AsyncNoPreview();

    /// @notice A vault dealing in `shareToken` against `entryAsset`.
    /// @param admin Receives DEFAULT_ADMIN_ROLE.
    /// @param agent Receives FUND_AGENT_ROLE and NAV_ROLE unless zero.
    /// @param shareToken The fund's security token (this vault needs its AGENT_ROLE).
    /// @param entryAsset The ERC-20 investors pay in and are paid in; allowed by `policy`.
    /// @param policy The offering's payment-token policy (its Distributor).
    /// @param treasury Receives subscription cash.
    /// @param feeRecipient Receives subscription and redemption fees.
    /// @param firstCutoff Cut-off of cycle 1 (unix time, in the future).
    constructor(
        address admin,
        address agent,
        address shareToken,
        address entryAsset,
        address policy,
        address treasury,
        address feeRecipient,
        uint64 firstCutoff
    ) {
        if (
            admin == address(0) || shareToken == address(0) || policy == address(0) || treasury == address(0)
                || feeRecipient == address(0)
        ) revert ZeroValue();
        if (!IPaymentTokenPolicy(policy).isPaymentTokenAllowed(entryAsset)) revert PaymentTokenNotAllowed(entryAsset);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (agent != address(0)) {
            _grantRole(FUND_AGENT_ROLE, agent);
            _grantRole(NAV_ROLE, agent);
        }
        _share = ISecurityTokenCore(shareToken);
        _asset = entryAsset;
        _policy = IPaymentTokenPolicy(policy);
        _shareDecimals = ISecurityTokenCore(shareToken).decimals();
        _dealing = Dealing({
            cycle: 1,
            cutoff: _cutoff(firstCutoff),
            maxNavAge: 1 days,
            minSubscription: 0,
            subscriptionFeeBps: 0,
            redemptionFeeBps: 0,
            gateBps: uint16(BPS)
        });
        _treasury = treasury;
        _feeRecipient = feeRecipient;
        emit CutoffSet(1, firstCutoff);
        emit AccountsSet(treasury, feeRecipient);
        emit DealingTermsSet(0, 0, uint16(BPS), 0, 1 days);
    }

    // ------------------------------------------------------------------ requests (ERC-7540)

    /// @inheritdoc IERC7540Deposit
    /// @dev Pulls `assets` from `owner` into the open cycle. Refused with the token's reason code when the share
    /// token would not let `controller` receive shares now.
    function requestDeposit(uint256 assets, address controller, address owner)
        external
        nonReentrant
        returns (uint256 requestId)
    {
        _requireOwnerOrOperator(owner);
        if (assets == 0 || controller == address(0)) revert ZeroValue();
        if (!_policy.isPaymentTokenAllowed(_asset)) revert PaymentTokenNotAllowed(_asset);
        Dealing memory deal = _openDealing();
        Pending memory pending = _pending[controller];
        if (pending.depositAssets != 0 && pending.depositCycle != deal.cycle) {
            pending = _fulfilDeposit(controller, pending);
        }
        uint256 total = pending.depositAssets + assets;
        if (total > MAX_AMOUNT) revert ValueTooLarge(total);
        if (total < deal.minSubscription) revert BelowMinimumSubscription(total, deal.minSubscription);
        if (!_share.canReceive(controller)) {
            // The refusal path only: the mint view names the rule (the eligibility it checks is the same); its text
            // is not needed here.
            // slither-disable-next-line unused-return
            (uint8 code,) = _share.checkMint(controller, total);
            revert TransferRestricted(code == 0 ? ReasonCodes.INVALID_RECEIVER : code);
        }
        pending.depositAssets = uint104(total);
        pending.depositCycle = deal.cycle;
        _pending[controller] = pending;
        requestId = deal.cycle;
        emit DepositRequest(controller, owner, requestId, msg.sender, assets);
        // `owner` is the caller or approved the caller as its operator (checked first, as ERC-7540 requires).
        // slither-disable-next-line arbitrary-send-erc20
        IERC20(_asset).safeTransferFrom(owner, address(this), assets);
    }

    /// @inheritdoc IERC7540Redeem
    /// @dev Burns `shares` of `owner` now through the token's rule-checked `redeemFrom` (a frozen, locked or pledged
    /// part cannot be requested; the token reverts with its reason code).
    function requestRedeem(uint256 shares, address controller, address owner)
        external
        nonReentrant
        returns (uint256 requestId)
    {
        _requireOwnerOrOperator(owner);
        if (shares == 0 || controller == address(0)) revert ZeroValue();
        Dealing memory deal = _openDealing();
        Pending memory pending = _pending[controller];
        if (pending.redeemShares != 0 && pending.redeemCycle != deal.cycle) {
            pending = _fulfilRedeem(controller, pending, deal.cycle);
        }
        uint256 total = pending.redeemShares + shares;
        if (total > MAX_AMOUNT) revert ValueTooLarge(total);
        _addRedemption(deal.cycle, shares, pending.redeemShares == 0);
        pending.redeemShares = uint104(total);
        pending.redeemCycle = deal.cycle;
        _pending[controller] = pending;
        requestId = deal.cycle;
        emit RedeemRequest(controller, owner, requestId, msg.sender, shares);
        _share.redeemFrom(owner, shares);
    }

    /// @notice Cancels `controller`'s subscription in the open cycle before its cut-off and refunds the assets
    /// to `controller`.
    function cancelDepositRequest(address controller) external nonReentrant returns (uint256 assets) {
        _requireOwnerOrOperator(controller);
        Dealing memory deal = _openDealing();
        Pending memory pending = _pending[controller];
        assets = pending.depositAssets;
        if (assets == 0 || pending.depositCycle != deal.cycle) revert NothingPending(controller);
        _pending[controller].depositAssets = 0;
        emit DepositRequestCancelled(controller, deal.cycle, assets);
        IERC20(_asset).safeTransfer(controller, assets);
    }

    /// @notice Cancels `controller`'s redemption in the open cycle before its cut-off; the shares are minted back
    /// to `controller` through the token (its rules apply).
    function cancelRedeemRequest(address controller) external nonReentrant returns (uint256 shares) {
        _requireOwnerOrOperator(controller);
        Dealing memory deal = _openDealing();
        Pending memory pending = _pending[controller];
        shares = pending.redeemShares;
        if (shares == 0 || pending.redeemCycle != deal.cycle) revert NothingPending(controller);
        _pending[controller].redeemShares = 0;
        Book storage book = _books[deal.cycle];
        book.redeemShares -= uint128(shares);
        --book.unfulfilled;
        emit RedeemRequestCancelled(controller, deal.cycle, shares);
        _share.mint(controller, shares);
    }

    /// @inheritdoc IERC7540Operator
    function setOperator(address operator, bool approved) external returns (bool) {
        _operators[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
        return true;
    }

    /// @inheritdoc IERC7540Operator
    function isOperator(address controller, address operator) external view returns (bool) {
        return _operators[controller][operator];
    }

    // ------------------------------------------------------------------ NAV

    /// @notice Publishes the NAV per whole share in asset units, valued as of `asOf` (no later than now, after the
    /// previous valuation).
    function publishNav(uint256 navPerShare, uint64 asOf) external onlyRole(NAV_ROLE) {
        Nav memory current = _nav;
        if (navPerShare == 0 || asOf > block.timestamp || asOf <= current.asOf) revert InvalidNav(navPerShare, asOf);
        if (navPerShare > type(uint112).max) revert ValueTooLarge(navPerShare);
        _nav = Nav({perShare: uint128(navPerShare), asOf: asOf, used: false});
        emit NavPublished(navPerShare, asOf);
    }

    /// @notice Corrects the latest NAV (same valuation time); refused once a cycle has dealt at it.
    function correctNav(uint256 navPerShare) external onlyRole(NAV_ROLE) {
        Nav memory current = _nav;
        if (current.perShare == 0) revert NavMissing();
        if (current.used) revert NavAlreadyUsed(current.asOf);
        if (navPerShare == 0) revert InvalidNav(navPerShare, current.asOf);
        if (navPerShare > type(uint112).max) revert ValueTooLarge(navPerShare);
        _nav.perShare = uint128(navPerShare);
        emit NavCorrected(current.perShare, navPerShare, current.asOf);
    }

    /// @notice The latest NAV per whole share, its valuation time and whether a cycle dealt at it.
    function nav() external view returns (uint256 navPerShare, uint64 asOf, bool used) {
        Nav memory current = _nav;
        return (current.perShare, current.asOf, current.used);
    }

    // ------------------------------------------------------------------ dealing

    /// @notice Closes the open cycle at the latest NAV and opens the next, cutting off at `nextCutoff`.
    /// @dev Refused before the cut-off, while the previous cycle has unfulfilled redemptions, without a NAV valued at
    /// or after the cut-off, or with a NAV older than the staleness bound.
    function closeCycle(uint64 nextCutoff) external onlyRole(FUND_AGENT_ROLE) {
        Dealing memory deal = _dealing;
        uint256 cycle = deal.cycle;
        if (block.timestamp < deal.cutoff) revert CutoffNotReached(cycle, deal.cutoff);
        uint40 next = _cutoff(nextCutoff);
        uint256 left = _books[cycle - 1].unfulfilled;
        if (left != 0) revert PreviousCycleUnfulfilled(cycle - 1, left);
        Nav memory current = _nav;
        if (current.perShare == 0) revert NavMissing();
        if (current.asOf < deal.cutoff) revert NavBeforeCutoff(current.asOf, deal.cutoff);
        if (block.timestamp - current.asOf > deal.maxNavAge) revert NavStale(current.asOf, deal.maxNavAge);
        _nav.used = true;
        // A 24-bit cycle number lasts 45,000 years of daily dealing; checked arithmetic guards the rest.
        _dealing.cycle = deal.cycle + 1;
        _dealing.cutoff = next;
        _recordClose(cycle, current, deal, nextCutoff);
    }

    /// @dev Fixes how closed `cycle` deals: at `current` NAV, with the gate a share of the fund before this cycle's
    /// redemptions (their shares are already burnt).
    function _recordClose(uint256 cycle, Nav memory current, Dealing memory deal, uint64 nextCutoff) private {
        uint256 requested = _books[cycle].redeemShares;
        uint256 gate = Math.mulDiv(_share.totalSupply() + requested, deal.gateBps, BPS);
        uint256 allowed = requested < gate ? requested : gate;
        _closes[cycle] = Close({
            nav: uint112(current.perShare), // published below 2^112
            redeemAllowed: allowed.toUint112(),
            subscriptionFeeBps: deal.subscriptionFeeBps,
            redemptionFeeBps: deal.redemptionFeeBps
        });
        emit CycleClosed(cycle, current.perShare, current.asOf, requested, allowed, nextCutoff);
    }

    /// @notice Fulfils the requests of closed cycles that `controllers` still have pending, at their cycle's NAV.
    /// Anyone may call it: the outcome is fixed by the closed cycle.
    function fulfil(address[] calldata controllers) external nonReentrant {
        Dealing memory deal = _dealing;
        for (uint256 i; i < controllers.length; ++i) {
            address controller = controllers[i];
            Pending memory pending = _pending[controller];
            if (pending.depositAssets != 0 && pending.depositCycle < deal.cycle) {
                pending = _fulfilDeposit(controller, pending);
            }
            if (pending.redeemShares != 0 && pending.redeemCycle < deal.cycle) {
                _fulfilRedeem(controller, pending, deal.cycle);
            }
        }
    }

    /// @notice Moves the open cycle's cut-off (to a time in the future).
    function setCutoff(uint64 cutoff) external onlyRole(FUND_AGENT_ROLE) {
        _dealing.cutoff = _cutoff(cutoff);
        emit CutoffSet(_dealing.cycle, cutoff);
    }

    /// @notice Adds `amount` of cash for redemptions, pulled from the caller.
    function fundRedemptions(uint256 amount) external onlyRole(FUND_AGENT_ROLE) nonReentrant {
        if (amount == 0) revert ZeroValue();
        _cash.available = (_cash.available + amount).toUint128();
        emit RedemptionCashFunded(msg.sender, amount);
        IERC20(_asset).safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Sends `amount` of subscription cash not needed for redemptions to the fund's treasury.
    function withdrawCash(uint256 amount) external onlyRole(FUND_AGENT_ROLE) nonReentrant {
        uint256 available = _cash.available;
        if (amount == 0) revert ZeroValue();
        if (amount > available) revert InsufficientCash(amount, available);
        _cash.available = uint128(available - amount);
        address treasury = _treasury;
        emit CashWithdrawn(treasury, amount);
        IERC20(_asset).safeTransfer(treasury, amount);
    }

    /// @notice Sends the accrued fees to the fee recipient (anyone may trigger it).
    function withdrawFees() external nonReentrant returns (uint256 fees) {
        fees = _cash.fees;
        if (fees == 0) revert ZeroValue();
        _cash.fees = 0;
        address recipient = _feeRecipient;
        emit FeesWithdrawn(recipient, fees);
        IERC20(_asset).safeTransfer(recipient, fees);
    }

    /// @notice Sets fees, the redemption gate (share of the fund redeemable per cycle), the minimum subscription and
    /// the NAV staleness bound in seconds.
    function setDealingTerms(
        uint16 subscriptionFeeBps,
        uint16 redemptionFeeBps,
        uint16 gateBps,
        uint256 minSubscription,
        uint64 maxNavAge
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (
            subscriptionFeeBps > MAX_FEE_BPS || redemptionFeeBps > MAX_FEE_BPS || gateBps == 0 || gateBps > BPS
                || maxNavAge == 0 || maxNavAge > type(uint32).max
        ) revert InvalidTerms();
        if (minSubscription > MAX_AMOUNT) revert ValueTooLarge(minSubscription);
        Dealing storage deal = _dealing;
        deal.subscriptionFeeBps = subscriptionFeeBps;
        deal.redemptionFeeBps = redemptionFeeBps;
        deal.gateBps = gateBps;
        deal.minSubscription = uint104(minSubscription);
        deal.maxNavAge = uint32(maxNavAge);
        emit DealingTermsSet(subscriptionFeeBps, redemptionFeeBps, gateBps, minSubscription, maxNavAge);
    }

    /// @notice Sets where subscription cash and fees go.
    function setAccounts(address treasury, address feeRecipient) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury == address(0) || feeRecipient == address(0)) revert ZeroValue();
        _treasury = treasury;
        _feeRecipient = feeRecipient;
        emit AccountsSet(treasury, feeRecipient);
    }

    /// @notice Claims everything `controller` can claim now, units and cash, to `to`, another registered wallet of the
    /// same investor: a lost wallet's claims follow the investor once it is recovered (its key is gone, so the fund
    /// agent moves them). The units are minted to `to` through the token's rules; cash not yet funded stays put.
    function claimForInvestor(address controller, address to)
        external
        onlyRole(FUND_AGENT_ROLE)
        nonReentrant
        returns (uint256 shares, uint256 assets)
    {
        Entitlements.requireSameInvestor(_share.identityRegistry(), controller, to);
        uint256 subscribed = _claimableDeposit(controller).assets;
        if (subscribed != 0) (, shares) = _takeShares(subscribed, false, to, controller);
        uint256 redeemed = _claimableRedeem(controller).shares;
        if (redeemed != 0) (assets,) = _takeCash(redeemed, true, to, controller);
        if (subscribed == 0 && redeemed == 0) revert NothingClaimable(controller);
        emit ClaimsRedirected(controller, to, shares, assets);
        if (shares != 0) _share.mint(to, shares);
        if (assets != 0) IERC20(_asset).safeTransfer(to, assets);
    }

    // ------------------------------------------------------------------ claims (ERC-7540 / ERC-7575)

    /// @inheritdoc IERC7575
    function deposit(uint256 assets, address receiver) external returns (uint256 shares) {
        return _claimShares(assets, false, receiver, msg.sender);
    }

    /// @inheritdoc IERC7540Deposit
    function deposit(uint256 assets, address receiver, address controller) external returns (uint256 shares) {
        return _claimShares(assets, false, receiver, controller);
    }

    /// @inheritdoc IERC7575
    function mint(uint256 shares, address receiver) external returns (uint256 assets) {
        return _claimShares(shares, true, receiver, msg.sender);
    }

    /// @inheritdoc IERC7540Deposit
    function mint(uint256 shares, address receiver, address controller) external returns (uint256 assets) {
        return _claimShares(shares, true, receiver, controller);
    }

    /// @inheritdoc IERC7575
    function redeem(uint256 shares, address receiver, address controller) external returns (uint256 assets) {
        return _claimCash(shares, true, receiver, controller);
    }

    /// @inheritdoc IERC7575
    function withdraw(uint256 assets, address receiver, address controller) external returns (uint256 shares) {
        return _claimCash(assets, false, receiver, controller);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IERC7540Deposit
    function pendingDepositRequest(uint256 requestId, address controller) external view returns (uint256) {
        Pending memory pending = _pending[controller];
        bool open = pending.depositCycle == _dealing.cycle;
        return open && (requestId == 0 || requestId == pending.depositCycle) ? pending.depositAssets : 0;
    }

    /// @inheritdoc IERC7540Deposit
    /// @dev Includes a closed cycle's request not yet pushed by {fulfil}: it is claimable already.
    function claimableDepositRequest(uint256, address controller) external view returns (uint256) {
        return _claimableDeposit(controller).assets;
    }

    /// @inheritdoc IERC7540Redeem
    /// @dev A closed cycle's redemption not yet fulfilled counts here by what it will be: the gate's remainder as
    /// pending in the open cycle, and the part let out while the vault lacks the cash to pay it as pending in its
    /// own cycle.
    function pendingRedeemRequest(uint256 requestId, address controller) external view returns (uint256) {
        Pending memory pending = _pending[controller];
        uint256 open = _dealing.cycle;
        if (pending.redeemShares == 0) return 0;
        if (pending.redeemCycle == open) return requestId == 0 || requestId == open ? pending.redeemShares : 0;
        Lazy memory lazy = _lazyRedeem(pending);
        uint256 waiting = lazy.funded ? 0 : lazy.redeemed;
        if (requestId == 0) return waiting + pending.redeemShares - lazy.redeemed;
        if (requestId == pending.redeemCycle) return waiting;
        return requestId == open ? pending.redeemShares - lazy.redeemed : 0;
    }

    /// @inheritdoc IERC7540Redeem
    /// @dev Includes a closed cycle's gated share not yet pushed by {fulfil}.
    function claimableRedeemRequest(uint256, address controller) external view returns (uint256) {
        return _claimableRedeem(controller).shares;
    }

    /// @inheritdoc IERC7575
    function maxDeposit(address controller) external view returns (uint256) {
        return _claimableDeposit(controller).assets;
    }

    /// @inheritdoc IERC7575
    function maxMint(address controller) external view returns (uint256) {
        return _claimableDeposit(controller).shares;
    }

    /// @inheritdoc IERC7575
    function maxWithdraw(address controller) external view returns (uint256) {
        return _claimableRedeem(controller).assets;
    }

    /// @inheritdoc IERC7575
    function maxRedeem(address controller) external view returns (uint256) {
        return _claimableRedeem(controller).shares;
    }

    /// @inheritdoc IERC7575
    function previewDeposit(uint256) external pure returns (uint256) {
        revert AsyncNoPreview();
    }

    /// @inheritdoc IERC7575
    function previewMint(uint256) external pure returns (uint256) {
        revert AsyncNoPreview();
    }

    /// @inheritdoc IERC7575
    function previewWithdraw(uint256) external pure returns (uint256) {
        revert AsyncNoPreview();
    }

    /// @inheritdoc IERC7575
    function previewRedeem(uint256) external pure returns (uint256) {
        revert AsyncNoPreview();
    }

    /// @inheritdoc IERC7575
    function asset() external view returns (address) {
        return _asset;
    }

    /// @inheritdoc IERC7575
    function share() external view returns (address) {
        return address(_share);
    }

    /// @inheritdoc IERC7575
    /// @dev At the latest NAV, before fees.
    function convertToShares(uint256 assets) external view returns (uint256) {
        uint256 perShare = _nav.perShare;
        return perShare == 0 ? 0 : _sharesFor(assets, perShare);
    }

    /// @inheritdoc IERC7575
    /// @dev At the latest NAV, before fees.
    function convertToAssets(uint256 shares) external view returns (uint256) {
        return _assetsFor(shares, _nav.perShare);
    }

    /// @inheritdoc IERC7575
    /// @dev The fund's assets as the latest NAV values them: every share outstanding at that NAV.
    function totalAssets() external view returns (uint256) {
        return _assetsFor(_share.totalSupply(), _nav.perShare);
    }

    /// @notice The open cycle, its cut-off and the NAV staleness bound in seconds.
    function dealing() external view returns (uint256 cycle, uint64 cutoff, uint64 maxNavAge) {
        Dealing memory d = _dealing;
        return (d.cycle, d.cutoff, d.maxNavAge);
    }

    /// @notice Fees in basis points, the gate, the minimum subscription.
    function dealingTerms()
        external
        view
        returns (uint16 subscriptionFeeBps, uint16 redemptionFeeBps, uint16 gateBps, uint256 minSubscription)
    {
        Dealing memory d = _dealing;
        return (d.subscriptionFeeBps, d.redemptionFeeBps, d.gateBps, d.minSubscription);
    }

    /// @notice The payment-token policy, the treasury and the fee recipient.
    function accounts() external view returns (address policy, address treasury, address feeRecipient) {
        return (address(_policy), _treasury, _feeRecipient);
    }

    /// @notice A cycle's pending redemptions and, once closed, how it deals: its NAV, the shares its gate let out,
    /// the fees in force at the close; and the redemptions still to fulfil.
    function cycleInfo(uint256 cycle)
        external
        view
        returns (
            uint256 redeemShares,
            uint256 navPerShare,
            uint256 redeemAllowed,
            uint256 unfulfilled,
            uint16 subscriptionFeeBps,
            uint16 redemptionFeeBps
        )
    {
        Book memory book = _books[cycle];
        Close memory closed = _closes[cycle];
        return (
            book.redeemShares,
            closed.nav,
            closed.redeemAllowed,
            book.unfulfilled,
            closed.subscriptionFeeBps,
            closed.redemptionFeeBps
        );
    }

    /// @notice Cash held for redemptions (or the treasury) and accrued fees.
    function cash() external view returns (uint256 available, uint256 fees) {
        return (_cash.available, _cash.fees);
    }

    /// @notice Everything pending and claimable for `controller`, with the cycles its pending requests are in
    /// (claimable amounts count fulfilled requests only, not a closed cycle's requests still to fulfil).
    function position(address controller)
        external
        view
        returns (
            uint256 pendingAssets,
            uint256 depositCycle,
            uint256 pendingShares,
            uint256 redeemCycle,
            uint256 claimableShares,
            uint256 claimableAssets
        )
    {
        Pending memory pending = _pending[controller];
        pendingAssets = pending.depositAssets;
        depositCycle = pendingAssets == 0 ? 0 : pending.depositCycle;
        pendingShares = pending.redeemShares;
        redeemCycle = pendingShares == 0 ? 0 : pending.redeemCycle;
        claimableShares = _claimableDeposits[controller].shares;
        claimableAssets = _claimableRedeems[controller].assets;
    }

    /// @inheritdoc AccessControl
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC7575).interfaceId || interfaceId == type(IERC7540Operator).interfaceId
            || interfaceId == type(IERC7540Deposit).interfaceId || interfaceId == type(IERC7540Redeem).interfaceId
            || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------ internals

    /// @dev The subscription pending in a closed cycle becomes claimable at that cycle's NAV, net of the fee. The one
    /// path for batches, for the controller's next request and for its claims.
    function _fulfilDeposit(address controller, Pending memory pending) private returns (Pending memory) {
        uint256 cycle = pending.depositCycle;
        uint256 assets = pending.depositAssets;
        (uint256 shares, uint256 fee) = _depositOutcome(assets, _closes[cycle]);
        Claimable memory claimable = _claimableDeposits[controller];
        _claimableDeposits[controller] =
            Claimable({assets: (claimable.assets + assets).toUint128(), shares: (claimable.shares + shares).toUint128()});
        Cash memory held = _cash;
        _cash = Cash({available: (held.available + assets - fee).toUint128(), fees: (held.fees + fee).toUint128()});
        pending.depositAssets = 0;
        _pending[controller] = pending;
        emit DepositFulfilled(controller, cycle, assets, shares, fee);
        return pending;
    }

    /// @dev Adds a redemption request to `cycle`'s book; `newRequest` counts it among those the cycle must fulfil.
    function _addRedemption(uint256 cycle, uint256 shares, bool newRequest) private {
        Book memory book = _books[cycle];
        book.redeemShares = (book.redeemShares + shares).toUint128();
        if (newRequest) ++book.unfulfilled;
        _books[cycle] = book;
    }

    /// @dev The redemption pending in a closed cycle: the gate's pro-rata part becomes claimable cash at that cycle's
    /// NAV, net of the fee; the rest waits in the open cycle.
    function _fulfilRedeem(address controller, Pending memory pending, uint256 open) private returns (Pending memory) {
        uint256 cycle = pending.redeemCycle;
        uint256 requested = pending.redeemShares;
        (uint256 redeemed, uint256 gross, uint256 fee) =
            _redeemOutcome(requested, _closes[cycle], _books[cycle].redeemShares);
        _payRedemption(controller, redeemed, gross, fee);
        --_books[cycle].unfulfilled;
        uint256 carried = requested - redeemed;
        // Fits: `carried` is part of an amount that fitted.
        pending.redeemShares = uint104(carried);
        if (carried != 0) {
            // The gate's remainder waits in the open cycle, counted in its book for the next close.
            pending.redeemCycle = uint24(open);
            _addRedemption(open, carried, true);
        }
        _pending[controller] = pending;
        emit RedeemFulfilled(controller, cycle, redeemed, gross - fee, fee, carried);
        return pending;
    }

    /// @dev Moves `gross` out of the vault's available cash: the fee to the fees, the rest claimable by `controller`.
    function _payRedemption(address controller, uint256 redeemed, uint256 gross, uint256 fee) private {
        Cash memory held = _cash;
        if (gross > held.available) revert InsufficientCash(gross, held.available);
        // The fee is part of `gross`, which left `available`: the sum of both stays below the old total.
        _cash = Cash({available: uint128(held.available - gross), fees: (held.fees + fee).toUint128()});
        Claimable memory claimable = _claimableRedeems[controller];
        _claimableRedeems[controller] = Claimable({
            assets: (claimable.assets + gross - fee).toUint128(), shares: (claimable.shares + redeemed).toUint128()
        });
    }

    function _claimShares(uint256 amount, bool exactShares, address receiver, address controller)
        private
        nonReentrant
        returns (uint256)
    {
        _requireOwnerOrOperator(controller);
        if (amount == 0 || receiver == address(0)) revert ZeroValue();
        // Shares claimed to another wallet leave the controller as a transfer would: a frozen, sanctioned, expired or
        // unregistered controller may claim only to itself (the mint then applies the receiving rules to it).
        if (receiver != controller && !_share.canSend(controller)) revert TransferRestricted(_senderCode(controller));
        (uint256 assets, uint256 shares) = _takeShares(amount, exactShares, receiver, controller);
        if (shares != 0) _share.mint(receiver, shares);
        return exactShares ? assets : shares;
    }

    function _claimCash(uint256 amount, bool exactShares, address receiver, address controller)
        private
        nonReentrant
        returns (uint256)
    {
        _requireOwnerOrOperator(controller);
        if (amount == 0 || receiver == address(0)) revert ZeroValue();
        (uint256 assets, uint256 shares) = _takeCash(amount, exactShares, receiver, controller);
        if (assets != 0) IERC20(_asset).safeTransfer(receiver, assets);
        return exactShares ? assets : shares;
    }

    /// @dev Takes what a claim of `amount` takes from `controller`'s claimable subscriptions (a closed cycle's request
    /// fulfilled first) for `receiver`; the caller mints the shares, after every state change.
    function _takeShares(uint256 amount, bool exactShares, address receiver, address controller)
        private
        returns (uint256 assets, uint256 shares)
    {
        Pending memory pending = _pending[controller];
        if (pending.depositAssets != 0 && pending.depositCycle < _dealing.cycle) _fulfilDeposit(controller, pending);
        Claimable memory claimable = _claimableDeposits[controller];
        (assets, shares) = _part(claimable, amount, exactShares, true);
        _claimableDeposits[controller] = _less(claimable, assets, shares);
        emit Deposit(controller, receiver, assets, shares);
    }

    /// @dev Takes what a claim of `amount` takes from `controller`'s claimable redemptions (a closed cycle's request
    /// fulfilled first) for `receiver`; the caller pays the cash, after every state change.
    function _takeCash(uint256 amount, bool exactShares, address receiver, address controller)
        private
        returns (uint256 assets, uint256 shares)
    {
        Pending memory pending = _pending[controller];
        uint256 open = _dealing.cycle;
        if (pending.redeemShares != 0 && pending.redeemCycle < open) _fulfilRedeem(controller, pending, open);
        Claimable memory claimable = _claimableRedeems[controller];
        (assets, shares) = _part(claimable, amount, exactShares, false);
        _claimableRedeems[controller] = _less(claimable, assets, shares);
        emit Withdraw(msg.sender, receiver, controller, assets, shares);
    }

    /// @dev The part of `claimable` a claim of `amount` (shares if `exactShares`, else assets) takes, the other side
    /// in proportion and rounded in the fund's favour: down for what the controller receives (shares if
    /// `paysShares`, else assets), up for what it gives up. A claim of the whole takes the whole exactly.
    function _part(Claimable memory claimable, uint256 amount, bool exactShares, bool paysShares)
        private
        pure
        returns (uint256 assets, uint256 shares)
    {
        (uint256 whole, uint256 other) =
            exactShares ? (claimable.shares, claimable.assets) : (claimable.assets, claimable.shares);
        if (amount > whole) revert ExceedsClaimable(amount, whole);
        Math.Rounding rounding = exactShares == paysShares ? Math.Rounding.Ceil : Math.Rounding.Floor;
        uint256 derived = amount == whole ? other : Math.mulDiv(amount, other, whole, rounding);
        (assets, shares) = exactShares ? (derived, amount) : (amount, derived);
    }

    /// @dev `claimable` less a part `_part` took.
    function _less(Claimable memory claimable, uint256 assets, uint256 shares) private pure returns (Claimable memory) {
        // Cannot underflow: both parts are at most the whole (the ceiling of a proportion of a part is at most it).
        unchecked {
            return Claimable({assets: uint128(claimable.assets - assets), shares: uint128(claimable.shares - shares)});
        }
    }

    /// @dev The claimable subscription including a closed cycle's request not yet fulfilled.
    function _claimableDeposit(address controller) private view returns (Claimable memory claimable) {
        claimable = _claimableDeposits[controller];
        Pending memory pending = _pending[controller];
        Dealing memory deal = _dealing;
        if (pending.depositAssets != 0 && pending.depositCycle < deal.cycle) {
            (uint256 shares,) =
                _depositOutcome(pending.depositAssets, _closes[pending.depositCycle]);
            claimable.assets += pending.depositAssets;
            claimable.shares += uint128(shares);
        }
    }

    /// @dev The claimable redemption including a closed cycle's gated share not yet fulfilled.
    /// @dev The claimable redemption including a closed cycle's gated part not yet fulfilled, if the vault holds the
    /// cash to pay it (a claim would refuse otherwise, so it is not claimable yet).
    function _claimableRedeem(address controller) private view returns (Claimable memory claimable) {
        claimable = _claimableRedeems[controller];
        Pending memory pending = _pending[controller];
        if (pending.redeemShares != 0 && pending.redeemCycle < _dealing.cycle) {
            Lazy memory lazy = _lazyRedeem(pending);
            if (lazy.funded) {
                claimable.assets += uint128(lazy.net);
                claimable.shares += uint128(lazy.redeemed);
            }
        }
    }

    function _lazyRedeem(Pending memory pending) private view returns (Lazy memory lazy) {
        uint256 cycle = pending.redeemCycle;
        (uint256 redeemed, uint256 gross, uint256 fee) =
            _redeemOutcome(pending.redeemShares, _closes[cycle], _books[cycle].redeemShares);
        lazy = Lazy({redeemed: redeemed, net: gross - fee, funded: gross <= _cash.available});
    }

    /// @dev Shares bought by `assets` at `perShare`, after the subscription fee (rounded up), and the fee.
    function _depositOutcome(uint256 assets, Close memory closed) private view returns (uint256 shares, uint256 fee) {
        fee = Math.mulDiv(assets, closed.subscriptionFeeBps, BPS, Math.Rounding.Ceil);
        shares = _sharesFor(assets - fee, closed.nav);
    }

    /// @dev The gate's pro-rata part of `requested` (rounded down), its value at the cycle's NAV (rounded down) and
    /// the redemption fee on it (rounded up).
    function _redeemOutcome(uint256 requested, Close memory closed, uint256 booked)
        private
        view
        returns (uint256 redeemed, uint256 gross, uint256 fee)
    {
        redeemed = closed.redeemAllowed >= booked ? requested : Math.mulDiv(requested, closed.redeemAllowed, booked);
        gross = _assetsFor(redeemed, closed.nav);
        fee = Math.mulDiv(gross, closed.redemptionFeeBps, BPS, Math.Rounding.Ceil);
    }

    function _sharesFor(uint256 assets, uint256 perShare) private view returns (uint256) {
        return Math.mulDiv(assets, 10 ** _shareDecimals, perShare);
    }

    function _assetsFor(uint256 shares, uint256 perShare) private view returns (uint256) {
        return Math.mulDiv(shares, perShare, 10 ** _shareDecimals);
    }

    /// @dev Why `controller` may not send: the token names the receiving side of a wallet's own eligibility
    /// (`holderAt`); each has its sending twin one code below (ReasonCodes.sol: 4/3, 6/5, 8/7, 25/24).
    function _senderCode(address controller) private view returns (uint8) {
        // Only the code is wanted of the paying agent's one-call view.
        // slither-disable-next-line unused-return
        (,, uint8 code,) = _share.holderAt(controller, 0);
        if (code == ReasonCodes.RECEIVER_NOT_VERIFIED) return ReasonCodes.SENDER_NOT_VERIFIED;
        if (code == ReasonCodes.RECEIVER_KYC_EXPIRED) return ReasonCodes.SENDER_KYC_EXPIRED;
        if (code == ReasonCodes.RECEIVER_SANCTIONED) return ReasonCodes.SENDER_SANCTIONED;
        return ReasonCodes.SENDER_FROZEN;
    }

    /// @dev A cut-off in the future, as stored (40 bits of unix time: until the year 36812).
    function _cutoff(uint64 cutoff) private view returns (uint40) {
        if (cutoff <= block.timestamp || cutoff > type(uint40).max) revert ZeroValue();
        return uint40(cutoff);
    }

    /// @dev The open cycle, refusing once its cut-off has passed (requests and cancellations wait for the close).
    function _openDealing() private view returns (Dealing memory deal) {
        deal = _dealing;
        if (block.timestamp >= deal.cutoff) revert DealingCutOffPassed(deal.cycle, deal.cutoff);
    }

    function _requireOwnerOrOperator(address account) private view {
        if (account != msg.sender && !_operators[account][msg.sender]) revert NotOwnerOrOperator(account, msg.sender);
    }
}
