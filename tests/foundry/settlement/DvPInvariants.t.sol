// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/Vm.sol";
import {TokenFixture} from "../TokenFixture.t.sol";
import {DvPSettlement} from "../../../contracts/settlement/DvPSettlement.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice Drives DvPSettlement with random trades between five parties (0 and 1 HK professional, 2 and 3 SG
/// accredited, 4 unregistered) and random changes around them (freezes, allowances, payments, cancellations,
/// fee recipient, time). Every settlement attempt is checked against balances and the seller's nonce taken
/// before and after it; a mismatch is counted in {violations} rather than reverting, because forge discards
/// reverting handler calls.
contract DvPHandler is TestBase {
    address internal constant PLATFORM = address(0x91A7);
    address public constant FEES = address(0xFEE5);
    uint256 internal constant OTHER_KEY = 0x0BAD;
    uint256 internal constant PARTIES = 5;
    /// @dev Balances tracked per attempt: the parties, the fee account and the DvP contract itself.
    uint256 public constant ACCOUNTS = PARTIES + 2;
    /// @dev Few nonces per seller, so reused and cancelled nonces come up often.
    uint256 internal constant NONCES = 8;
    uint256 internal constant POOL = 8;
    /// @dev Faults injected into a trade, at most one each ({_fault}; the other values make a sound trade, and
    /// fuzzers favour 0, 1 and the maxima, so those stay sound).
    uint256 internal constant EXPIRED = 2;
    uint256 internal constant BAD_AMOUNT = 3;
    uint256 internal constant BAD_PRICE = 4;
    uint256 internal constant FEE_TOO_HIGH = 5;
    uint256 internal constant SELLER_SIG_OTHER_KEY = 6;
    uint256 internal constant BUYER_SIG_OTHER_TERMS = 7;
    uint256 internal constant BUYER_SIG_MISSING = 8;

    DvPSettlement public immutable dvp;
    ISecurityToken public immutable token;
    MockStablecoin public immutable usd;
    address[PARTIES] public parties;

    uint256 public paymentMinted;
    uint256 public settledTrades;
    uint256 public failedAttempts;
    /// @dev Attempts on a nonce already used (replays, resubmissions, cancelled trades) that were refused.
    uint256 public replaysRefused;
    uint256 public violations;
    uint256 public replayViolations;
    string public lastViolation;

    struct UsedNonce {
        address seller;
        uint256 nonce;
    }

    struct Balances {
        uint256[ACCOUNTS] security;
        uint256[ACCOUNTS] payment;
    }

    struct Batch {
        DvPSettlement.Trade[] trades;
        bytes[] sellerSigs;
        bytes[] buyerSigs;
        bool[] first; // first entry of its (seller, nonce) in the batch
        bool[] usedBefore;
    }

    UsedNonce[] internal _used;
    /// @dev Recently built trades, resubmitted or cancelled later (ring buffer).
    DvPSettlement.Trade[POOL] internal _pool;
    uint256 internal _poolSize;
    uint256 internal _poolNext;
    /// @dev Recently settled trades, replayed later (ring buffer).
    DvPSettlement.Trade[POOL] internal _done;
    uint256 internal _doneSize;
    uint256 internal _doneNext;
    uint256 internal _frozenParty; // party index + 1, or 0

    constructor(ISecurityToken token_, MockStablecoin usd_) {
        DvPSettlement dvp_ = DvPSettlement(Shipped.deploy("DvPSettlement", abi.encode(address(this), FEES)));
        dvp = dvp_;
        token = token_;
        usd = usd_;
        for (uint256 i; i < PARTIES; ++i) {
            address p = vm.addr(keyOf(i));
            parties[i] = p;
            usd_.mint(p, 1_000_000);
            vm.prank(p);
            token_.approve(address(dvp_), type(uint256).max);
            vm.prank(p);
            usd_.approve(address(dvp_), type(uint256).max);
        }
        paymentMinted = PARTIES * 1_000_000;
    }

    // ------------------------------------------------------------------ views for the invariants

    function keyOf(uint256 party) public pure returns (uint256) {
        return 0xD0A0 + party;
    }

    function account(uint256 k) public view returns (address) {
        if (k < PARTIES) return parties[k];
        return k == PARTIES ? FEES : address(dvp);
    }

    function usedCount() external view returns (uint256) {
        return _used.length;
    }

    function usedAt(uint256 i) external view returns (address seller, uint256 nonce) {
        UsedNonce storage u = _used[i];
        return (u.seller, u.nonce);
    }

    // ------------------------------------------------------------------ settlement actions

    /// @notice One trade through {DvPSettlement.settle}; a trade that settles is replayed at once.
    /// @dev terms bits: [0,8) nonce, [8,16) injected fault (see EXPIRED...), [16,40) expiry offset,
    /// [40,48) fee on, [48,64) fee, [64,72) caller, [72,80) reuse a pooled trade, [80,88) which one.
    function settle(uint8 sellerSeed, uint8 buyerSeed, uint256 amount, uint256 price, uint256 terms) external {
        DvPSettlement.Trade memory t = _pickTrade(sellerSeed, buyerSeed, amount, price, terms);
        // Sometimes a party settles itself and leaves its own signature empty.
        uint256 by = uint8(terms >> 64) % 8;
        address caller = by == 3 ? t.seller : (by == 4 ? t.buyer : PLATFORM);
        (bytes memory sellerSig, bytes memory buyerSig) = _consent(t, _fault(terms), caller);
        if (_settleOne(t, caller, sellerSig, buyerSig)) {
            _settleOne(t, caller, sellerSig, buyerSig);
        }
    }

    /// @notice Up to four trades through {DvPSettlement.settleBatch}, some of them exact duplicates.
    function settleBatch(uint256 seed, uint8 size, uint8 callerSeed) external {
        uint256 n = bound(size, 1, 4);
        address caller = callerSeed % 4 == 0 ? parties[(callerSeed >> 2) % PARTIES] : PLATFORM;
        Batch memory b = _buildBatch(seed, n, caller);
        Balances memory before = _balances();
        address feeTo = dvp.feeRecipient();
        uint256 count;
        vm.prank(caller);
        try dvp.settleBatch(b.trades, b.sellerSigs, b.buyerSigs) returns (uint256 c) {
            count = c;
        } catch {
            _violation("settleBatch reverted instead of skipping");
            return;
        }
        bool[] memory moved = new bool[](n);
        uint256 newlyUsed;
        for (uint256 i; i < n; ++i) {
            DvPSettlement.Trade memory t = b.trades[i];
            bool usedAfter = dvp.nonceUsed(t.seller, t.nonce);
            if (b.usedBefore[i] && !usedAfter) _violation("nonce freed");
            // Entries sharing a (seller, nonce) are identical, so the first one stands for the group.
            if (b.first[i] && !b.usedBefore[i] && usedAfter) {
                moved[i] = true;
                ++newlyUsed;
                _recordSettled(t);
            }
        }
        if (newlyUsed != count) _violation("batch count differs from nonces used");
        _checkMoves(before, b.trades, moved, feeTo);
        if (count <= n) {
            settledTrades += count;
            failedAttempts += n - count;
        }
    }

    /// @notice Resubmits a settled trade with fresh, valid signatures: it must be refused.
    function replay(uint256 pick, bool bySeller) external {
        if (_doneSize == 0) return;
        DvPSettlement.Trade memory t = _done[pick % _doneSize];
        address caller = bySeller ? t.seller : PLATFORM;
        (bytes memory sellerSig, bytes memory buyerSig) = _consent(t, 0, caller);
        _settleOne(t, caller, sellerSig, buyerSig);
    }

    /// @notice Cancels a pooled trade as its seller, its buyer or a third party; nothing may move.
    function cancel(uint256 pick, uint8 by) external {
        if (_poolSize == 0) return;
        DvPSettlement.Trade memory t = _pool[pick % _poolSize];
        address who = by % 3 == 0 ? t.seller : (by % 3 == 1 ? t.buyer : PLATFORM);
        Balances memory before = _balances();
        bool usedBefore = dvp.nonceUsed(t.seller, t.nonce);
        vm.prank(who);
        try dvp.cancel(t) {
            if (who == t.seller) {
                if (usedBefore) _violation("cancel reused a nonce");
                _used.push(UsedNonce(t.seller, t.nonce));
            }
        } catch {}
        if (usedBefore && !dvp.nonceUsed(t.seller, t.nonce)) _violation("nonce freed");
        _checkMoves(before, new DvPSettlement.Trade[](0), new bool[](0), address(0));
    }

    // ------------------------------------------------------------------ surrounding state

    /// @notice Freezes one party (unfreezing the previous one) or none: more would stop most trades.
    function setFrozen(uint8 who, bool frozen) external {
        if (_frozenParty != 0) token.setAddressFrozen(parties[_frozenParty - 1], false);
        _frozenParty = frozen ? who % PARTIES + 1 : 0;
        if (frozen) token.setAddressFrozen(parties[who % PARTIES], true);
    }

    function freezeTokens(uint8 who, uint256 amount, bool unfreeze) external {
        address p = parties[who % PARTIES];
        uint256 frozen = token.getFrozenTokens(p);
        if (unfreeze) {
            try token.unfreezePartialTokens(p, bound(amount, 0, frozen)) {} catch {}
        } else {
            try token.freezePartialTokens(p, bound(amount, 0, (token.balanceOf(p) - frozen) / 2)) {} catch {}
        }
    }

    function approve(uint8 who, uint256 amount, bool security) external {
        address p = parties[who % PARTIES];
        // One in four: unlimited again; otherwise a random, often too small, allowance.
        uint256 allowance = amount % 4 == 0 ? type(uint256).max : bound(amount >> 2, 0, 1_200_000);
        vm.prank(p);
        if (security) token.approve(address(dvp), allowance);
        else usd.approve(address(dvp), allowance);
    }

    function pay(uint8 from, uint8 to, uint256 amount) external {
        address f = parties[from % PARTIES];
        vm.prank(f);
        try usd.transfer(parties[to % PARTIES], bound(amount, 0, usd.balanceOf(f))) {} catch {}
    }

    function mintPayment(uint8 to, uint256 amount) external {
        amount = bound(amount, 1, 1_000_000);
        usd.mint(parties[to % PARTIES], amount);
        paymentMinted += amount;
    }

    function setFeeRecipient(uint8 which) external {
        // Zero makes every trade with a fee fail; party 0 receives fees on top of its own trades.
        uint256 w = which % 4;
        dvp.setFeeRecipient(w == 0 ? address(0) : (w == 1 ? parties[0] : FEES));
    }

    function warp(uint256 secs) external {
        vm.warp(block.timestamp + bound(secs, 1, 12 hours));
    }

    // ------------------------------------------------------------------ internals

    function _pickTrade(uint8 sellerSeed, uint8 buyerSeed, uint256 amount, uint256 price, uint256 terms)
        internal
        returns (DvPSettlement.Trade memory t)
    {
        if (_poolSize != 0 && (terms >> 72) % 4 == 2) return _pool[uint8(terms >> 80) % _poolSize];
        // Now and then the unregistered party, or the seller buying from itself.
        uint256 s = sellerSeed % 16 == 5 ? PARTIES - 1 : sellerSeed % 4;
        uint256 b = buyerSeed % 16 == 5 ? PARTIES - 1 : (buyerSeed % 16 == 6 ? s : (s + 1 + buyerSeed % 3) % 4);
        t.seller = parties[s];
        t.buyer = parties[b];
        t.securityToken = address(token);
        t.paymentToken = address(usd);
        t.nonce = uint8(terms) % NONCES;
        // At most one fault per trade, so that enough trades settle despite freezes, allowances and nonces.
        uint256 fault = _fault(terms);
        uint256 free = token.balanceOf(t.seller) - token.getFrozenTokens(t.seller);
        if (fault == BAD_AMOUNT) t.securityAmount = amount % 4 == 0 ? 0 : free + 1 + (amount >> 2) % (free + 1);
        else t.securityAmount = bound(amount, 1, free);
        uint256 cash = usd.balanceOf(t.buyer);
        t.paymentAmount = fault == BAD_PRICE ? cash + 1 + price % (cash + 1) : bound(price, 0, cash);
        uint256 offset = uint24(terms >> 16) % 7 days;
        t.expiry = fault == EXPIRED ? uint64(block.timestamp - 1 - offset) : uint64(block.timestamp + offset);
        if (fault == FEE_TOO_HIGH) t.feeBps = uint16(501 + uint16(terms >> 48) % 20);
        else if (uint8(terms >> 40) % 2 == 1) t.feeBps = uint16(bound(uint16(terms >> 48), 1, 500));
        _pool[_poolNext] = t;
        _poolNext = (_poolNext + 1) % POOL;
        if (_poolSize < POOL) ++_poolSize;
    }

    /// @dev Signatures of both parties, none for the caller's own side, spoilt as `fault` says.
    function _consent(DvPSettlement.Trade memory t, uint256 fault, address caller)
        internal
        view
        returns (bytes memory sellerSig, bytes memory buyerSig)
    {
        bytes32 h = dvp.hashTrade(t);
        if (caller != t.seller) {
            sellerSig = _sign(fault == SELLER_SIG_OTHER_KEY ? OTHER_KEY : _keyOfAddress(t.seller), h);
        }
        if (caller == t.buyer || fault == BUYER_SIG_MISSING) return (sellerSig, "");
        if (fault == BUYER_SIG_OTHER_TERMS) {
            t.paymentAmount += 1;
            h = dvp.hashTrade(t);
            t.paymentAmount -= 1;
        }
        buyerSig = _sign(_keyOfAddress(t.buyer), h);
    }

    function _buildBatch(uint256 seed, uint256 n, address caller) internal returns (Batch memory b) {
        b.trades = new DvPSettlement.Trade[](n);
        b.sellerSigs = new bytes[](n);
        b.buyerSigs = new bytes[](n);
        b.first = new bool[](n);
        b.usedBefore = new bool[](n);
        for (uint256 i; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 terms = uint256(keccak256(abi.encode(r, 3)));
            DvPSettlement.Trade memory t = _pickTrade(
                uint8(r),
                uint8(r >> 8),
                uint256(keccak256(abi.encode(r, 1))),
                uint256(keccak256(abi.encode(r, 2))),
                terms
            );
            // Entries with the seller and nonce of an earlier one (and one in five anyway) repeat it exactly,
            // so which of them settled is never ambiguous.
            uint256 dup = i;
            if (i != 0 && uint8(r >> 16) % 5 == 0) dup = uint8(r >> 24) % i;
            for (uint256 j; j < i && dup == i; ++j) {
                if (b.trades[j].seller == t.seller && b.trades[j].nonce == t.nonce) dup = j;
            }
            if (dup != i) {
                b.trades[i] = b.trades[dup];
                b.sellerSigs[i] = b.sellerSigs[dup];
                b.buyerSigs[i] = b.buyerSigs[dup];
                b.usedBefore[i] = b.usedBefore[dup];
                continue;
            }
            b.trades[i] = t;
            b.first[i] = true;
            (b.sellerSigs[i], b.buyerSigs[i]) = _consent(t, _fault(terms), caller);
            b.usedBefore[i] = dvp.nonceUsed(t.seller, t.nonce);
        }
    }

    /// @dev One {DvPSettlement.settle} call, checked: it succeeded exactly when it used the seller's nonce, and
    /// balances moved exactly by both legs then, else not at all.
    function _settleOne(DvPSettlement.Trade memory t, address caller, bytes memory sellerSig, bytes memory buyerSig)
        internal
        returns (bool ok)
    {
        Balances memory before = _balances();
        address feeTo = dvp.feeRecipient();
        bool usedBefore = dvp.nonceUsed(t.seller, t.nonce);
        uint256 violationsBefore = violations;
        vm.prank(caller);
        try dvp.settle(t, sellerSig, buyerSig) returns (bytes32 h) {
            ok = true;
            if (h != dvp.hashTrade(t)) _violation("wrong trade hash");
        } catch {}
        bool usedAfter = dvp.nonceUsed(t.seller, t.nonce);
        if (usedBefore && !usedAfter) _violation("nonce freed");
        bool moved = !usedBefore && usedAfter;
        if (ok != moved) _violation(ok ? "settled without using the nonce" : "failed but used the nonce");
        DvPSettlement.Trade[] memory ts = new DvPSettlement.Trade[](1);
        ts[0] = t;
        bool[] memory m = new bool[](1);
        m[0] = moved;
        _checkMoves(before, ts, m, feeTo);
        if (ok) {
            ++settledTrades;
            if (moved) _recordSettled(t);
        } else {
            ++failedAttempts;
        }
        if (usedBefore) {
            if (violations != violationsBefore) ++replayViolations;
            else ++replaysRefused;
        }
    }

    /// @dev Balances now must equal `before` plus both legs of each moved trade, and nothing else.
    function _checkMoves(Balances memory before, DvPSettlement.Trade[] memory ts, bool[] memory moved, address feeTo)
        internal
    {
        int256[ACCOUNTS] memory dSec;
        int256[ACCOUNTS] memory dPay;
        for (uint256 i; i < ts.length; ++i) {
            if (!moved[i]) continue;
            DvPSettlement.Trade memory t = ts[i];
            uint256 s = _index(t.seller);
            uint256 b = _index(t.buyer);
            dSec[s] -= int256(t.securityAmount);
            dSec[b] += int256(t.securityAmount);
            uint256 fee = t.paymentAmount * t.feeBps / 10_000;
            dPay[b] -= int256(t.paymentAmount);
            dPay[s] += int256(t.paymentAmount - fee);
            if (fee != 0) {
                uint256 f = _index(feeTo);
                if (f == ACCOUNTS) _violation("fee paid to an untracked account");
                else dPay[f] += int256(fee);
            }
        }
        Balances memory afterwards = _balances();
        for (uint256 k; k < ACCOUNTS; ++k) {
            if (int256(afterwards.security[k]) - int256(before.security[k]) != dSec[k]) {
                _violation("security leg");
                return;
            }
            if (int256(afterwards.payment[k]) - int256(before.payment[k]) != dPay[k]) {
                _violation("payment leg");
                return;
            }
        }
    }

    function _balances() internal view returns (Balances memory b) {
        for (uint256 k; k < ACCOUNTS; ++k) {
            address a = account(k);
            b.security[k] = token.balanceOf(a);
            b.payment[k] = usd.balanceOf(a);
        }
    }

    /// @dev ACCOUNTS when untracked (e.g. a zero fee recipient).
    function _index(address a) internal view returns (uint256 k) {
        for (; k < ACCOUNTS; ++k) {
            if (account(k) == a) return k;
        }
    }

    function _fault(uint256 terms) internal pure returns (uint256) {
        return uint8(terms >> 8) % 32;
    }

    function _keyOfAddress(address a) internal view returns (uint256) {
        for (uint256 i; i < PARTIES; ++i) {
            if (parties[i] == a) return keyOf(i);
        }
        return OTHER_KEY;
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _recordSettled(DvPSettlement.Trade memory t) internal {
        _used.push(UsedNonce(t.seller, t.nonce));
        _done[_doneNext] = t;
        _doneNext = (_doneNext + 1) % POOL;
        if (_doneSize < POOL) ++_doneSize;
    }

    function _violation(string memory what) internal {
        ++violations;
        lastViolation = what;
    }
}

/// @notice Invariants of DvPSettlement under random trades: both legs or neither, no custody, conservation,
/// single-use nonces.
contract DvPInvariantsTest is TokenFixture {
    uint256 internal constant SECURITY_PER_PARTY = 10_000;

    DvPHandler internal handler;
    DvPSettlement internal dvp;
    MockStablecoin internal usd;

    function setUp() public override {
        super.setUp();
        usd = new MockStablecoin("USD Coin", "USDC", 6);
        handler = new DvPHandler(token, usd);
        dvp = handler.dvp();
        token.grantRole(token.AGENT_ROLE(), address(handler));
        for (uint256 i; i < 4; ++i) {
            address p = handler.parties(i);
            registry.registerInvestor(
                p, keccak256(abi.encode("dvp party", i)), i < 2 ? HK : SG, i < 2 ? PROFESSIONAL : ACCREDITED, KYC_EXPIRY
            );
            token.mint(p, SECURITY_PER_PARTY);
        }
    }

    /// @dev forge reads this (forge-std's StdInvariant does the same) to fuzz only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_settleMovesBothLegsOrNeither() public view {
        assertEq(handler.violations(), 0, handler.lastViolation());
    }

    function invariant_dvpNeverHoldsTokens() public view {
        assertEq(token.balanceOf(address(dvp)), 0, "security tokens held by DvP");
        assertEq(usd.balanceOf(address(dvp)), 0, "payment tokens held by DvP");
    }

    function invariant_suppliesConserved() public view {
        uint256 securities;
        uint256 payments;
        uint256 n = handler.ACCOUNTS();
        for (uint256 k; k < n; ++k) {
            address a = handler.account(k);
            securities += token.balanceOf(a);
            payments += usd.balanceOf(a);
        }
        assertEq(token.totalSupply(), 4 * SECURITY_PER_PARTY, "security supply changed");
        assertEq(securities, token.totalSupply(), "security tokens outside the tracked accounts");
        assertEq(usd.totalSupply(), handler.paymentMinted(), "payment supply differs from minted");
        assertEq(payments, usd.totalSupply(), "payment tokens outside the tracked accounts");
    }

    function invariant_usedNonceNeverUsableAgain() public view {
        assertEq(handler.replayViolations(), 0, handler.lastViolation());
        uint256 n = handler.usedCount();
        for (uint256 i; i < n; ++i) {
            (address seller, uint256 nonce) = handler.usedAt(i);
            assertTrue(dvp.nonceUsed(seller, nonce), "used nonce became free");
        }
    }

    /// @notice A fixed sequence through the handler settles, fails and refuses replays, so the invariants
    /// above are not vacuously true.
    function test_handlerSequenceSettlesFailsAndRefusesReplays() public {
        // Party 0 sells 100 to party 2 for 5,000 with valid signatures; the immediate replay is refused.
        handler.settle(0, 1, 99, 5_000, 0);
        assertEq(handler.settledTrades(), 1, "settled");
        assertEq(handler.replaysRefused(), 1, "replay refused");
        assertEq(token.balanceOf(handler.parties(2)), SECURITY_PER_PARTY + 100, "delivered");

        // The buyer's allowance is too small: the security leg must be undone with the payment leg.
        handler.approve(2, (10 << 2) | 1, false);
        handler.settle(0, 1, 99, 5_000, 1);
        assertEq(handler.failedAttempts(), 2, "payment leg failed");
        assertEq(token.balanceOf(handler.parties(2)), SECURITY_PER_PARTY + 100, "security leg undone");
        handler.approve(2, 0, false);

        // A frozen buyer, an unregistered buyer, an expired trade and a forged signature all fail.
        handler.setFrozen(2, true);
        handler.settle(0, 1, 99, 5_000, 2);
        handler.setFrozen(2, false);
        handler.settle(0, 5, 99, 5_000, 3);
        handler.settle(0, 1, 99, 5_000, 4 | (2 << 8));
        handler.settle(0, 1, 99, 5_000, 5 | (6 << 8));
        assertEq(handler.failedAttempts(), 6, "failures");

        // Party 1 sells to party 3 with a 1.01% fee and calls itself; then a batch, a replay, a seller
        // cancellation and the resubmission of a pooled trade.
        handler.settle(1, 1, 50, 2_000, 6 | (1 << 40) | (100 << 48) | (3 << 64));
        assertEq(handler.settledTrades(), 2, "settled with fee");
        assertEq(usd.balanceOf(handler.FEES()), 20, "fee paid");
        handler.settleBatch(42, 4, 1);
        handler.replay(0, false);
        handler.cancel(0, 0);
        handler.settle(0, 1, 0, 0, 2 << 72);

        assertTrue(handler.settledTrades() > 0, "something settled");
        assertTrue(handler.failedAttempts() > 0, "something failed");
        assertTrue(handler.replaysRefused() > 1, "replays refused");
        invariant_settleMovesBothLegsOrNeither();
        invariant_dvpNeverHoldsTokens();
        invariant_suppliesConserved();
        invariant_usedNonceNeverUsableAgain();
    }
}
