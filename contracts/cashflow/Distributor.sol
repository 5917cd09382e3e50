// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ISnapshotToken, IInvestorCountry} from "./ISnapshotToken.sol";
import {PaymentTokenPolicy} from "./PaymentTokenPolicy.sol";

/// @title Distributor
/// @notice Coupons and dividends by record date for the security tokens of one offering.
///
/// A paying agent funds a distribution in an allowed payment token against a balance snapshot of a security token.
/// Each holder's gross share is `amount * balanceAt(record date) / eligibleSupply`, rounded down, where the eligible
/// supply leaves out the token's excluded wallets (treasury, issuer). Holders claim, or the agent pushes payment in
/// batches; either way a holder is paid at most once per distribution. Withholding tax by investor country goes to
/// the tax account; a holder who is not eligible when paid (frozen, unverified, KYC expired, or whose payment transfer
/// fails during a push) has the net amount escrowed until `releaseWithheld`. After the claim expiry, the unclaimed
/// funds and the rounding remainder go back to the issuer's treasury.
///
/// Accounting identity, exact to the unit, exposed by {distributionTotals}:
/// `funded == paidNet + taxPaid + withheldOutstanding + withheldReleased + withheldReturned + unclaimed + remainder`.
///
/// @dev Deployed once as an implementation and cloned (EIP-1167) per offering: no constructor state, `initialize`.
/// Gas shape: a distribution is two storage slots (creation is O(1) in holders; the excluded-wallet list, at most
/// {MAX_EXCLUDED_WALLETS}, is the only loop). The "paid" record is one bit in a per-holder word covering 256
/// distribution ids, so a holder's later payments update an existing word (5,000 gas) instead of creating one
/// (22,100 gas); only the first payment in each window of 256 distribution ids pays for the word.
contract Distributor is Initializable, PaymentTokenPolicy, ReentrancyGuardTransient {
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
    /// @notice 100% in basis points.
    uint256 public constant MAX_BPS = 10_000;

    uint8 private constant _FLAG_RECLAIMED = 1;
    uint8 private constant _FLAG_RETURN_WITHHELD = 2;

    /// @dev Two slots. Widths: amounts up to 2^96-1 (7.9e28 payment-token units), balances up to 2^104-1,
    /// expiry as uint32 seconds (year 2106). `live` keeps the second slot non-zero from creation, so the first
    /// claim rewrites it (2,900 gas) instead of creating it (20,000).
    struct Distribution {
        // slot 1: read by every payment, written never after creation except `flags`.
        uint8 tokenIndex;
        uint8 paymentTokenIndex;
        uint8 flags;
        uint32 claimExpiry;
        uint96 amount;
        uint104 eligibleSupply;
        // slot 2: read and written by every payment.
        uint96 claimedGross;
        uint104 claimedBalance;
        uint48 snapshotId;
        uint8 live;
    }

    /// @dev Written only on the rarer paths (tax, withholding, release, reclaim). `paidNet` is not stored:
    /// it is `claimedGross - taxPaid - withheld`.
    struct Ledger {
        uint96 taxPaid;
        uint96 withheld;
        uint96 withheldReleased;
        uint96 withheldReturned;
    }

    /// @dev One slot, read by every payment (tax account and whether any withholding rate is set).
    struct Config {
        address taxAccount;
        uint16 taxedCountryCount;
        uint48 nextDistributionId;
        uint8 tokenCount;
        bool returnWithheldAtExpiry;
    }

    /// @dev The token's address plus a copy of "some country has a withholding rate", so that a payment learns
    /// both from one slot and skips the registry lookup when nobody is taxed. Kept in sync by `setWithholdingRate`.
    struct TokenSlot {
        address token;
        bool withholdingActive;
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
        uint256 claimedBalance;
        bool reclaimed;
        bool returnWithheldAtExpiry;
    }

    /// @notice The reconciliation of one distribution; the seven amounts always sum to `funded`.
    /// @dev `unclaimed` is the aggregate entitlement of the record-date balance not yet paid,
    /// `floor(amount * (eligibleSupply - claimedBalance) / eligibleSupply)`; `remainder` is what is left: the
    /// rounding of the holders paid so far plus the fraction of the aggregate. Once every holder is paid,
    /// `unclaimed` is 0 and `remainder == amount - sum(floor shares)` exactly. Before that, the per-holder split
    /// (the sum of unpaid holders' floor shares) needs the holder list, which the SDK has and the chain does not.
    struct DistributionTotals {
        uint256 funded;
        uint256 paidNet;
        uint256 taxPaid;
        uint256 withheldOutstanding;
        uint256 withheldReleased;
        uint256 withheldReturned;
        uint256 unclaimed;
        uint256 remainder;
        bool reclaimed;
    }

    Config private _config;
    address private _treasury;
    mapping(uint256 distributionId => Distribution) private _distributions;
    mapping(uint256 distributionId => Ledger) private _ledgers;
    mapping(address holder => mapping(uint256 word => uint256 bits)) private _paidBitmap;
    mapping(uint256 distributionId => mapping(address holder => uint256 amount)) private _escrow;
    mapping(address token => TokenConfig) private _tokenConfigs;
    mapping(uint8 index => TokenSlot) private _tokenByIndex;
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
    /// @notice After expiry, unclaimed funds and the rounding remainder (and, if so configured, outstanding
    /// escrow) went to the treasury.
    event DistributionReclaimed(
        uint256 indexed distributionId,
        address indexed treasury,
        uint256 unclaimed,
        uint256 remainder,
        uint256 withheldReturned
    );
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
    /// @dev The eligible supply exceeds 2^104-1 units.
    error EligibleSupplyTooLarge(uint256 eligibleSupply);
    /// @dev The token returned a snapshot id above 2^48-1.
    error SnapshotIdTooLarge(uint256 snapshotId);
    /// @dev Withholding above 100%.
    error InvalidWithholdingRate(uint16 bps);
    /// @dev More than {MAX_EXCLUDED_WALLETS} excluded wallets.
    error TooManyExcludedWallets(uint256 count);
    /// @dev The same wallet appears twice in the excluded list.
    error DuplicateExcludedWallet(address wallet);
    /// @dev A required address is zero.
    error ZeroAddress();

    /// @dev Locks the implementation; clones are set up through {initialize}.
    constructor() {
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
        if (admin == address(0) || issuerTreasury == address(0) || initialTaxAccount == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (agent != address(0)) _grantRole(DISTRIBUTION_AGENT_ROLE, agent);
        _treasury = issuerTreasury;
        // Ids start at 1 so that 0 never names a distribution, and bit 0 of every holder's first word is free
        // to be used as a "word already exists" marker (see `setExcludedWallets`).
        _config = Config({
            taxAccount: initialTaxAccount,
            taxedCountryCount: 0,
            nextDistributionId: 1,
            tokenCount: 0,
            returnWithheldAtExpiry: false
        });
        emit TreasurySet(issuerTreasury);
        emit TaxAccountSet(initialTaxAccount);
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

    /// @notice Funds a distribution of `amountPerToken` payment-token units per whole security token
    /// (10**decimals base units) held at the record date, e.g. a coupon or an amortisation instalment.
    /// @dev The funded amount is `floor(eligibleSupply * amountPerToken / 10**decimals)`, pulled from the caller.
    /// @return distributionId The new distribution's id.
    /// @return amount The amount pulled and distributed.
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
        // Raw slot reads (one SLOAD each) decoded by shifts: see the layout of {Distribution}.
        Distribution storage stored = _distributions[distributionId];
        uint256 s1;
        uint256 s2;
        assembly ("memory-safe") {
            s1 := sload(stored.slot)
            s2 := sload(add(stored.slot, 1))
        }
        _requireOpenRaw(distributionId, s1, s2);
        uint256 tokenSlot = _tokenSlotRaw(s1);
        address token = address(uint160(tokenSlot));

        // Set before the share is known: a zero share reverts below and undoes it.
        _markPaid(distributionId, msg.sender);
        uint256 balance = _balanceOfAt(token, msg.sender, (s2 >> 200) & _MASK48);
        uint256 gross = ((s1 >> 56) & _MASK96) * balance / (s1 >> 152);
        if (gross == 0) revert NothingToClaim(distributionId, msg.sender);
        // claimedGross (bits 0-95) and claimedBalance (bits 96-199) in one SSTORE. Cannot overflow a field: the
        // sums are bounded by `amount` (< 2^96) and by the eligible supply (< 2^104).
        unchecked {
            s2 += gross + (balance << 96);
        }
        assembly ("memory-safe") {
            sstore(add(stored.slot, 1), s2)
        }
        net = _settleClaim(
            distributionId, msg.sender, gross, ISnapshotToken(token), _paymentTokenAt(uint8(s1 >> 8)), tokenSlot >> 160 != 0
        );
    }

    /// @notice Pays distribution `distributionId` to each of `holders` who has not been paid yet.
    /// @dev Never reverts for one holder: already-paid, excluded and zero-share holders are skipped; ineligible
    /// holders and holders whose transfer fails are escrowed (event `Withheld`). Duplicates are paid once.
    /// Tax of the whole batch is sent to the tax account in one transfer. The distribution's running totals are
    /// written once after the loop: a view called from inside a payment-token callback mid-batch sees the totals
    /// as of the batch start (every state-changing entry point is guarded against re-entry).
    /// @return paidCount Holders paid or escrowed by this call.
    function pushBatch(uint256 distributionId, address[] calldata holders)
        external
        onlyRole(DISTRIBUTION_AGENT_ROLE)
        nonReentrant
        returns (uint256 paidCount)
    {
        Distribution storage stored = _distributions[distributionId];
        uint256 s1;
        uint256 s2;
        assembly ("memory-safe") {
            s1 := sload(stored.slot)
            s2 := sload(add(stored.slot, 1))
        }
        _requireOpenRaw(distributionId, s1, s2);
        uint256 tokenSlot = _tokenSlotRaw(s1);
        // Everything per-distribution is read once here; the loop only touches the holder's own bitmap word.
        BatchContext memory ctx = BatchContext({
            token: ISnapshotToken(address(uint160(tokenSlot))),
            paymentToken: IERC20(_paymentTokenAt(uint8(s1 >> 8))),
            registry: address(0),
            taxed: tokenSlot >> 160 != 0,
            word: distributionId >> 8,
            mask: 1 << (distributionId & 0xff),
            snapshotId: (s2 >> 200) & _MASK48,
            amount: (s1 >> 56) & _MASK96,
            eligibleSupply: s1 >> 152,
            sumGross: 0,
            sumBalance: 0,
            sumTax: 0,
            sumWithheld: 0
        });
        for (uint256 i; i < holders.length;) {
            if (_pushHolder(distributionId, holders[i], ctx)) {
                // Cannot overflow: bounded by the calldata array length.
                unchecked {
                    ++paidCount;
                }
            }
            unchecked {
                ++i;
            }
        }

        if (paidCount != 0) {
            // claimedGross and claimedBalance in one SSTORE (see `claim` for the bounds).
            unchecked {
                s2 += ctx.sumGross + (ctx.sumBalance << 96);
            }
            assembly ("memory-safe") {
                sstore(add(stored.slot, 1), s2)
            }
            if (ctx.sumTax != 0 || ctx.sumWithheld != 0) {
                Ledger storage ledger = _ledgers[distributionId];
                ledger.taxPaid += uint96(ctx.sumTax);
                ledger.withheld += uint96(ctx.sumWithheld);
            }
            if (ctx.sumTax != 0) _safeTransfer(address(ctx.paymentToken), _config.taxAccount, ctx.sumTax);
        }
    }

    /// @notice Pays `holder` the amount escrowed for them in `distributionId`, now that they are eligible again.
    /// @dev Anyone may call it (the money can only go to the holder). Works after expiry unless the escrow was
    /// returned at reclaim (see {setReturnWithheldAtExpiry}).
    /// @return amount The amount released.
    function releaseWithheld(uint256 distributionId, address holder) external nonReentrant returns (uint256 amount) {
        Distribution memory d = _distributions[distributionId];
        if (d.live == 0) revert DistributionNotFound(distributionId);
        amount = _escrow[distributionId][holder];
        if (amount == 0) revert NothingWithheld(distributionId, holder);
        if (d.flags & (_FLAG_RECLAIMED | _FLAG_RETURN_WITHHELD) == (_FLAG_RECLAIMED | _FLAG_RETURN_WITHHELD)) {
            revert WithheldReturnedToTreasury(distributionId);
        }
        uint8 code = ISnapshotToken(_tokenByIndex[d.tokenIndex].token).checkHolder(holder);
        if (code != 0) revert HolderNotEligible(holder, code);
        _escrow[distributionId][holder] = 0;
        _ledgers[distributionId].withheldReleased += uint96(amount);
        emit WithheldReleased(distributionId, holder, amount);
        IERC20(_paymentTokenAt(d.paymentTokenIndex)).safeTransfer(holder, amount);
    }

    /// @notice After the claim expiry, sends the unclaimed funds and the rounding remainder (plus outstanding escrow
    /// if the distribution was created with return-withheld-at-expiry) to the issuer treasury. Closes claims.
    /// @dev Anyone may call it: the destination is fixed to the treasury.
    /// @return returned The total sent to the treasury.
    function reclaimExpired(uint256 distributionId) external nonReentrant returns (uint256 returned) {
        Distribution memory d = _distributions[distributionId];
        if (d.live == 0) revert DistributionNotFound(distributionId);
        if (block.timestamp <= d.claimExpiry) revert ClaimPeriodNotEnded(distributionId, d.claimExpiry);
        if (d.flags & _FLAG_RECLAIMED != 0) revert AlreadyReclaimed(distributionId);
        (uint256 unclaimed, uint256 remainder) = _unclaimedAndRemainder(d);
        uint256 withheldReturned = 0;
        if (d.flags & _FLAG_RETURN_WITHHELD != 0) {
            Ledger storage ledger = _ledgers[distributionId];
            withheldReturned = ledger.withheld - ledger.withheldReleased;
            ledger.withheldReturned = uint96(withheldReturned);
        }
        _distributions[distributionId].flags = d.flags | _FLAG_RECLAIMED;
        returned = unclaimed + remainder + withheldReturned;
        address to = _treasury;
        emit DistributionReclaimed(distributionId, to, unclaimed, remainder, withheldReturned);
        if (returned != 0) IERC20(_paymentTokenAt(d.paymentTokenIndex)).safeTransfer(to, returned);
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
        if (!config.registered) {
            uint8 count = _config.tokenCount;
            if (count == MAX_TOKENS) revert TooManyTokens();
            config.index = count;
            config.registered = true;
            _tokenByIndex[count] = TokenSlot({token: token, withholdingActive: _config.taxedCountryCount != 0});
            _config.tokenCount = count + 1;
            emit TokenRegistered(token, count);
        }
        for (uint256 i; i < wallets.length; ++i) {
            address wallet = wallets[i];
            if (wallet == address(0)) revert ZeroAddress();
            for (uint256 j; j < i; ++j) {
                if (wallets[j] == wallet) revert DuplicateExcludedWallet(wallet);
            }
            if (i == 0) config.firstExcluded = wallet;
            else _excludedWallets[token][i] = wallet;
            // Bit 0 of word 0 is never a distribution id; setting it makes the wallet's first bitmap word non-zero,
            // so marking it excluded at each creation costs a slot update, not a slot creation.
            _paidBitmap[wallet][0] |= 1;
        }
        if (wallets.length == 0) config.firstExcluded = address(0);
        config.excludedCount = uint8(wallets.length);
        _tokenConfigs[token] = config;
        emit ExcludedWalletsSet(token, wallets);
    }

    /// @notice Sets the withholding tax rate for investors of `country` (ISO-3166 numeric; 0 covers wallets whose
    /// country the registry does not know). Applies to payments made from now on, in every open distribution.
    function setWithholdingRate(uint16 country, uint16 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps > MAX_BPS) revert InvalidWithholdingRate(bps);
        uint16 previous = _withholdingBps[country];
        _withholdingBps[country] = bps;
        // The count lets payments skip the registry lookup entirely while no country is taxed.
        uint16 taxed = _config.taxedCountryCount;
        if (previous == 0 && bps != 0) ++taxed;
        else if (previous != 0 && bps == 0) --taxed;
        else taxed = type(uint16).max; // marker: the count did not change
        if (taxed != type(uint16).max) {
            _config.taxedCountryCount = taxed;
            // Only the transitions between "nobody taxed" and "someone taxed" change the per-token copies.
            if (taxed <= 1) {
                bool active = taxed != 0;
                uint256 tokenCount = _config.tokenCount;
                for (uint256 i; i < tokenCount; ++i) {
                    _tokenByIndex[uint8(i)].withholdingActive = active;
                }
            }
        }
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

    /// @notice The reconciliation of distribution `distributionId` (see {DistributionTotals}).
    function distributionTotals(uint256 distributionId) external view returns (DistributionTotals memory totals) {
        Distribution memory d = _distributions[distributionId];
        if (d.live == 0) revert DistributionNotFound(distributionId);
        Ledger memory ledger = _ledgers[distributionId];
        totals.funded = d.amount;
        totals.paidNet = uint256(d.claimedGross) - ledger.taxPaid - ledger.withheld;
        totals.taxPaid = ledger.taxPaid;
        totals.withheldOutstanding = uint256(ledger.withheld) - ledger.withheldReleased - ledger.withheldReturned;
        totals.withheldReleased = ledger.withheldReleased;
        totals.withheldReturned = ledger.withheldReturned;
        (totals.unclaimed, totals.remainder) = _unclaimedAndRemainder(d);
        totals.reclaimed = d.flags & _FLAG_RECLAIMED != 0;
    }

    /// @notice The stored parameters and running totals of distribution `distributionId`.
    function distribution(uint256 distributionId) external view returns (DistributionInfo memory info) {
        Distribution memory d = _distributions[distributionId];
        if (d.live == 0) revert DistributionNotFound(distributionId);
        info.token = _tokenByIndex[d.tokenIndex].token;
        info.paymentToken = _paymentTokenAt(d.paymentTokenIndex);
        info.snapshotId = d.snapshotId;
        info.amount = d.amount;
        info.eligibleSupply = d.eligibleSupply;
        info.claimExpiry = d.claimExpiry;
        info.claimedGross = d.claimedGross;
        info.claimedBalance = d.claimedBalance;
        info.reclaimed = d.flags & _FLAG_RECLAIMED != 0;
        info.returnWithheldAtExpiry = d.flags & _FLAG_RETURN_WITHHELD != 0;
    }

    /// @notice What paying `holder` in `distributionId` would do now.
    /// @return gross Share at the record date.
    /// @return tax Withholding tax at today's rate.
    /// @return net Gross minus tax.
    /// @return reasonCode 0 if it would be paid, else why it would be escrowed.
    /// @return paid Whether the holder was already paid or escrowed (or is excluded) in this distribution.
    function claimable(uint256 distributionId, address holder)
        external
        view
        returns (uint256 gross, uint256 tax, uint256 net, uint8 reasonCode, bool paid)
    {
        Distribution memory d = _distributions[distributionId];
        if (d.live == 0) revert DistributionNotFound(distributionId);
        ISnapshotToken token = ISnapshotToken(_tokenByIndex[d.tokenIndex].token);
        paid = isPaid(distributionId, holder);
        gross = uint256(d.amount) * token.balanceOfAt(holder, d.snapshotId) / d.eligibleSupply;
        if (_config.taxedCountryCount != 0) tax = _taxOn(token, holder, gross);
        net = gross - tax;
        reasonCode = token.checkHolder(holder);
    }

    /// @notice Whether `holder` was paid or escrowed in `distributionId`, or excluded from it.
    function isPaid(uint256 distributionId, address holder) public view returns (bool) {
        return _paidBitmap[holder][distributionId >> 8] & (1 << (distributionId & 0xff)) != 0;
    }

    /// @notice Amount escrowed for `holder` in `distributionId` and not yet released.
    function withheldOf(uint256 distributionId, address holder) external view returns (uint256) {
        return _escrow[distributionId][holder];
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

    /// @dev Per-batch working values; a struct keeps the loop below the stack limit.
    struct BatchContext {
        ISnapshotToken token;
        IERC20 paymentToken;
        address registry;
        bool taxed;
        uint256 word;
        uint256 mask;
        uint256 snapshotId;
        uint256 amount;
        uint256 eligibleSupply;
        uint256 sumGross;
        uint256 sumBalance;
        uint256 sumTax;
        uint256 sumWithheld;
    }

    uint256 private constant _MASK32 = (1 << 32) - 1;
    uint256 private constant _MASK48 = (1 << 48) - 1;
    uint256 private constant _MASK96 = (1 << 96) - 1;
    uint256 private constant _MASK104 = (1 << 104) - 1;

    /// @dev Sets `holder`'s paid bit for `distributionId`, reverting if it was set (paid, escrowed or excluded).
    function _markPaid(uint256 distributionId, address holder) private {
        mapping(uint256 word => uint256 bits) storage holderBits = _paidBitmap[holder];
        uint256 word = distributionId >> 8;
        uint256 mask = 1 << (distributionId & 0xff);
        uint256 bits = holderBits[word];
        if (bits & mask != 0) revert AlreadyPaidOrExcluded(distributionId, holder);
        holderBits[word] = bits | mask;
    }

    /// @dev The distribution exists and is open, read from the raw slots: slot 1 bits 16-23 flags, 24-55
    /// claimExpiry; slot 2 bits 248-255 live. Claims close strictly after the expiry second; `reclaimExpired`
    /// opens at the same point, so no payment can race a reclaim.
    function _requireOpenRaw(uint256 distributionId, uint256 s1, uint256 s2) private view {
        if (s2 >> 248 == 0) revert DistributionNotFound(distributionId);
        uint256 claimExpiry = (s1 >> 24) & _MASK32;
        if (block.timestamp > claimExpiry || (s1 >> 16) & _FLAG_RECLAIMED != 0) {
            revert ClaimPeriodEnded(distributionId, uint64(claimExpiry));
        }
    }

    /// @dev The raw {TokenSlot} of the distribution's token index (slot 1 bits 0-7): address in bits 0-159,
    /// `withholdingActive` in bits 160-167 (nothing above).
    function _tokenSlotRaw(uint256 s1) private view returns (uint256 raw) {
        TokenSlot storage slot = _tokenByIndex[uint8(s1)];
        assembly ("memory-safe") {
            raw := sload(slot.slot)
        }
    }

    /// @dev `token.balanceOfAt(account, snapshotId)` without the ABI encoder; bubbles a revert like a Solidity call.
    function _balanceOfAt(address token, address account, uint256 snapshotId) private view returns (uint256 value) {
        bytes4 selector = ISnapshotToken.balanceOfAt.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), account)
            mstore(add(ptr, 0x24), snapshotId)
            if iszero(and(gt(returndatasize(), 0x1f), staticcall(gas(), token, ptr, 0x44, 0x00, 0x20))) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            value := mload(0x00)
        }
    }

    /// @dev `token.checkHolder(account)` without the ABI encoder; reverts like a Solidity call on a bad answer.
    function _checkHolder(address token, address account) private view returns (uint8 code) {
        bytes4 selector = ISnapshotToken.checkHolder.selector;
        assembly ("memory-safe") {
            mstore(0x00, selector)
            mstore(0x04, account)
            if iszero(and(gt(returndatasize(), 0x1f), staticcall(gas(), token, 0x00, 0x24, 0x00, 0x20))) {
                let ptr := mload(0x40)
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            let value := mload(0x00)
            if gt(value, 0xff) { revert(0, 0) }
            code := value
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
        uint256 s1 = uint256(_requireAllowedPaymentToken(paymentToken)) << 8;
        if (claimExpiry <= block.timestamp || claimExpiry > type(uint32).max) revert InvalidClaimExpiry(claimExpiry);

        if (snapshotId == 0) snapshotId = ISnapshotToken(token).snapshot();
        if (snapshotId > type(uint48).max) revert SnapshotIdTooLarge(snapshotId);
        // Raw {Config}: taxAccount bits 0-159, taxedCountryCount 160-175, nextDistributionId 176-223,
        // tokenCount 224-231, returnWithheldAtExpiry 232-239.
        uint256 config;
        assembly ("memory-safe") {
            config := sload(_config.slot)
        }
        distributionId = (config >> 176) & _MASK48;
        uint256 eligible = _eligibleSupply(token, snapshotId, tokenConfig, distributionId);
        if (eligible == 0) revert NoEligibleSupply(token, snapshotId);
        if (eligible > type(uint104).max) revert EligibleSupplyTooLarge(eligible);

        funded = amountPerToken == 0
            ? amount
            : Math.mulDiv(eligible, amountPerToken, 10 ** ISnapshotToken(token).decimals());
        if (funded == 0 || funded > type(uint96).max) revert InvalidAmount(funded);

        // Both slots of the new distribution written once each, already packed (see {Distribution}).
        s1 |= (tokenConfig & 0xff) | (uint256(claimExpiry) << 24) | (funded << 56) | (eligible << 152);
        if ((config >> 232) & 0xff != 0) s1 |= uint256(_FLAG_RETURN_WITHHELD) << 16;
        _storeNew(distributionId, s1, (snapshotId << 200) | (uint256(1) << 248));
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
    /// wallet claim against a supply that left it out, and claims need no separate exclusion lookup.
    function _eligibleSupply(address token, uint256 snapshotId, uint256 tokenConfig, uint256 distributionId)
        private
        returns (uint256 eligible)
    {
        eligible = ISnapshotToken(token).totalSupplyAt(snapshotId);
        uint256 word = distributionId >> 8;
        uint256 mask = 1 << (distributionId & 0xff);
        uint256 count = (tokenConfig >> 8) & 0xff;
        for (uint256 i; i < count; ++i) {
            address wallet = i == 0 ? address(uint160(tokenConfig >> 24)) : _excludedWallets[token][i];
            eligible -= _balanceOfAt(token, wallet, snapshotId);
            _paidBitmap[wallet][word] |= mask;
        }
    }

    /// @dev One holder of a batch: skipped (false) when already paid, excluded or with a zero share; otherwise
    /// marked paid, then paid or escrowed (true).
    function _pushHolder(uint256 distributionId, address holder, BatchContext memory ctx) private returns (bool) {
        mapping(uint256 word => uint256 bits) storage holderBits = _paidBitmap[holder];
        uint256 word = ctx.word;
        uint256 bits = holderBits[word];
        if (bits & ctx.mask != 0) return false;
        address token = address(ctx.token);
        uint256 balance = _balanceOfAt(token, holder, ctx.snapshotId);
        uint256 gross = ctx.amount * balance / ctx.eligibleSupply;
        if (gross == 0) return false;
        holderBits[word] = bits | ctx.mask;
        // Cannot overflow: the sums are bounded by `amount` (< 2^96) and the eligible supply (< 2^104).
        unchecked {
            ctx.sumGross += gross;
            ctx.sumBalance += balance;
        }
        uint256 tax = 0;
        if (ctx.taxed) {
            if (ctx.registry == address(0)) ctx.registry = ctx.token.identityRegistry();
            // Tax is by definition a rate applied to the (already rounded-down) gross share paid.
            // slither-disable-next-line divide-before-multiply
            tax = gross * _withholdingBps[IInvestorCountry(ctx.registry).investorCountry(holder)] / MAX_BPS;
            ctx.sumTax += tax;
        }
        uint256 net = gross - tax;
        uint8 code = _checkHolder(token, holder);
        if (code == 0) {
            // A holder whose transfer fails (payment-token blocklist, reverting hook) must not stop the batch:
            // their net is escrowed like an ineligible holder's and can be released later.
            if (_trySafeTransfer(address(ctx.paymentToken), holder, net)) {
                _emitPaid(distributionId, holder, gross, tax, net);
                return true;
            }
            code = PAYMENT_TRANSFER_FAILED;
        }
        _escrow[distributionId][holder] = net;
        ctx.sumWithheld += net;
        emit Withheld(distributionId, holder, gross, tax, net, code);
        return true;
    }

    /// @dev Taxes, then pays or escrows a claimed share. State is final before the transfers (checks-effects-
    /// interactions on top of the reentrancy guard).
    function _settleClaim(
        uint256 distributionId,
        address holder,
        uint256 gross,
        ISnapshotToken token,
        address paymentToken,
        bool withholdingActive
    ) private returns (uint256 net) {
        uint256 tax = 0;
        if (withholdingActive) tax = _taxOn(token, holder, gross);
        net = gross - tax;
        uint8 code = _checkHolder(address(token), holder);
        if (code == 0) {
            if (tax != 0) _ledgers[distributionId].taxPaid += uint96(tax);
            _emitPaid(distributionId, holder, gross, tax, net);
            _safeTransfer(paymentToken, holder, net);
        } else {
            Ledger storage ledger = _ledgers[distributionId];
            ledger.taxPaid += uint96(tax);
            ledger.withheld += uint96(net);
            _escrow[distributionId][holder] = net;
            emit Withheld(distributionId, holder, gross, tax, net, code);
        }
        if (tax != 0) _safeTransfer(paymentToken, _config.taxAccount, tax);
    }

    function _taxOn(ISnapshotToken token, address holder, uint256 gross) private view returns (uint256) {
        uint16 country = IInvestorCountry(token.identityRegistry()).investorCountry(holder);
        // Rounded down: the holder is never over-taxed by rounding.
        return gross * _withholdingBps[country] / MAX_BPS;
    }

    function _unclaimedAndRemainder(Distribution memory d) private pure returns (uint256 unclaimed, uint256 remainder) {
        // The unpaid record-date balance's aggregate entitlement, rounded down; never more than what is left
        // because each paid share was itself rounded down.
        unclaimed = uint256(d.amount) * (uint256(d.eligibleSupply) - d.claimedBalance) / d.eligibleSupply;
        remainder = uint256(d.amount) - d.claimedGross - unclaimed;
    }
}
