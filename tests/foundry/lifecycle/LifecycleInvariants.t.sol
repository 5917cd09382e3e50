// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/Vm.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Shipped} from "../utils/Shipped.sol";
import {BlocklistCoin} from "./LifecycleIntegrity.t.sol";
import {InvestorRegistry} from "../../../contracts/identity/InvestorRegistry.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {Redemption} from "../../../contracts/cashflow/Redemption.sol";
import {CollateralManager} from "../../../contracts/settlement/CollateralManager.sol";

/// @notice Random actions across a whole offering on the real token (shipped bytecode): holders transfer, redeem,
/// claim, redirect entitlements to their other wallet and pledge collateral (the real CollateralManager is the
/// token's compliance hook); the agent mints, burns, freezes (whole wallets and parts), locks up, forces transfers,
/// recovers lost wallets, creates distributions, pushes payments, redeems at maturity and amortises; the lender
/// releases and seizes; the registrar links wallets and sanctions investors; the payment token blocks wallets; time
/// passes, past claim expiries and long stops.
///
/// Five investors, each with a primary wallet (registered from the start, holding tokens) and a second wallet
/// that the registrar links with `addWallet` during the run (then `syncInvestorWallet` on both, as the docs
/// direct); recovery moves a linked investor's tokens from one of its wallets to the other.
///
/// Holder-initiated moves (transfer, redeem) are checked as they happen: none may take a wallet's balance below
/// its partially frozen amount, below its pledge, or below the two together; nor may the maturity batch, which
/// keeps both parts back. A recovery must carry the balance, the frozen amount, the lockup and the wallet freeze
/// to the new wallet. A violation is counted, with the actions of the run so far, rather than reverting, because
/// forge drops reverting handler calls. Agent moves (forced transfer, burn, recovery, seizure) may take frozen and
/// pledged tokens (ERC-3643 agent power) and are not checked against them.
///
/// Two shortcuts keep the harness fast (runs and depth from foundry.toml): related actions share an entry point,
/// and actions aim where they can do something (a holder with tokens, a wallet with a pledge, escrow or owed
/// principal, a distribution still open), falling back to an arbitrary wallet when none qualifies. The setup
/// leaves a coupon open and principal owed (a payment the blocklist refused), so cash flows start at once.
/// Known gap: a second wallet is linked while empty and synced at once, so the token's fold of two non-empty
/// wallets (the double count a forgotten sync leaves) is not exercised here.
contract LifecycleHandler is TestBase {
    uint256 public constant INVESTORS = 5;
    uint256 public constant WALLETS = 2 * INVESTORS;
    uint256 internal constant MAX_DISTRIBUTIONS = 6;
    address public constant TREASURY = address(0x7E);
    address public constant TAX = address(0x7A);
    uint256 internal constant CLAIM_PERIOD = 30 days;

    ISecurityToken public immutable token;
    InvestorRegistry public immutable registry;
    Distributor public immutable distributor;
    Redemption public immutable redemption;
    CollateralManager public immutable cm;
    BlocklistCoin public immutable usd;

    /// @dev Wallet i belongs to investor i % INVESTORS: 0..4 primary wallets, 5..9 their second wallets.
    address[WALLETS] internal _wallets;
    bool[INVESTORS] public linked;
    uint256[] public distributionIds;

    /// @dev Holder moves that took a wallet below its frozen amount or below its pledge (each on its own), maturity
    /// batches below the two together, recoveries that dropped a frozen amount, lockup or wallet freeze.
    uint256 public restrictionViolations;
    string public firstRestrictionViolation;
    /// @dev Holder moves that took a wallet below its frozen amount plus its pledge.
    uint256 public frozenPlusPledgedViolations;
    string public firstFrozenPlusPledgedViolation;
    /// @dev Principal that reached holders' wallets, and principal owed that went to the treasury.
    uint256 public principalToHolders;
    uint256 public owedSwept;
    /// @dev Successful actions by kind, to see what a run exercised.
    mapping(bytes32 kind => uint256 count) public done;
    /// @dev The actions so far in this run, in order (for the violation report).
    Step[] internal _steps;

    struct Step {
        bytes32 kind;
        address who;
        uint256 amount;
    }

    constructor(
        ISecurityToken token_,
        InvestorRegistry registry_,
        Distributor distributor_,
        Redemption redemption_,
        CollateralManager cm_,
        BlocklistCoin usd_,
        address[WALLETS] memory wallets_
    ) {
        token = token_;
        registry = registry_;
        distributor = distributor_;
        redemption = redemption_;
        cm = cm_;
        usd = usd_;
        _wallets = wallets_;
        usd_.approve(address(distributor_), type(uint256).max);
        usd_.approve(address(redemption_), type(uint256).max);
    }

    // ------------------------------------------------------------------ views for the invariants

    function wallet(uint256 i) external view returns (address) {
        return _wallets[i];
    }

    function distributionCount() external view returns (uint256) {
        return distributionIds.length;
    }

    // ------------------------------------------------------------------ holder actions (checked)
    // Forge picks target functions uniformly: related actions share one entry point (a selector argument) so that
    // multi-step flows (a share escrowed, the holder cleared, the escrow released) fit in one run.

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _holder(fromSeed);
        address to = _registered(toSeed);
        uint256 balance = token.balanceOf(from);
        amount = _holderAmount(from, amount);
        Kept memory kept = _frozenAndPledged(from);
        vm.prank(from);
        try token.transfer(to, amount) {
            _afterHolderMove("transfer", from, balance, kept, amount);
        } catch {}
    }

    function redeem(uint256 seed, uint256 amount) external {
        address holder = _holder(seed);
        uint256 balance = token.balanceOf(holder);
        amount = _holderAmount(holder, amount);
        Kept memory kept = _frozenAndPledged(holder);
        vm.prank(holder);
        try redemption.redeem(amount) returns (uint256 paid) {
            principalToHolders += paid;
            _afterHolderMove("redeem", holder, balance, kept, amount);
        } catch {}
    }

    /// @notice The maturity batch over up to three holders: an agent action, documented to keep frozen and pledged
    /// parts with the holder, so it is checked like a holder's own move.
    function redeemBatch(uint256 seed) external {
        address[] memory holders = new address[](1 + seed % 3);
        for (uint256 i; i < holders.length; ++i) {
            holders[i] = _holder(seed >> (8 * (i + 1)));
        }
        uint256[] memory balances = new uint256[](holders.length);
        Kept[] memory kept = new Kept[](holders.length);
        for (uint256 i; i < holders.length; ++i) {
            balances[i] = token.balanceOf(holders[i]);
            kept[i] = _frozenAndPledged(holders[i]);
        }
        uint256 owedBefore = _totalOwed();
        try redemption.redeemBatch(holders) returns (uint256 paid) {
            principalToHolders += paid - (_totalOwed() - owedBefore);
            for (uint256 i; i < holders.length; ++i) {
                // A holder listed twice is checked against its state before the batch: still a lower bound.
                _afterBatch(holders[i], balances[i], kept[i]);
            }
        } catch {}
    }

    /// @notice The holder pledges part of its tokens to the lender (this handler).
    function pledge(uint256 seed, uint256 amount) external {
        address holder = _holder(seed);
        amount = bound(amount, 1, token.balanceOf(holder) + 1);
        vm.prank(holder);
        try cm.pledge(address(this), amount) {
            _done("pledge", holder, amount);
        } catch {}
    }

    // ------------------------------------------------------------------ distributions

    /// @notice A distribution funded by the paying agent or, one time in four, an amortisation instalment
    /// funded from the principal pool.
    function createDistribution(uint256 amount) external {
        if (distributionIds.length >= MAX_DISTRIBUTIONS) return;
        uint64 expiry = uint64(block.timestamp + CLAIM_PERIOD);
        if (amount % 4 == 0) {
            try redemption.amortise(bound(amount >> 2, 1, 3), expiry) returns (uint256 id, uint256 funded) {
                distributionIds.push(id);
                _done("amortise", address(0), funded);
            } catch {}
            return;
        }
        amount = bound(amount, 1, 1e9);
        usd.mint(address(this), amount);
        try distributor.createDistribution(address(token), address(usd), amount, expiry, 0) returns (uint256 id) {
            distributionIds.push(id);
            _done("createDistribution", address(0), amount);
        } catch {}
    }

    /// @notice A holder claims its share, to itself or to its other wallet (`claimTo`).
    function claim(uint256 distSeed, uint256 seed, bool toOtherWallet) external {
        if (distributionIds.length == 0) return;
        uint256 id = _openDistribution(distSeed);
        address holder = _entitled(id, seed);
        vm.prank(holder);
        if (toOtherWallet) {
            try distributor.claimTo(id, holder, _otherWallet(holder)) returns (uint256 net) {
                _done("claimTo", holder, net);
            } catch {}
        } else {
            try distributor.claim(id) returns (uint256 net) {
                _done("claim", holder, net);
            } catch {}
        }
    }

    function pushBatch(uint256 distSeed, uint256 seed) external {
        if (distributionIds.length == 0) return;
        uint256 id = _openDistribution(distSeed);
        address[] memory holders = new address[](1 + seed % 4);
        for (uint256 i; i < holders.length; ++i) {
            holders[i] = _entitled(id, seed >> (8 * (i + 1)));
        }
        try distributor.pushBatch(id, holders) returns (uint256 count) {
            _done("pushBatch", address(0), count);
        } catch {}
    }

    /// @notice Escrow released to the holder (anyone may call) or, by the holder, to its other wallet: preferably
    /// escrow whose destination may be paid now.
    function releaseWithheld(uint256 distSeed, uint256 seed, bool toOtherWallet) external {
        if (distributionIds.length == 0) return;
        (uint256 id, address holder) = _escrowed(distSeed, seed, toOtherWallet);
        if (toOtherWallet) {
            vm.prank(holder);
            try distributor.releaseWithheldTo(id, holder, _otherWallet(holder)) returns (uint256 amount) {
                _done("releaseWithheldTo", holder, amount);
            } catch {}
        } else {
            try distributor.releaseWithheld(id, holder) returns (uint256 amount) {
                _done("releaseWithheld", holder, amount);
            } catch {}
        }
    }

    /// @notice After the claim expiry: reclaim the unpaid shares; after the long stop: sweep the escrow. Admin
    /// switches whether distributions created from now on return escrow at reclaim.
    function closeDistribution(uint256 distSeed, bool sweep, bool returnWithheldFromNowOn) external {
        distributor.setReturnWithheldAtExpiry(returnWithheldFromNowOn);
        if (distributionIds.length == 0) return;
        uint256 id = _distribution(distSeed);
        if (sweep) {
            try distributor.sweepWithheld(id) returns (uint256 amount) {
                _done("sweepWithheld", address(0), amount);
            } catch {}
        } else {
            try distributor.reclaimExpired(id) returns (uint256 amount) {
                _done("reclaimExpired", address(0), amount);
            } catch {}
        }
    }

    // ------------------------------------------------------------------ principal

    /// @notice Owed principal paid to the holder (anyone), to its other wallet (the holder) or swept after the long
    /// stop; or more principal funded.
    function principal(uint256 seed, uint256 which) external {
        which %= 4;
        if (which == 3) {
            uint256 amount = bound(seed, 1, 1e9);
            usd.mint(address(this), amount);
            try redemption.fundPrincipal(amount) {
                _done("fundPrincipal", address(0), amount);
            } catch {}
            return;
        }
        _redirect = which == 1;
        address holder = _first(seed, _isOwedAndPayable);
        if (holder == _wallets[seed % WALLETS] && !_isOwedAndPayable(holder)) holder = _first(seed, _isOwed);
        if (which == 0) {
            try redemption.payOwed(holder) returns (uint256 amount) {
                principalToHolders += amount;
                _done("payOwed", holder, amount);
            } catch {}
        } else if (which == 1) {
            vm.prank(holder);
            try redemption.payOwedTo(holder, _otherWallet(holder)) returns (uint256 amount) {
                principalToHolders += amount;
                _done("payOwedTo", holder, amount);
            } catch {}
        } else {
            try redemption.sweepOwed(holder) returns (uint256 amount) {
                owedSwept += amount;
                _done("sweepOwed", holder, amount);
            } catch {}
        }
    }

    // ------------------------------------------------------------------ agent, lender and registrar actions

    function mint(uint256 seed, uint256 amount) external {
        address to = _registered(seed);
        amount = bound(amount, 1, 1e5);
        try token.mint(to, amount) {
            _done("mint", to, amount);
        } catch {}
    }

    /// @notice An agent burn or forced transfer: may take frozen and pledged tokens.
    function agentMove(uint256 fromSeed, uint256 toSeed, uint256 amount, bool burn) external {
        address from = _holder(fromSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        if (burn) {
            try token.burn(from, amount) {
                _done("burn", from, amount);
            } catch {}
        } else {
            try token.forcedTransfer(from, _registered(toSeed), amount) {
                _done("forcedTransfer", from, amount);
            } catch {}
        }
    }

    /// @notice A court order freezes part of a holder's tokens, or lifts part of a freeze.
    function partialFreeze(uint256 seed, uint256 amount, bool unfreeze) external {
        if (unfreeze) {
            address holder = _first(seed, _hasFrozenTokens);
            amount = bound(amount, 0, token.getFrozenTokens(holder));
            try token.unfreezePartialTokens(holder, amount) {
                _done("unfreezePartial", holder, amount);
            } catch {}
        } else {
            address holder = _holder(seed);
            amount = bound(amount, 0, token.balanceOf(holder) - token.getFrozenTokens(holder));
            try token.freezePartialTokens(holder, amount) {
                _done("freezePartial", holder, amount);
            } catch {}
        }
    }

    /// @notice The lender releases part of a pledge or, on default, seizes it to a registered wallet.
    function endPledge(uint256 seed, uint256 amount, uint256 toSeed, bool seize) external {
        address holder = _first(seed, _hasPledge);
        amount = bound(amount, 1, cm.lockedOf(holder) + 1);
        if (seize) {
            try cm.seize(holder, amount, _registered(toSeed)) {
                _done("seize", holder, amount);
            } catch {}
        } else {
            try cm.release(holder, amount) {
                _done("releasePledge", holder, amount);
            } catch {}
        }
    }

    /// @notice The registrar links an investor's second wallet (synced on the token at once, as the docs direct),
    /// or the agent recovers a linked investor's wallet to its other wallet (either way round).
    function identity(uint256 seed, bool recover) external {
        if (recover) {
            address lost = _first(seed, _isLinkedHolder);
            address newWallet = _otherWallet(lost);
            Carried memory before = _carried(lost, newWallet);
            try token.recoveryAddress(lost, newWallet, address(0)) {
                _done("recover", lost, before.balance);
                _afterRecovery(lost, newWallet, before);
            } catch {}
            return;
        }
        uint256 i = seed % INVESTORS;
        if (linked[i]) return;
        linked[i] = true;
        registry.addWallet(_wallets[i], _wallets[i + INVESTORS]);
        token.syncInvestorWallet(_wallets[i]);
        token.syncInvestorWallet(_wallets[i + INVESTORS]);
        _done("link", _wallets[i], 0);
    }

    /// @notice A wallet holding tokens becomes ineligible for a while: frozen on the token, sanctioned in the
    /// registry, blocked by the payment token, or locked up.
    function restrict(uint256 seed, uint256 which) external {
        address holder = _holder(seed);
        which %= 4;
        if (which == 0) {
            token.setAddressFrozen(holder, true);
            _done("freezeWallet", holder, 0);
        } else if (which == 1) {
            try registry.setInvestorFrozen(holder, true) {
                _done("sanction", holder, 0);
            } catch {}
        } else if (which == 2) {
            usd.setBlocked(holder, true);
            _done("usdBlock", holder, 0);
        } else {
            uint256 duration = 1 + (seed >> 8) % 20 days;
            token.setInvestorLockup(holder, uint40(block.timestamp + duration));
            _done("lockup", holder, duration);
        }
    }

    /// @notice A restricted wallet is cleared: the agent, the registrar and the payment token's issuer lift what
    /// they had put on it (a recovered wallet's retirement included: an agent decision).
    function clear(uint256 seed) external {
        address holder = _first(seed, _isRestricted);
        token.setAddressFrozen(holder, false);
        if (registry.contains(holder)) registry.setInvestorFrozen(holder, false);
        usd.setBlocked(holder, false);
        token.setInvestorLockup(holder, 0);
        _done("clear", holder, 0);
    }

    /// @notice Time passes: up to 10 days, or (one time in four) past every long stop set here (365 days after a
    /// claim expiry or an owed payment).
    function warp(uint256 seconds_) external {
        if (seconds_ % 4 == 0) {
            vm.warp(block.timestamp + 366 days + CLAIM_PERIOD);
            _done("warpFar", address(0), 0);
        } else {
            seconds_ = bound(seconds_, 1, 10 days);
            vm.warp(block.timestamp + seconds_);
            _done("warp", address(0), seconds_);
        }
    }

    // ------------------------------------------------------------------ helpers

    function _index(address w) internal view returns (uint256 i) {
        while (_wallets[i] != w) ++i;
    }

    /// @dev The other wallet of the investor owning `w`.
    function _otherWallet(address w) internal view returns (address) {
        return _wallets[(_index(w) + INVESTORS) % WALLETS];
    }

    /// @dev The first wallet from `seed % WALLETS` on (cyclically) that passes `test`, or that wallet if none does:
    /// actions go where they can do something, and still try the rest now and then.
    function _first(uint256 seed, function(address) view returns (bool) test) internal view returns (address) {
        uint256 start = seed % WALLETS;
        for (uint256 k; k < WALLETS; ++k) {
            address w = _wallets[(start + k) % WALLETS];
            if (test(w)) return w;
        }
        return _wallets[start];
    }

    function _holder(uint256 seed) internal view returns (address) {
        return _first(seed, _hasTokens);
    }

    function _registered(uint256 seed) internal view returns (address) {
        return _first(seed, _isRegistered);
    }

    /// @dev A wallet with a share of distribution `id` it has not been paid.
    function _entitled(uint256 id, uint256 seed) internal returns (address) {
        _currentDistribution = id;
        return _first(seed, _hasShare);
    }

    /// @dev A (distribution, wallet) with escrow, preferably one that can be paid now to the wallet or, if
    /// `redirect`, to its other wallet; scanning from `distSeed` and `seed`.
    function _escrowed(uint256 distSeed, uint256 seed, bool redirect) internal returns (uint256, address) {
        _redirect = redirect;
        uint256 n = distributionIds.length;
        for (uint256 pass; pass < 2; ++pass) {
            for (uint256 k; k < n; ++k) {
                _currentDistribution = distributionIds[(distSeed % n + k) % n];
                address w = _first(seed, pass == 0 ? _hasPayableEscrow : _hasEscrow);
                if (pass == 0 ? _hasPayableEscrow(w) : _hasEscrow(w)) return (_currentDistribution, w);
            }
        }
        return (_distribution(distSeed), _wallets[seed % WALLETS]);
    }

    uint256 internal _currentDistribution;
    /// @dev Whether the payment being looked for goes to the holder's other wallet.
    bool internal _redirect;

    /// @dev Whether a payment meant for `w` could be made now: to `w`, or if {_redirect} to its other wallet
    /// (linked: same investor).
    function _payable(address w) internal view returns (bool) {
        address to = _redirect ? _otherWallet(w) : w;
        if (_redirect && !linked[_index(w) % INVESTORS]) return false;
        (,, uint8 code,) = token.holderAt(to, 0);
        return code == 0 && !usd.blocked(to);
    }

    function _hasPayableEscrow(address w) internal view returns (bool) {
        return _hasEscrow(w) && _payable(w);
    }

    function _isOwedAndPayable(address w) internal view returns (bool) {
        return _isOwed(w) && _payable(w);
    }

    function _hasTokens(address w) internal view returns (bool) {
        return token.balanceOf(w) != 0;
    }

    function _isRegistered(address w) internal view returns (bool) {
        return registry.contains(w);
    }

    function _isLinkedHolder(address w) internal view returns (bool) {
        return linked[_index(w) % INVESTORS] && token.balanceOf(w) != 0;
    }

    function _isRestricted(address w) internal view returns (bool) {
        (uint256 lockedUntil,,) = token.lockupOf(w);
        return token.isFrozen(w) || (registry.contains(w) && !registry.isVerified(w)) || usd.blocked(w)
            || lockedUntil > block.timestamp;
    }

    function _hasFrozenTokens(address w) internal view returns (bool) {
        return token.getFrozenTokens(w) != 0;
    }

    function _hasPledge(address w) internal view returns (bool) {
        return cm.lockedOf(w) != 0;
    }

    function _isOwed(address w) internal view returns (bool) {
        return redemption.owedTo(w) != 0;
    }

    function _hasShare(address w) internal view returns (bool) {
        (uint256 gross,,,, bool paid) = distributor.claimable(_currentDistribution, w);
        return gross != 0 && !paid;
    }

    function _hasEscrow(address w) internal view returns (bool) {
        return distributor.withheldOf(_currentDistribution, w) != 0;
    }

    function _distribution(uint256 seed) internal view returns (uint256) {
        return distributionIds[seed % distributionIds.length];
    }

    /// @dev The first distribution from `seed` on still open for claims, or that one if none is.
    function _openDistribution(uint256 seed) internal view returns (uint256) {
        uint256 n = distributionIds.length;
        for (uint256 k; k < n; ++k) {
            uint256 id = distributionIds[(seed % n + k) % n];
            Distributor.DistributionInfo memory info = distributor.distribution(id);
            if (!info.reclaimed && block.timestamp <= info.claimExpiry) return id;
        }
        return _distribution(seed);
    }

    /// @dev One time in three the most the holder may move under each rule on its own (the token's transferable
    /// balance and the balance above the pledge), else any amount up to the balance.
    function _holderAmount(address holder, uint256 seed) internal view returns (uint256) {
        uint256 balance = token.balanceOf(holder);
        if (seed % 3 == 0) {
            uint256 transferable = token.transferableBalanceOf(holder);
            uint256 pledged = cm.lockedOf(holder);
            uint256 abovePledge = balance > pledged ? balance - pledged : 0;
            return transferable < abovePledge ? transferable : abovePledge;
        }
        return bound(seed, 0, balance);
    }

    /// @dev A wallet's partially frozen amount and its pledge.
    struct Kept {
        uint256 frozen;
        uint256 pledged;
    }

    function _frozenAndPledged(address holder) internal view returns (Kept memory) {
        return Kept(token.getFrozenTokens(holder), cm.lockedOf(holder));
    }

    function _totalOwed() internal view returns (uint256 owed) {
        for (uint256 i; i < WALLETS; ++i) {
            owed += redemption.owedTo(_wallets[i]);
        }
    }

    /// @dev A holder-initiated move that lowered `holder`'s balance must leave at least what was frozen and at
    /// least what was pledged before it (each rule on its own: {restrictionViolations}), and at least the two
    /// together ({frozenPlusPledgedViolations}).
    function _afterHolderMove(bytes32 kind, address holder, uint256 balanceBefore, Kept memory kept, uint256 amount)
        internal
    {
        uint256 balance = token.balanceOf(holder);
        _done(kind, holder, balanceBefore - balance);
        if (balance >= balanceBefore) return;
        if (balance < kept.frozen || balance < kept.pledged) {
            ++restrictionViolations;
            if (bytes(firstRestrictionViolation).length == 0) {
                firstRestrictionViolation = _describe(kind, holder, amount, balanceBefore, balance, kept);
            }
        }
        if (balance < kept.frozen + kept.pledged) {
            ++frozenPlusPledgedViolations;
            if (bytes(firstFrozenPlusPledgedViolation).length == 0) {
                firstFrozenPlusPledgedViolation = _describe(kind, holder, amount, balanceBefore, balance, kept);
            }
        }
    }

    /// @dev The maturity batch promises to keep the frozen and the pledged parts together (contracts/cashflow/README.md).
    function _afterBatch(address holder, uint256 balanceBefore, Kept memory kept) internal {
        uint256 balance = token.balanceOf(holder);
        _done("redeemBatch", holder, balanceBefore - balance);
        if (balance < balanceBefore && balance < kept.frozen + kept.pledged) {
            ++restrictionViolations;
            if (bytes(firstRestrictionViolation).length == 0) {
                firstRestrictionViolation =
                    _describe("redeemBatch", holder, balanceBefore - balance, balanceBefore, balance, kept);
            }
        }
    }

    /// @dev What a recovery must carry to the new wallet: the balance, the frozen amount, the lockup, the freeze.
    struct Carried {
        uint256 balance;
        uint256 frozen;
        uint256 lockedUntil;
        bool walletFrozen;
        uint256 newBalance;
        uint256 newFrozen;
    }

    function _carried(address lost, address newWallet) internal view returns (Carried memory c) {
        c.balance = token.balanceOf(lost);
        c.frozen = token.getFrozenTokens(lost);
        (c.lockedUntil,,) = token.lockupOf(lost);
        c.walletFrozen = token.isFrozen(lost);
        c.newBalance = token.balanceOf(newWallet);
        c.newFrozen = token.getFrozenTokens(newWallet);
    }

    function _afterRecovery(address lost, address newWallet, Carried memory before) internal {
        (uint256 lockedUntil,,) = token.lockupOf(newWallet);
        bool ok = token.balanceOf(lost) == 0 && token.isFrozen(lost)
            && token.balanceOf(newWallet) == before.newBalance + before.balance
            && token.getFrozenTokens(newWallet) == before.newFrozen + before.frozen && lockedUntil >= before.lockedUntil
            && (!before.walletFrozen || token.isFrozen(newWallet));
        if (!ok) {
            ++restrictionViolations;
            if (bytes(firstRestrictionViolation).length == 0) {
                firstRestrictionViolation = string.concat(
                    "recovery from ",
                    vm.toString(lost),
                    " dropped a balance, frozen amount, lockup or freeze; actions:",
                    _trail()
                );
            }
        }
    }

    function _describe(
        bytes32 kind,
        address holder,
        uint256 amount,
        uint256 balanceBefore,
        uint256 balance,
        Kept memory kept
    ) internal view returns (string memory) {
        return string.concat(
            _name(kind),
            " by ",
            vm.toString(holder),
            " (amount ",
            vm.toString(amount),
            "): balance ",
            vm.toString(balanceBefore),
            " -> ",
            vm.toString(balance),
            ", frozen ",
            vm.toString(kept.frozen),
            " and pledged ",
            vm.toString(kept.pledged),
            " before; actions:",
            _trail()
        );
    }

    function _done(bytes32 kind, address who, uint256 amount) internal {
        ++done[kind];
        _steps.push(Step(kind, who, amount));
    }

    function _trail() internal view returns (string memory s) {
        for (uint256 i; i < _steps.length; ++i) {
            Step memory step = _steps[i];
            s = string.concat(s, " ", _name(step.kind), "(", vm.toString(step.who), ",", vm.toString(step.amount), ")");
        }
    }

    function _name(bytes32 kind) internal pure returns (string memory s) {
        uint256 n;
        while (n < 32 && kind[n] != 0) ++n;
        s = new string(n);
        for (uint256 i; i < n; ++i) {
            bytes(s)[i] = kind[i];
        }
    }
}

