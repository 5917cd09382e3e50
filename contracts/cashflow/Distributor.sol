// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Bits} from "../libraries/Bits.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ISnapshotToken} from "../interfaces/ISnapshotToken.sol";
import {PaymentTokenPolicy} from "./PaymentTokenPolicy.sol";
import {Entitlements} from "./Entitlements.sol";
import {IDistributor} from "../interfaces/IDistributor.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";

/// @title Distributor
/// @notice Coupons and dividends by record date for the security tokens of one issuer or offering.
///
/// A paying agent funds a distribution in an allowed payment token against a balance snapshot of a security token.
/// Each holder's gross share is `amount * balanceAt(record date) / eligibleSupply`, rounded down, where the eligible
/// supply leaves out the token's excluded wallets (treasury, issuer). Holders claim, or the agent pushes payment in
/// batches; either way a holder is paid at most once per distribution. Withholding tax by investor country goes to
/// the tax account; a holder who is not eligible when paid (frozen, unverified, KYC expired, or whose payment transfer
/// fails during a push) has the net amount escrowed until `releaseWithheld`. After the claim expiry, what was never
/// paid (unclaimed shares and the rounding remainder) goes back to the issuer's treasury.
///
/// Entitlements follow the investor, not the wallet: a share or escrow booked to a wallet can be paid to another
/// registered wallet of the same investor ({claimTo}, {releaseWithheldTo}: after a recovery, or when the payment
/// token refuses the first wallet), by the holder or a paying agent. Escrow that no one can ever be paid goes to the
/// treasury after a long-stop period ({sweepWithheld}, its own event), so nothing here is owed to no one.
///
/// Accounting identity, exact to the unit, exposed by {distributionTotals}:
/// `funded == paidNet + taxPaid + withheldOutstanding + withheldReleased + withheldReturned + unpaid`.
///
/// @dev Usable as an EIP-1167 clone (`initialize`) or deployed directly ({StandaloneDistributor}); the direct
/// deployment saves every claim and push the clone's delegatecall (~2.7k gas), and its primary token's address
/// is an immutable, which saves the token-address read (2.1k gas) on that token's payments.
/// Gas shape: a distribution is two storage slots (creation is O(1) in holders; the excluded-wallet list, at most
/// {MAX_EXCLUDED_WALLETS}, is the only loop). The "paid" record is one bit per holder in a word shared by 256
/// consecutive holder numbers (the token numbers wallets in the order they first receive tokens, see
/// {ISnapshotToken-holderAt}). A push of consecutive holders updates one word per 256 holders, and a holder's first
/// payment costs no storage slot of its own.
contract Distributor is IDistributor, Initializable, PaymentTokenPolicy, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Paying agents: create distributions and push payments.
    bytes32 public constant DISTRIBUTION_AGENT_ROLE = keccak256("DISTRIBUTION_AGENT_ROLE");
    /// @notice Reason code recorded when a pushed payment transfer itself failed (e.g. a payment-token blocklist);
    /// outside the ERC-1404 table (contracts/compliance/ReasonCodes.sol), which ends well below it.
    uint8 public constant PAYMENT_TRANSFER_FAILED = 255;
    /// @notice Upper bound on each token's excluded-wallet list: creation iterates it.
    uint256 public constant MAX_EXCLUDED_WALLETS = 16;
    /// @notice Security tokens one Distributor serves (indices are one byte).
    uint256 public constant MAX_TOKENS = 255;
    /// @notice Record dates usable here: snapshot ids below 2^21 (2.1 million record dates per token).
    uint256 public constant MAX_SNAPSHOT_ID = (1 << 21) - 1;
    /// @notice 100% in basis points.
    uint256 public constant MAX_BPS = 10_000;

    uint256 private constant _FLAG_RECLAIMED = 1;
    uint256 private constant _FLAG_RETURN_WITHHELD = 2;
    uint256 private constant _FLAG_WITHHOLDING = 4;

    /// @dev Token index 0 of a {StandaloneDistributor} (zero in clones): read from code, not storage.
    address private immutable _primaryToken;

    /// @dev Two slots, both read by every payment; only the second is written by payments. Widths: amounts and
    /// balances up to 2^96-1 (the token's own balance width), expiry as uint32 seconds (year 2106). The second slot
    /// is non-zero from creation (expiry, token index), so the first payment rewrites it (2,900 gas) instead of
    /// creating it (20,000). A payment token of zero marks "no such distribution".
    struct Distribution {
        // slot 1
        address paymentToken;
        uint96 amount;
        // slot 2
        uint96 claimedGross;
        uint96 eligibleSupply;
        uint32 claimExpiry;
        uint24 snapshotIdAndFlags; // snapshotId << 3 | flags (_FLAG_RECLAIMED, _FLAG_RETURN_WITHHELD, _FLAG_WITHHOLDING)
        uint8 tokenIndex;
    }

    /// @dev Written only on the rarer paths (tax, withholding, release, reclaim). `paidNet` is not stored:
    /// it is `claimedGross - taxPaid - withheld`.
    struct Ledger {
        uint96 taxPaid;
        uint96 withheld;
        uint96 withheldReleased;
        uint96 withheldReturned;
    }

    /// @dev One slot. `taxedCountryCount` says whether any country has a withholding rate; a distribution created
    /// while it is zero never withholds (no rate lookup on its payments).
    struct Config {
        address taxAccount;
        uint16 taxedCountryCount;
        uint48 nextDistributionId;
        uint8 tokenCount;
        bool returnWithheldAtExpiry;
        uint16 longStopDays; // 0 = Entitlements.DEFAULT_LONG_STOP_DAYS
    }

    /// @dev One slot. Most tokens exclude exactly one wallet (the issuer treasury), so the first excluded wallet
    /// lives here and creation reads no extra slot for it; the others sit in `_excludedWallets` from position 1.
    struct TokenConfig {
        uint8 index;
        uint8 excludedCount;
        bool registered;
        address firstExcluded;
    }

    /// @notice Everything stored about a distribution, decoded.
    struct DistributionInfo {
        address token;
        address paymentToken;
        uint256 snapshotId;
        uint256 amount;
        uint256 eligibleSupply;
        uint64 claimExpiry;
        uint256 claimedGross;
        bool reclaimed;
        bool returnWithheldAtExpiry;
        bool withholding;
    }

    /// @notice The reconciliation of one distribution; the six amounts after `funded` always sum to it.
    /// @dev `unpaid` is what no holder has received or had escrowed: the shares of holders not paid yet plus the
    /// rounding remainder; once `reclaimed`, it is what went back to the treasury. Splitting it into the two needs
    /// the holder list, which the SDK's reconciliation has and the chain does not.
    struct DistributionTotals {
        uint256 funded;
        uint256 paidNet;
        uint256 taxPaid;
        uint256 withheldOutstanding;
        uint256 withheldReleased;
        uint256 withheldReturned;
        uint256 unpaid;
        bool reclaimed;
    }

    Config private _config;
    address private _treasury;
    mapping(uint256 distributionId => Distribution) private _distributions;
    mapping(uint256 distributionId => Ledger) private _ledgers;
    mapping(uint256 distributionId => mapping(uint256 group => uint256 bits)) private _paid;
    mapping(uint256 distributionId => mapping(address holder => uint256 amount)) private _escrow;
    mapping(address token => TokenConfig) private _tokenConfigs;
    mapping(uint256 index => address token) private _tokenByIndex;
    mapping(address token => mapping(uint256 position => address wallet)) private _excludedWallets;
    mapping(uint16 country => uint16 bps) private _withholdingBps;

    /// @notice A distribution was funded against snapshot `snapshotId` of `token`.
    event DistributionCreated(
        uint256 indexed distributionId,
        address indexed token,
        address indexed paymentToken,
        uint256 snapshotId,
        uint256 amount,
        uint256 eligibleSupply,
        uint64 claimExpiry
    );
    /// @notice `holder` was paid: `gross` share, `tax` to the tax account, `net` to the holder.
    event Paid(uint256 indexed distributionId, address indexed holder, uint256 gross, uint256 tax, uint256 net);
    /// @notice `holder`'s payment was escrowed because of `reasonCode` (ERC-1404 code, or 255 for a failed transfer).
    event Withheld(
        uint256 indexed distributionId,
        address indexed holder,
        uint256 gross,
        uint256 tax,
        uint256 escrowed,
        uint8 reasonCode
    );
    /// @notice An escrowed payment reached the holder.
    event WithheldReleased(uint256 indexed distributionId, address indexed holder, uint256 amount);
    /// @notice After expiry, what was never paid (unclaimed shares and the rounding remainder) and, if so
    /// configured, outstanding escrow went to the treasury.
    event DistributionReclaimed(
        uint256 indexed distributionId, address indexed treasury, uint256 unpaid, uint256 withheldReturned
    );
    /// @notice `holder`'s payment or escrow of `amount` in `distributionId` went to `to`, another wallet of the
    /// same investor.
    event EntitlementRedirected(
        uint256 indexed distributionId, address indexed holder, address indexed to, uint256 amount
    );
    /// @notice Escrow still outstanding after the long-stop period went to the treasury.
    event WithheldSwept(uint256 indexed distributionId, address indexed treasury, uint256 amount);
    /// @notice The long-stop period changed (days; 0 = the default).
    event LongStopSet(uint16 periodDays);
    /// @notice `token` can now be distributed on; `index` is its compact id.
    event TokenRegistered(address indexed token, uint8 index);
    /// @notice The excluded wallets (treasury, issuer) of `token` for future distributions.
    event ExcludedWalletsSet(address indexed token, address[] wallets);
    /// @notice Withholding tax for investors of `country` (ISO-3166 numeric; 0 = unknown country).
    event WithholdingRateSet(uint16 indexed country, uint16 bps);
    /// @notice The issuer treasury receiving reclaimed funds changed.
    event TreasurySet(address indexed treasury);
    /// @notice The tax account receiving withholding tax changed.
    event TaxAccountSet(address indexed taxAccount);
    /// @notice Whether distributions created from now on return outstanding escrow at reclaim.
    event ReturnWithheldAtExpirySet(bool returnWithheld);

    /// @dev No distribution has this id.
    error DistributionNotFound(uint256 distributionId);
    /// @dev The claim period is over; the funds await or have had `reclaimExpired`.
    error ClaimPeriodEnded(uint256 distributionId, uint64 claimExpiry);
    /// @dev `reclaimExpired` before the claim expiry.
    error ClaimPeriodNotEnded(uint256 distributionId, uint64 claimExpiry);
    /// @dev The holder was already paid (or withheld) in this distribution, or is one of its excluded wallets.
    error AlreadyPaidOrExcluded(uint256 distributionId, address holder);
    /// @dev The holder's share at the record date rounds to zero.
    error NothingToClaim(uint256 distributionId, address holder);
    /// @dev Nothing is escrowed for the holder in this distribution.
    error NothingWithheld(uint256 distributionId, address holder);
    /// @dev The holder is still not eligible to receive the escrowed payment.
    error HolderNotEligible(address holder, uint8 reasonCode);
    /// @dev The escrow of this distribution went back to the treasury at reclaim.
    error WithheldReturnedToTreasury(uint256 distributionId);
    /// @dev `reclaimExpired` was already run.
    error AlreadyReclaimed(uint256 distributionId);
    /// @dev The security token has no configuration here; call `setExcludedWallets` first.
    error TokenNotRegistered(address token);
    /// @dev All one-byte token indices are used.
    error TooManyTokens();
    /// @dev The expiry is not in the future or does not fit uint32 seconds.
    error InvalidClaimExpiry(uint64 claimExpiry);
    /// @dev Every unit of the snapshot supply sits in excluded wallets (or the supply was zero).
    error NoEligibleSupply(address token, uint256 snapshotId);
    /// @dev Zero, or more than 2^96-1 units.
    error InvalidAmount(uint256 amount);
    /// @dev The eligible supply exceeds 2^96-1 units.
    error EligibleSupplyTooLarge(uint256 eligibleSupply);
    /// @dev The snapshot id is above {MAX_SNAPSHOT_ID}.
    error SnapshotIdTooLarge(uint256 snapshotId);
    /// @dev Withholding above 100%.
    error InvalidWithholdingRate(uint16 bps);
    /// @dev More than {MAX_EXCLUDED_WALLETS} excluded wallets.
    error TooManyExcludedWallets(uint256 count);
    /// @dev The same wallet appears twice in the excluded list.
    error DuplicateExcludedWallet(address wallet);
    /// @dev A required address is zero.
    error ZeroAddress();

    /// @dev Locks the implementation; clones are set up through {initialize}, direct deployments by their
    /// constructor ({StandaloneDistributor}).
    /// @param primaryToken Zero for the clone implementation; a StandaloneDistributor's first token.
    constructor(address primaryToken) {
        _primaryToken = primaryToken;
        _disableInitializers();
    }

    /// @notice Sets up a clone for an offering.
    /// @param admin Receives DEFAULT_ADMIN_ROLE (policy, rates, excluded wallets, accounts).
    /// @param agent Receives DISTRIBUTION_AGENT_ROLE unless zero.
    /// @param issuerTreasury The issuer treasury that receives reclaimed funds.
    /// @param initialTaxAccount The account that receives withholding tax.
    function initialize(address admin, address agent, address issuerTreasury, address initialTaxAccount)
        external
        initializer
    {
        _setUp(admin, agent, issuerTreasury, initialTaxAccount);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Creating distributions
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Funds a distribution of `amount` units of `paymentToken` to the holders of `token` at a record date.
    /// @dev Pulls `amount` from the caller (approve first). O(1) in the number of holders.
    /// @param token A security token registered with {setExcludedWallets}.
    /// @param paymentToken An allowed payment token.
    /// @param amount Total gross amount, in payment-token units.
    /// @param claimExpiry Unix time after which claims stop and {reclaimExpired} may run.
    /// @param snapshotId An existing snapshot taken at the record date, or 0 to take one now (needs SNAPSHOT_ROLE).
    /// @return distributionId The new distribution's id.
    function createDistribution(
        address token,
        address paymentToken,
        uint256 amount,
        uint64 claimExpiry,
        uint256 snapshotId
    ) external onlyRole(DISTRIBUTION_AGENT_ROLE) nonReentrant returns (uint256 distributionId) {
        (distributionId,) = _create(token, paymentToken, amount, 0, claimExpiry, snapshotId);
    }

    /// @notice As {createDistribution}, with the amount set per whole token of eligible supply:
    /// `amount = floor(eligibleSupply * amountPerToken / 10**decimals)` (coupons and amortisation instalments).
    /// @return distributionId The new distribution's id.
    /// @return amount The amount funded.
    function createDistributionPerToken(
        address token,
        address paymentToken,
        uint256 amountPerToken,
        uint64 claimExpiry,
        uint256 snapshotId
    ) external onlyRole(DISTRIBUTION_AGENT_ROLE) nonReentrant returns (uint256 distributionId, uint256 amount) {
        if (amountPerToken == 0) revert InvalidAmount(0);
        return _create(token, paymentToken, 0, amountPerToken, claimExpiry, snapshotId);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Paying holders
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Pays the caller's share of distribution `distributionId` (escrowed instead if the caller is not
    /// eligible to hold the token right now).
    /// @return net The amount transferred to the caller or escrowed for them, after withholding tax.
    function claim(uint256 distributionId) external nonReentrant returns (uint256 net) {
        Distribution storage stored = _distributions[distributionId];
        (uint256 s1, uint256 s2) = _slots(stored);
        _requireOpen(distributionId, s1, s2);
        address token = _tokenOf(s2);
        (uint256 gross, uint256 number, uint256 code, uint256 country) = _share(token, msg.sender, s1, s2);
        if (gross == 0) revert NothingToClaim(distributionId, msg.sender);
        _markPaid(distributionId, msg.sender, number);
        // claimedGross is the low field: the sum stays below `amount` (< 2^96), so it cannot carry out of it.
        unchecked {
            s2 += gross;
        }
        assembly ("memory-safe") {
            sstore(add(stored.slot, 1), s2)
        }
        uint256 tax = _flags(s2) & _FLAG_WITHHOLDING == 0 ? 0 : _taxOn(gross, country);
        net = _settleClaim(distributionId, msg.sender, gross, tax, address(uint160(s1)), code);
    }

    /// @notice Pays distribution `distributionId` to each of `holders` who has not been paid yet.
    /// @dev Never reverts for one holder: already-paid, excluded and zero-share holders are skipped; ineligible
    /// holders and holders whose transfer fails are escrowed (event `Withheld`). Duplicates are paid once.
    /// Holders in holder-number order (the SDK sorts them) share one paid-record update per 256. Tax of the whole
    /// batch is sent to the tax account in one transfer. The paid records and the running totals are written as the
    /// loop leaves each group of 256 and after it: a view called from inside a payment-token callback mid-batch
    /// may see them as of the batch start (every state-changing entry point is guarded against re-entry).
    /// @return paidCount Holders paid or escrowed by this call.
    function pushBatch(uint256 distributionId, address[] calldata holders)
        external
        onlyRole(DISTRIBUTION_AGENT_ROLE)
        nonReentrant
        returns (uint256 paidCount)
    {
        Distribution storage stored = _distributions[distributionId];
        (uint256 s1, uint256 s2) = _slots(stored);
        _requireOpen(distributionId, s1, s2);
        BatchContext memory ctx = BatchContext({
            token: _tokenOf(s2),
            paymentToken: address(uint160(s1)),
            taxed: _flags(s2) & _FLAG_WITHHOLDING != 0,
            s1: s1,
            s2: s2,
            group: _NO_GROUP,
            bits: 0,
            sumGross: 0,
            sumTax: 0,
            sumWithheld: 0
        });
        mapping(uint256 group => uint256 bits) storage paid = _paid[distributionId];
        for (uint256 i; i < holders.length;) {
            if (_pushHolder(distributionId, holders[i], ctx, paid)) {
                // Cannot overflow: bounded by the calldata array length.
                unchecked {
                    ++paidCount;
                }
            }
            unchecked {
                ++i;
            }
        }
        if (ctx.group != _NO_GROUP) paid[ctx.group] = ctx.bits;

        if (paidCount != 0) {
            // See `claim` for the bound on claimedGross.
            unchecked {
                s2 += ctx.sumGross;
            }
            assembly ("memory-safe") {
                sstore(add(stored.slot, 1), s2)
            }
            if (ctx.sumTax != 0 || ctx.sumWithheld != 0) {
                Ledger storage ledger = _ledgers[distributionId];
                ledger.taxPaid += uint96(ctx.sumTax);
                ledger.withheld += uint96(ctx.sumWithheld);
            }
            if (ctx.sumTax != 0) _safeTransfer(ctx.paymentToken, _config.taxAccount, ctx.sumTax);
        }
    }

    /// @notice Pays `holder` the amount escrowed for them in `distributionId`, now that they are eligible again.
    /// @dev Anyone may call it (the money can only go to the holder). Works after expiry unless the escrow was
    /// returned at reclaim (see {setReturnWithheldAtExpiry}) or swept after the long stop.
    /// @return amount The amount released.
    function releaseWithheld(uint256 distributionId, address holder) external nonReentrant returns (uint256 amount) {
        return _release(distributionId, holder, holder);
    }

    /// @notice Pays the escrow of `holder` in `distributionId` to `to`, another registered wallet of the same
    /// investor that may receive now (a recovered wallet, or one the payment token accepts). The holder or a paying
    /// agent may call it.
    /// @return amount The amount released.
    function releaseWithheldTo(uint256 distributionId, address holder, address to)
        external
        nonReentrant
        returns (uint256 amount)
    {
        _requireHolderOrAgent(holder);
        amount = _release(distributionId, holder, to);
        emit EntitlementRedirected(distributionId, holder, to, amount);
    }

    /// @notice Pays `holder`'s share of `distributionId` to `to`, another registered wallet of the same investor that
    /// may receive now: after a recovery (the lost wallet is frozen and its keys gone) or when the payment token
    /// refuses the holder's wallet. The holder or a paying agent may call it; the `Paid` event names the holder.
    /// @return net The amount transferred to `to`, after withholding tax at the holder's country rate.
    function claimTo(uint256 distributionId, address holder, address to) external nonReentrant returns (uint256 net) {
        _requireHolderOrAgent(holder);
        Distribution storage stored = _distributions[distributionId];
        (uint256 s1, uint256 s2) = _slots(stored);
        _requireOpen(distributionId, s1, s2);
        address token = _tokenOf(s2);
        (uint256 gross, uint256 number,, uint256 country) = _share(token, holder, s1, s2);
        if (gross == 0) revert NothingToClaim(distributionId, holder);
        _requireRedirect(token, holder, to);
        _markPaid(distributionId, holder, number);
        // See `claim` for the bound on claimedGross.
        unchecked {
            s2 += gross;
        }
        assembly ("memory-safe") {
            sstore(add(stored.slot, 1), s2)
        }
        uint256 tax = _flags(s2) & _FLAG_WITHHOLDING == 0 ? 0 : _taxOn(gross, country);
        net = gross - tax;
        if (tax != 0) _ledgers[distributionId].taxPaid += uint96(tax);
        address paymentToken = address(uint160(s1));
        _emitPaid(distributionId, holder, gross, tax, net);
        emit EntitlementRedirected(distributionId, holder, to, net);
        _safeTransfer(paymentToken, to, net);
        if (tax != 0) _safeTransfer(paymentToken, _config.taxAccount, tax);
    }

    /// @notice Once the long-stop period after the claim expiry has passed, sends the escrow still outstanding in
    /// `distributionId` (holders who never became eligible: sanctioned, offboarded, refused by the payment token) to
    /// the treasury, reclaiming the unpaid shares too if {reclaimExpired} has not run. Closes the escrow for good.
    /// @dev Anyone may call it: the destination is fixed to the treasury.
    /// @return swept The escrow sent to the treasury.
    function sweepWithheld(uint256 distributionId) external nonReentrant returns (uint256 swept) {
        Distribution storage stored = _distributions[distributionId];
        (uint256 s1, uint256 s2) = _slots(stored);
        if (s1 == 0) revert DistributionNotFound(distributionId);
        uint256 endsAt = ((s2 >> 192) & _MASK32) + longStop();
        if (block.timestamp <= endsAt) revert Entitlements.LongStopNotReached(endsAt);
        uint256 flags = _flags(s2);
        uint256 closed = _FLAG_RECLAIMED | _FLAG_RETURN_WITHHELD;
        if (flags & closed == closed) revert WithheldReturnedToTreasury(distributionId);
        Ledger storage ledger = _ledgers[distributionId];
        swept = uint256(ledger.withheld) - ledger.withheldReleased - ledger.withheldReturned;
        // Fits: bounded by `withheld`, a uint96.
        ledger.withheldReturned += uint96(swept);
        uint256 unpaid = 0;
        address to = _treasury;
        if (flags & _FLAG_RECLAIMED == 0) {
            unpaid = (s1 >> 160) - (s2 & _MASK96);
            emit DistributionReclaimed(distributionId, to, unpaid, 0);
        }
        s2 |= closed << _FLAGS_SHIFT;
        assembly ("memory-safe") {
            sstore(add(stored.slot, 1), s2)
        }
        emit WithheldSwept(distributionId, to, swept);
        if (unpaid + swept != 0) IERC20(address(uint160(s1))).safeTransfer(to, unpaid + swept);
    }

    /// @notice After the claim expiry, sends what was never paid (unclaimed shares and the rounding remainder, plus
    /// outstanding escrow if the distribution was created with return-withheld-at-expiry) to the issuer treasury.
    /// Closes claims.
    /// @dev Anyone may call it: the destination is fixed to the treasury.
    /// @return returned The total sent to the treasury.
    function reclaimExpired(uint256 distributionId) external nonReentrant returns (uint256 returned) {
        Distribution storage stored = _distributions[distributionId];
        (uint256 s1, uint256 s2) = _slots(stored);
        if (s1 == 0) revert DistributionNotFound(distributionId);
        uint64 claimExpiry = uint64((s2 >> 192) & _MASK32);
        if (block.timestamp <= claimExpiry) revert ClaimPeriodNotEnded(distributionId, claimExpiry);
        uint256 flags = _flags(s2);
        if (flags & _FLAG_RECLAIMED != 0) revert AlreadyReclaimed(distributionId);
        uint256 unpaid = (s1 >> 160) - (s2 & _MASK96);
        uint256 withheldReturned = 0;
        if (flags & _FLAG_RETURN_WITHHELD != 0) {
            Ledger storage ledger = _ledgers[distributionId];
            withheldReturned = ledger.withheld - ledger.withheldReleased;
            ledger.withheldReturned = uint96(withheldReturned);
        }
        s2 |= _FLAG_RECLAIMED << _FLAGS_SHIFT;
        assembly ("memory-safe") {
            sstore(add(stored.slot, 1), s2)
        }
        returned = unpaid + withheldReturned;
        address to = _treasury;
        emit DistributionReclaimed(distributionId, to, unpaid, withheldReturned);
        if (returned != 0) IERC20(address(uint160(s1))).safeTransfer(to, returned);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Administration
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Registers `token` (first call) and sets its excluded wallets for distributions created from now on.
    /// @dev Existing distributions keep the exclusions they were created with (their eligible supply depends on
    /// it): exclusion is recorded per distribution as a "paid" bit at creation. At most {MAX_EXCLUDED_WALLETS}.
    function setExcludedWallets(address token, address[] calldata wallets) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (token == address(0)) revert ZeroAddress();
        if (wallets.length > MAX_EXCLUDED_WALLETS) revert TooManyExcludedWallets(wallets.length);
        TokenConfig memory config = _tokenConfigs[token];
        if (!config.registered) config = _registerToken(token);
        for (uint256 i; i < wallets.length; ++i) {
            address wallet = wallets[i];
            if (wallet == address(0)) revert ZeroAddress();
            for (uint256 j; j < i; ++j) {
                if (wallets[j] == wallet) revert DuplicateExcludedWallet(wallet);
            }
            if (i == 0) config.firstExcluded = wallet;
            else _excludedWallets[token][i] = wallet;
        }
        if (wallets.length == 0) config.firstExcluded = address(0);
        config.excludedCount = uint8(wallets.length);
        _tokenConfigs[token] = config;
        emit ExcludedWalletsSet(token, wallets);
    }

    /// @notice Sets the withholding tax rate for investors of `country` (ISO-3166 numeric; 0 covers wallets whose
    /// country the registry does not know). Applies to payments made from now on, in every open distribution
    /// that withholds: one created while at least one country had a rate. Set the rates before creating
    /// distributions; a distribution created while no country had a rate pays every holder gross.
    function setWithholdingRate(uint16 country, uint16 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps > MAX_BPS) revert InvalidWithholdingRate(bps);
        uint16 previous = _withholdingBps[country];
        _withholdingBps[country] = bps;
        // The count lets distributions created while no country is taxed skip the rate lookup entirely.
        uint16 taxed = _config.taxedCountryCount;
        if (previous == 0 && bps != 0) _config.taxedCountryCount = taxed + 1;
        else if (previous != 0 && bps == 0) _config.taxedCountryCount = taxed - 1;
        emit WithholdingRateSet(country, bps);
    }

    /// @notice Sets the issuer treasury that receives reclaimed funds.
    function setTreasury(address newTreasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTreasury == address(0)) revert ZeroAddress();
        _treasury = newTreasury;
        emit TreasurySet(newTreasury);
    }

    /// @notice Sets the account that receives withholding tax.
    function setTaxAccount(address newTaxAccount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newTaxAccount == address(0)) revert ZeroAddress();
        _config.taxAccount = newTaxAccount;
        emit TaxAccountSet(newTaxAccount);
    }

    /// @notice Whether distributions created from now on send escrow still outstanding at {reclaimExpired} back to
    /// the treasury (true) or keep it releasable to the holder indefinitely (false, the default).
    /// @dev Fixed per distribution at creation, so the terms of a funded distribution never change under holders.
    function setReturnWithheldAtExpiry(bool returnWithheld) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _config.returnWithheldAtExpiry = returnWithheld;
        emit ReturnWithheldAtExpirySet(returnWithheld);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------------

    /// @notice Sets the long-stop period, in days after a distribution's claim expiry, after which its outstanding
    /// escrow may be swept to the treasury (admin); at least 365 days; 0 restores the default of five years.
    /// @dev Applies to every distribution: a holder's escrow is always releasable for at least a year after expiry.
    function setLongStop(uint16 periodDays) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Entitlements.checkLongStop(periodDays);
        _config.longStopDays = periodDays;
        emit LongStopSet(periodDays);
    }

    /// @notice Seconds after a distribution's claim expiry from which {sweepWithheld} may run.
    function longStop() public view returns (uint256) {
        return Entitlements.longStopSeconds(_config.longStopDays);
    }

    /// @notice The reconciliation of distribution `distributionId` (see {DistributionTotals}).
    function distributionTotals(uint256 distributionId) external view returns (DistributionTotals memory totals) {
        (uint256 s1, uint256 s2) = _slots(_distributions[distributionId]);
        if (s1 == 0) revert DistributionNotFound(distributionId);
        Ledger memory ledger = _ledgers[distributionId];
        uint256 claimedGross = s2 & _MASK96;
        totals.funded = s1 >> 160;
        totals.paidNet = claimedGross - ledger.taxPaid - ledger.withheld;
        totals.taxPaid = ledger.taxPaid;
        totals.withheldOutstanding = uint256(ledger.withheld) - ledger.withheldReleased - ledger.withheldReturned;
        totals.withheldReleased = ledger.withheldReleased;
        totals.withheldReturned = ledger.withheldReturned;
        totals.unpaid = totals.funded - claimedGross;
        totals.reclaimed = _flags(s2) & _FLAG_RECLAIMED != 0;
    }

    /// @notice The stored parameters and running totals of distribution `distributionId`.
    function distribution(uint256 distributionId) external view returns (DistributionInfo memory info) {
        (uint256 s1, uint256 s2) = _slots(_distributions[distributionId]);
        if (s1 == 0) revert DistributionNotFound(distributionId);
        uint256 flags = _flags(s2);
        info.token = _tokenOf(s2);
        info.paymentToken = address(uint160(s1));
        info.snapshotId = _snapshotId(s2);
        info.amount = s1 >> 160;
        info.eligibleSupply = (s2 >> 96) & _MASK96;
        info.claimExpiry = uint64((s2 >> 192) & _MASK32);
        info.claimedGross = s2 & _MASK96;
        info.reclaimed = flags & _FLAG_RECLAIMED != 0;
        info.returnWithheldAtExpiry = flags & _FLAG_RETURN_WITHHELD != 0;
        info.withholding = flags & _FLAG_WITHHOLDING != 0;
    }

    /// @notice What paying `holder` in `distributionId` would do now.
    /// @return gross Share at the record date.
    /// @return tax Withholding tax at today's rate (0 in a distribution that does not withhold).
    /// @return net Gross minus tax.
    /// @return reasonCode 0 if it would be paid, else why it would be escrowed.
    /// @return paid Whether the holder was already paid or escrowed (or is excluded) in this distribution.
    function claimable(uint256 distributionId, address holder)
        external
        view
        returns (uint256 gross, uint256 tax, uint256 net, uint8 reasonCode, bool paid)
    {
        (uint256 s1, uint256 s2) = _slots(_distributions[distributionId]);
        if (s1 == 0) revert DistributionNotFound(distributionId);
        uint256 number;
        uint256 code;
        uint256 country;
        (gross, number, code, country) = _share(_tokenOf(s2), holder, s1, s2);
        if (_flags(s2) & _FLAG_WITHHOLDING != 0) tax = _taxOn(gross, country);
        net = gross - tax;
        reasonCode = uint8(code);
        paid = _isPaid(distributionId, number);
    }

    /// @notice Whether `holder` was paid or escrowed in `distributionId`, or excluded from it.
    function isPaid(uint256 distributionId, address holder) external view returns (bool) {
        (uint256 s1, uint256 s2) = _slots(_distributions[distributionId]);
        if (s1 == 0) revert DistributionNotFound(distributionId);
        (, uint256 number,,) = _holderAt(_tokenOf(s2), holder, 0);
        return _isPaid(distributionId, number);
    }

    /// @notice Amount escrowed for `holder` in `distributionId` and not yet released.
    function withheldOf(uint256 distributionId, address holder) external view returns (uint256) {
        uint256 closed = _FLAG_RECLAIMED | _FLAG_RETURN_WITHHELD;
        (, uint256 s2) = _slots(_distributions[distributionId]);
        return _flags(s2) & closed == closed ? 0 : _escrow[distributionId][holder];
    }

    /// @notice Number of distributions created so far (ids run from 1 to this number).
    function distributionCount() external view returns (uint256) {
        return _config.nextDistributionId - 1;
    }

    /// @notice The excluded wallets currently configured for `token`.
    function excludedWallets(address token) external view returns (address[] memory wallets) {
        TokenConfig memory config = _tokenConfigs[token];
        wallets = new address[](config.excludedCount);
        for (uint256 i; i < wallets.length; ++i) {
            wallets[i] = i == 0 ? config.firstExcluded : _excludedWallets[token][i];
        }
    }

    /// @notice Whether `token` is registered for distributions.
    function isTokenRegistered(address token) external view returns (bool) {
        return _tokenConfigs[token].registered;
    }

    /// @notice Withholding rate for `country`, in basis points.
    function withholdingRate(uint16 country) external view returns (uint16) {
        return _withholdingBps[country];
    }

    /// @notice The issuer treasury receiving reclaimed funds.
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @notice The account receiving withholding tax.
    function taxAccount() external view returns (address) {
        return _config.taxAccount;
    }

    /// @notice Whether distributions created from now on return outstanding escrow at reclaim.
    function returnWithheldAtExpiry() external view returns (bool) {
        return _config.returnWithheldAtExpiry;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------------------

    /// @dev Per-batch working values; a struct keeps the loop below the stack limit. `group`/`bits` cache the paid
    /// word of the holder-number group being worked on.
    struct BatchContext {
        address token;
        address paymentToken;
        bool taxed;
        uint256 s1;
        uint256 s2;
        uint256 group;
        uint256 bits;
        uint256 sumGross;
        uint256 sumTax;
        uint256 sumWithheld;
    }

    uint256 private constant _NO_GROUP = type(uint256).max;
    uint256 private constant _MASK21 = Bits.MASK21;
    uint256 private constant _MASK32 = Bits.MASK32;
    uint256 private constant _MASK48 = Bits.MASK48;
    uint256 private constant _MASK96 = Bits.MASK96;
    // Slot 2 of a distribution: claimedGross 0-95, eligibleSupply 96-191, claimExpiry 192-223, flags 224-226,
    // snapshotId 227-247, tokenIndex 248-255.
    uint256 private constant _FLAGS_SHIFT = 224;
    uint256 private constant _SNAPSHOT_SHIFT = 227;
    uint256 private constant _TOKEN_INDEX_SHIFT = 248;

    function _setUp(address admin, address agent, address issuerTreasury, address initialTaxAccount) internal {
        if (admin == address(0) || issuerTreasury == address(0) || initialTaxAccount == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (agent != address(0)) _grantRole(DISTRIBUTION_AGENT_ROLE, agent);
        _treasury = issuerTreasury;
        // Ids start at 1 so that 0 never names a distribution.
        _config = Config({
            taxAccount: initialTaxAccount,
            taxedCountryCount: 0,
            nextDistributionId: 1,
            tokenCount: 0,
            returnWithheldAtExpiry: false,
            longStopDays: 0
        });
        emit TreasurySet(issuerTreasury);
        emit TaxAccountSet(initialTaxAccount);
    }

    /// @dev Pays the escrow of `holder` to `to` (the holder itself, or a wallet checked by {_requireRedirect}).
    function _release(uint256 distributionId, address holder, address to) private returns (uint256 amount) {
        (uint256 s1, uint256 s2) = _slots(_distributions[distributionId]);
        if (s1 == 0) revert DistributionNotFound(distributionId);
        amount = _escrow[distributionId][holder];
        if (amount == 0) revert NothingWithheld(distributionId, holder);
        uint256 closed = _FLAG_RECLAIMED | _FLAG_RETURN_WITHHELD;
        if (_flags(s2) & closed == closed) revert WithheldReturnedToTreasury(distributionId);
        address token = _tokenOf(s2);
        if (to == holder) {
            (,, uint256 code,) = _holderAt(token, holder, 0);
            if (code != 0) revert HolderNotEligible(holder, uint8(code));
        } else {
            _requireRedirect(token, holder, to);
        }
        _escrow[distributionId][holder] = 0;
        _ledgers[distributionId].withheldReleased += uint96(amount);
        emit WithheldReleased(distributionId, holder, amount);
        IERC20(address(uint160(s1))).safeTransfer(to, amount);
    }

    function _requireHolderOrAgent(address holder) private view {
        if (msg.sender != holder && !hasRole(DISTRIBUTION_AGENT_ROLE, msg.sender)) {
            revert Entitlements.NotHolderOrAgent(msg.sender);
        }
    }

    /// @dev `to` is a registered wallet of `holder`'s investor in `token`'s registry and may receive now.
    function _requireRedirect(address token, address holder, address to) private view {
        Entitlements.requireSameInvestor(ISecurityToken(token).identityRegistry(), holder, to);
        (,, uint256 code,) = _holderAt(token, to, 0);
        if (code != 0) revert HolderNotEligible(to, uint8(code));
    }

    /// @dev Both raw slots of a distribution (one SLOAD each), decoded by shifts: see {Distribution}.
    function _slots(Distribution storage stored) private view returns (uint256 s1, uint256 s2) {
        assembly ("memory-safe") {
            s1 := sload(stored.slot)
            s2 := sload(add(stored.slot, 1))
        }
    }

    function _flags(uint256 s2) private pure returns (uint256) {
        return (s2 >> _FLAGS_SHIFT) & 7;
    }

    function _snapshotId(uint256 s2) private pure returns (uint256) {
        return (s2 >> _SNAPSHOT_SHIFT) & _MASK21;
    }

    /// @dev The distribution exists and is open. Claims close strictly after the expiry second; `reclaimExpired`
    /// opens at the same point, so no payment can race a reclaim.
    function _requireOpen(uint256 distributionId, uint256 s1, uint256 s2) private view {
        if (s1 == 0) revert DistributionNotFound(distributionId);
        uint256 claimExpiry = (s2 >> 192) & _MASK32;
        if (block.timestamp > claimExpiry || _flags(s2) & _FLAG_RECLAIMED != 0) {
            revert ClaimPeriodEnded(distributionId, uint64(claimExpiry));
        }
    }

    /// @dev The distribution's token (slot 2 bits 248-255 index it): a StandaloneDistributor's primary token from
    /// code, any other from storage.
    function _tokenOf(uint256 s2) private view returns (address token) {
        uint256 index = s2 >> _TOKEN_INDEX_SHIFT;
        token = _primaryToken;
        if (index != 0 || token == address(0)) token = _tokenByIndex[index];
    }

    /// @dev Gives `token` the next one-byte index.
    function _registerToken(address token) internal returns (TokenConfig memory config) {
        uint8 count = _config.tokenCount;
        if (count == MAX_TOKENS) revert TooManyTokens();
        config.index = count;
        config.registered = true;
        _tokenConfigs[token] = config;
        _tokenByIndex[count] = token;
        _config.tokenCount = count + 1;
        emit TokenRegistered(token, count);
    }

    /// @dev `holder`'s gross share (0 for a wallet that never held tokens), holder number, eligibility code and
    /// country, from one token call.
    function _share(address token, address holder, uint256 s1, uint256 s2)
        private
        view
        returns (uint256 gross, uint256 number, uint256 code, uint256 country)
    {
        uint256 balance;
        (balance, number, code, country) = _holderAt(token, holder, _snapshotId(s2));
        if (number != 0) gross = (s1 >> 160) * balance / ((s2 >> 96) & _MASK96);
    }

    function _isPaid(uint256 distributionId, uint256 number) private view returns (bool) {
        return number != 0 && _paid[distributionId][number >> 8] & (1 << (number & 0xff)) != 0;
    }

    /// @dev Sets `holder`'s paid bit (holder `number`) in `distributionId`, reverting if it was set (paid,
    /// escrowed or excluded).
    function _markPaid(uint256 distributionId, address holder, uint256 number) private {
        mapping(uint256 group => uint256 bits) storage paid = _paid[distributionId];
        uint256 group = number >> 8;
        uint256 mask = 1 << (number & 0xff);
        uint256 bits = paid[group];
        if (bits & mask != 0) revert AlreadyPaidOrExcluded(distributionId, holder);
        paid[group] = bits | mask;
    }

    /// @dev One holder of a batch: skipped (false) when already paid, excluded or with a zero share; otherwise
    /// marked paid (in the cached word), then paid or escrowed (true).
    function _pushHolder(
        uint256 distributionId,
        address holder,
        BatchContext memory ctx,
        mapping(uint256 group => uint256 bits) storage paid
    ) private returns (bool) {
        (uint256 gross, uint256 number, uint256 code, uint256 country) = _share(ctx.token, holder, ctx.s1, ctx.s2);
        if (gross == 0) return false;
        uint256 group = number >> 8;
        if (group != ctx.group) {
            if (ctx.group != _NO_GROUP) paid[ctx.group] = ctx.bits;
            ctx.group = group;
            ctx.bits = paid[group];
        }
        uint256 mask = 1 << (number & 0xff);
        if (ctx.bits & mask != 0) return false;
        ctx.bits |= mask;
        uint256 tax = 0;
        // Cannot overflow: the sums are bounded by `amount` (< 2^96).
        unchecked {
            ctx.sumGross += gross;
            if (ctx.taxed) {
                tax = _taxOn(gross, country);
                ctx.sumTax += tax;
            }
        }
        uint256 net = gross - tax;
        if (code == 0) {
            // A holder whose transfer fails (payment-token blocklist, reverting hook) must not stop the batch:
            // their net is escrowed like an ineligible holder's and can be released later.
            if (_trySafeTransfer(ctx.paymentToken, holder, net)) {
                _emitPaid(distributionId, holder, gross, tax, net);
                return true;
            }
            code = PAYMENT_TRANSFER_FAILED;
        }
        _escrow[distributionId][holder] = net;
        ctx.sumWithheld += net;
        emit Withheld(distributionId, holder, gross, tax, net, uint8(code));
        return true;
    }

    /// @dev Pays or escrows a claimed share. State is final before the transfers (checks-effects-interactions on
    /// top of the reentrancy guard).
    function _settleClaim(
        uint256 distributionId,
        address holder,
        uint256 gross,
        uint256 tax,
        address paymentToken,
        uint256 code
    ) private returns (uint256 net) {
        net = gross - tax;
        if (code == 0) {
            if (tax != 0) _ledgers[distributionId].taxPaid += uint96(tax);
            _emitPaid(distributionId, holder, gross, tax, net);
            _safeTransfer(paymentToken, holder, net);
        } else {
            Ledger storage ledger = _ledgers[distributionId];
            ledger.taxPaid += uint96(tax);
            ledger.withheld += uint96(net);
            _escrow[distributionId][holder] = net;
            emit Withheld(distributionId, holder, gross, tax, net, uint8(code));
        }
        if (tax != 0) _safeTransfer(paymentToken, _config.taxAccount, tax);
    }

    /// @dev Tax is by definition a rate applied to the (already rounded-down) gross share paid; rounded down, so
    /// the holder is never over-taxed by rounding. `country` is below 2^16 (checked in {_holderAt}).
    function _taxOn(uint256 gross, uint256 country) private view returns (uint256) {
        // slither-disable-next-line divide-before-multiply
        return gross * _withholdingBps[uint16(country)] / MAX_BPS;
    }

    /// @dev `token.holderAt(account, snapshotId)` without the ABI encoder. A reverting call bubbles its revert, as
    /// would a short answer (with whatever it returned); a code above 255 or a country above 2^16-1, which the
    /// decoder would refuse, reverts with empty data.
    function _holderAt(address token, address account, uint256 snapshotId)
        private
        view
        returns (uint256 balanceAt, uint256 holderNumber, uint256 code, uint256 country)
    {
        bytes4 selector = ISnapshotToken.holderAt.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), account)
            mstore(add(ptr, 0x24), snapshotId)
            if iszero(and(gt(returndatasize(), 0x7f), staticcall(gas(), token, ptr, 0x44, ptr, 0x80))) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            balanceAt := mload(ptr)
            holderNumber := mload(add(ptr, 0x20))
            code := mload(add(ptr, 0x40))
            country := mload(add(ptr, 0x60))
            if or(gt(code, 0xff), gt(country, 0xffff)) { revert(0, 0) }
        }
    }

    /// @dev ERC-20 `transfer` with SafeERC20's acceptance rule (no return data from a contract, or exactly `true`)
    /// and its error, without the generic call path.
    function _safeTransfer(address paymentToken, address to, uint256 value) private {
        if (!_trySafeTransfer(paymentToken, to, value)) revert SafeERC20.SafeERC20FailedOperation(paymentToken);
    }

    /// @dev `transferFrom(msg.sender, this, value)` with SafeERC20's acceptance rule and error.
    function _safeTransferFromSender(address paymentToken, uint256 value) private {
        bool ok;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, 0x23b872dd00000000000000000000000000000000000000000000000000000000)
            mstore(add(ptr, 0x04), caller())
            mstore(add(ptr, 0x24), address())
            mstore(add(ptr, 0x44), value)
            let success := call(gas(), paymentToken, 0, ptr, 0x64, 0x00, 0x20)
            switch returndatasize()
            case 0 { ok := and(success, gt(extcodesize(paymentToken), 0)) }
            default { ok := and(success, eq(mload(0x00), 1)) }
        }
        if (!ok) revert SafeERC20.SafeERC20FailedOperation(paymentToken);
    }

    /// @dev As {_safeTransfer}, returning false instead of reverting (SafeERC20.trySafeTransfer).
    function _trySafeTransfer(address paymentToken, address to, uint256 value) private returns (bool ok) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, 0xa9059cbb00000000000000000000000000000000000000000000000000000000)
            mstore(add(ptr, 0x04), to)
            mstore(add(ptr, 0x24), value)
            let success := call(gas(), paymentToken, 0, ptr, 0x44, 0x00, 0x20)
            switch returndatasize()
            case 0 { ok := and(success, gt(extcodesize(paymentToken), 0)) }
            default { ok := and(success, eq(mload(0x00), 1)) }
        }
    }

    /// @dev `emit Paid(distributionId, holder, gross, tax, net)` with a three-word data area in scratch memory.
    function _emitPaid(uint256 distributionId, address holder, uint256 gross, uint256 tax, uint256 net) private {
        bytes32 topic = Paid.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, gross)
            mstore(add(ptr, 0x20), tax)
            mstore(add(ptr, 0x40), net)
            log3(ptr, 0x60, topic, distributionId, holder)
        }
    }

    function _create(
        address token,
        address paymentToken,
        uint256 amount,
        uint256 amountPerToken,
        uint64 claimExpiry,
        uint256 snapshotId
    ) private returns (uint256 distributionId, uint256 funded) {
        // Raw {TokenConfig}: index bits 0-7, excludedCount 8-15, registered 16-23, firstExcluded 24-183.
        uint256 tokenConfig;
        {
            TokenConfig storage tokenConfigSlot = _tokenConfigs[token];
            assembly ("memory-safe") {
                tokenConfig := sload(tokenConfigSlot.slot)
            }
        }
        if ((tokenConfig >> 16) & 0xff == 0) revert TokenNotRegistered(token);
        _requireAllowedPaymentToken(paymentToken);
        if (claimExpiry <= block.timestamp || claimExpiry > type(uint32).max) revert InvalidClaimExpiry(claimExpiry);

        if (snapshotId == 0) snapshotId = ISnapshotToken(token).snapshot();
        if (snapshotId > MAX_SNAPSHOT_ID) revert SnapshotIdTooLarge(snapshotId);
        // Raw {Config}: taxAccount bits 0-159, taxedCountryCount 160-175, nextDistributionId 176-223,
        // tokenCount 224-231, returnWithheldAtExpiry 232-239.
        uint256 config;
        assembly ("memory-safe") {
            config := sload(_config.slot)
        }
        distributionId = (config >> 176) & _MASK48;
        uint256 eligible = _eligibleSupply(token, snapshotId, tokenConfig, distributionId);
        if (eligible == 0) revert NoEligibleSupply(token, snapshotId);
        if (eligible > _MASK96) revert EligibleSupplyTooLarge(eligible);

        funded = amountPerToken == 0
            ? amount
            : Math.mulDiv(eligible, amountPerToken, 10 ** ISnapshotToken(token).decimals());
        if (funded == 0 || funded > _MASK96) revert InvalidAmount(funded);

        // Both slots of the new distribution written once each, already packed (see {Distribution}).
        uint256 flags = (config >> 232) & 0xff != 0 ? _FLAG_RETURN_WITHHELD : 0;
        if ((config >> 160) & 0xffff != 0) flags |= _FLAG_WITHHOLDING;
        _storeNew(
            distributionId,
            uint256(uint160(paymentToken)) | (funded << 160),
            (eligible << 96) | (uint256(claimExpiry) << 192) | (flags << _FLAGS_SHIFT)
                | (snapshotId << _SNAPSHOT_SHIFT) | ((tokenConfig & 0xff) << _TOKEN_INDEX_SHIFT)
        );
        // nextDistributionId + 1 (ids stay far below 2^48, so the field cannot carry into tokenCount).
        unchecked {
            config += uint256(1) << 176;
        }
        assembly ("memory-safe") {
            sstore(_config.slot, config)
        }

        emit DistributionCreated(distributionId, token, paymentToken, snapshotId, funded, eligible, claimExpiry);
        _safeTransferFromSender(paymentToken, funded);
    }

    function _storeNew(uint256 distributionId, uint256 s1, uint256 s2) private {
        Distribution storage stored = _distributions[distributionId];
        assembly ("memory-safe") {
            sstore(stored.slot, s1)
            sstore(add(stored.slot, 1), s2)
        }
    }

    /// @dev Snapshot supply minus the excluded wallets' snapshot balances; marks those wallets as paid in the new
    /// distribution. Marking freezes the exclusion into the distribution: later changes to the list cannot let a
    /// wallet claim against a supply that left it out, and claims need no separate exclusion lookup. A wallet
    /// that never held tokens (number 0) has nothing to subtract and nothing it could claim.
    function _eligibleSupply(address token, uint256 snapshotId, uint256 tokenConfig, uint256 distributionId)
        private
        returns (uint256 eligible)
    {
        eligible = ISnapshotToken(token).totalSupplyAt(snapshotId);
        mapping(uint256 group => uint256 bits) storage paid = _paid[distributionId];
        uint256 count = (tokenConfig >> 8) & 0xff;
        for (uint256 i; i < count; ++i) {
            address wallet = i == 0 ? address(uint160(tokenConfig >> 24)) : _excludedWallets[token][i];
            (uint256 balance, uint256 number,,) = _holderAt(token, wallet, snapshotId);
            eligible -= balance;
            if (number != 0) paid[number >> 8] |= 1 << (number & 0xff);
        }
    }
}