/// @notice The invariants of a whole offering under {LifecycleHandler}'s random actions.
contract LifecycleInvariantsTest is TestBase {
    uint256 internal constant T0 = 1_700_000_000;
    uint16 internal constant HK = 344;
    uint16 internal constant SG = 702;
    uint16 internal constant US = 840;
    uint32 internal constant PROFESSIONAL = 2;
    uint32 internal constant ACCREDITED = 4;
    address internal constant TREASURY = address(0x7E);
    address internal constant TAX = address(0x7A);

    ISecurityToken internal token;
    InvestorRegistry internal registry;
    Distributor internal distributor;
    Redemption internal redemption;
    CollateralManager internal cm;
    BlocklistCoin internal usd;
    LifecycleHandler internal handler;
    /// @dev Investor i's country: 0 and 1 HK, 2 and 4 SG, 3 US (accredited).
    uint16[5] internal countries = [HK, HK, SG, US, SG];

    function setUp() public {
        vm.warp(T0);
        registry = InvestorRegistry(Clones.clone(Shipped.deploy("InvestorRegistry")));
        registry.initialize(address(this));
        token = ISecurityToken(Clones.clone(Shipped.deploy("SecurityToken")));
        token.initialize("Lease ABS 2030", "LEASE30", 0, address(registry), address(this), 0);
        usd = new BlocklistCoin();
        distributor = Distributor(Clones.clone(Shipped.deploy("Distributor", abi.encode(address(0)))));
        distributor.initialize(address(this), address(0), TREASURY, TAX);
        redemption = Redemption(Clones.clone(Shipped.deploy("Redemption")));
        cm = CollateralManager(Shipped.deploy("CollateralManager", abi.encode(address(token), address(this))));

        address[10] memory wallets;
        for (uint256 i; i < 10; ++i) {
            wallets[i] = address(uint160((i < 5 ? 0x1000 : 0x2000) + i % 5));
        }
        handler = new LifecycleHandler(token, registry, distributor, redemption, cm, usd, wallets);

        // Registry: five investors, KYC valid for the whole run (it warps past several long stops).
        registry.grantRole(registry.REGISTRAR_ROLE(), address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(handler));
        for (uint256 i; i < 5; ++i) {
            registry.registerInvestor(
                wallets[i],
                keccak256(abi.encode("investor", i)),
                countries[i],
                i == 3 ? ACCREDITED : PROFESSIONAL,
                uint40(T0 + 200 * 365 days)
            );
        }

        // Token: HK, SG and US (accredited only), the CollateralManager as hook and agent.
        token.grantRole(token.AGENT_ROLE(), address(this));
        token.grantRole(token.COMPLIANCE_ROLE(), address(this));
        token.grantRole(token.AGENT_ROLE(), address(handler));
        token.grantRole(token.COMPLIANCE_ROLE(), address(handler));
        token.setAllowlistMode(true);
        token.setCountryRule(HK, true, false, 0, 0);
        token.setCountryRule(SG, true, false, 0, 0);
        token.setCountryRule(US, true, false, ACCREDITED, 0);
        token.setComplianceHook(address(cm));
        token.grantRole(token.AGENT_ROLE(), address(cm));
        cm.grantRole(cm.LENDER_ROLE(), address(handler));

        // Distributor: the handler is paying agent and admin; SG investors pay 10% withholding.
        distributor.grantRole(distributor.DISTRIBUTION_AGENT_ROLE(), address(handler));
        distributor.grantRole(bytes32(0), address(handler));
        distributor.allowPaymentToken(address(usd), bytes8("USD"), false);
        distributor.setExcludedWallets(address(token), new address[](0));
        distributor.setWithholdingRate(SG, 1000);
        distributor.setLongStop(365);
        token.grantRole(token.SNAPSHOT_ROLE(), address(distributor));

        // Redemption: open now, 100 USD units per token, the handler as agent; amortises through the Distributor.
        redemption.initialize(
            address(this), address(handler), address(token), address(usd), address(distributor), TREASURY, 100, 0
        );
        redemption.setLongStop(365);
        token.grantRole(token.AGENT_ROLE(), address(redemption));
        distributor.grantRole(distributor.DISTRIBUTION_AGENT_ROLE(), address(redemption));

        for (uint256 i; i < 5; ++i) {
            token.mint(wallets[i], 1_000 * (i + 1));
        }
        usd.mint(address(handler), 1e12);
        vm.prank(address(handler));
        redemption.fundPrincipal(1e9);
        // An offering already paying: every run starts with a coupon open for claims and with principal owed to
        // investor 4, whose wallet the payment token blocked when a maturity batch redeemed it.
        handler.createDistribution(1e8 + 1);
        usd.setBlocked(wallets[4], true);
        address[] memory batch = new address[](1);
        batch[0] = wallets[4];
        vm.prank(address(handler));
        redemption.redeemBatch(batch);
        usd.setBlocked(wallets[4], false);
    }

    /// @dev forge reads this (forge-std's StdInvariant does the same) to fuzz only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Token and cash-flow accounting, in one campaign (each invariant function is a campaign of its own).
    function invariant_accounting() public view {
        _supplyFreezesAndInvestors();
        _distributorHoldsWhatItOwes();
        _redemptionHoldsWhatItOwes();
        _paymentsReachedWhomTheyWereBookedTo();
    }

    /// @notice No holder-initiated move (transfer, redeem) took a wallet below its partially frozen amount or below
    /// its pledge; no maturity batch took a wallet below the two together; every recovery carried the balance,
    /// the frozen amount, the lockup and the wallet freeze to the new wallet and retired the lost one.
    function invariant_holder_moves_keep_each_restriction() public view {
        if (handler.restrictionViolations() != 0) {
            revert AssertionFailed(handler.firstRestrictionViolation(), handler.restrictionViolations(), 0);
        }
    }

    /// @notice No holder-initiated move (transfer, redeem) took a wallet's balance below its partially frozen
    /// amount plus its pledge, the amounts the maturity batch keeps back together.
    function invariant_holder_moves_keep_frozen_plus_pledged() public view {
        if (handler.frozenPlusPledgedViolations() != 0) {
            revert AssertionFailed(handler.firstFrozenPlusPledgedViolation(), handler.frozenPlusPledgedViolations(), 0);
        }
    }

    /// @dev Total supply is the sum of all balances (every address that can hold tokens is a handler wallet);
    /// frozen <= balance everywhere; an investor is counted once however many wallets it has.
    function _supplyFreezesAndInvestors() internal view {
        uint256 sum;
        uint256[5] memory holdings;
        for (uint256 i; i < 10; ++i) {
            address w = handler.wallet(i);
            uint256 balance = token.balanceOf(w);
            sum += balance;
            holdings[i % 5] += balance;
            assertLe(token.getFrozenTokens(w), balance, "frozen <= balance");
        }
        assertEq(sum, token.totalSupply(), "total supply == sum of balances");
        uint256 investors;
        uint256 hk;
        uint256 sg;
        uint256 us;
        for (uint256 k; k < 5; ++k) {
            if (holdings[k] == 0) continue;
            ++investors;
            if (countries[k] == HK) ++hk;
            else if (countries[k] == SG) ++sg;
            else ++us;
        }
        assertEq(token.investorCount(), investors, "investorCount == investors holding tokens");
        assertEq(token.countryInvestorCount(HK), hk, "HK investors");
        assertEq(token.countryInvestorCount(SG), sg, "SG investors");
        assertEq(token.countryInvestorCount(US), us, "US investors");
    }

    /// @dev Each distribution reconciles to the unit, and the Distributor holds exactly the escrow still
    /// outstanding plus the shares not reclaimed yet.
    function _distributorHoldsWhatItOwes() internal view {
        uint256 owed;
        uint256 n = handler.distributionCount();
        for (uint256 i; i < n; ++i) {
            Distributor.DistributionTotals memory t = distributor.distributionTotals(handler.distributionIds(i));
            assertEq(
                t.paidNet + t.taxPaid + t.withheldOutstanding + t.withheldReleased + t.withheldReturned + t.unpaid,
                t.funded,
                "funded == paidNet + taxPaid + withheldOutstanding + withheldReleased + withheldReturned + unpaid"
            );
            owed += t.withheldOutstanding + (t.reclaimed ? 0 : t.unpaid);
        }
        assertEq(usd.balanceOf(address(distributor)), owed, "Distributor balance == escrow + unreclaimed shares");
    }

    /// @dev Where the payment token went: the tax account holds the tax booked, the treasury what reclaims and
    /// sweeps booked to it, and holders' wallets the net payments, released escrow and principal booked to them.
    function _paymentsReachedWhomTheyWereBookedTo() internal view {
        uint256 tax;
        uint256 toTreasury = handler.owedSwept();
        uint256 toHolders = handler.principalToHolders();
        uint256 n = handler.distributionCount();
        for (uint256 i; i < n; ++i) {
            Distributor.DistributionTotals memory t = distributor.distributionTotals(handler.distributionIds(i));
            tax += t.taxPaid;
            toTreasury += t.withheldReturned + (t.reclaimed ? t.unpaid : 0);
            toHolders += t.paidNet + t.withheldReleased;
        }
        uint256 held;
        for (uint256 i; i < 10; ++i) {
            held += usd.balanceOf(handler.wallet(i));
        }
        assertEq(usd.balanceOf(TAX), tax, "tax account == tax booked");
        assertEq(usd.balanceOf(TREASURY), toTreasury, "treasury == reclaimed + returned escrow + swept principal");
        assertEq(held, toHolders, "holders == net paid + escrow released + principal paid");
    }

    /// @dev Redemption holds exactly its principal pool plus the principal it owes after failed payments.
    function _redemptionHoldsWhatItOwes() internal view {
        uint256 owed = redemption.principalAvailable();
        for (uint256 i; i < 10; ++i) {
            owed += redemption.owedTo(handler.wallet(i));
        }
        assertEq(usd.balanceOf(address(redemption)), owed, "Redemption balance == pool + owed principal");
    }
}
