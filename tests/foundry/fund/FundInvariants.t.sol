// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase, RecordedLog} from "../utils/Vm.sol";
import {FundBase} from "./FundBase.sol";
import {FundVault} from "../../../contracts/cashflow/FundVault.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";

/// @notice Drives a FundVault on the real share token with random requests, cancellations, NAV publications,
/// closes, batch fulfilments, partial claims, cash movements, freezes and time, for five investors (four eligible,
/// one US retail investor the token refuses). Every vault event is read back (vm.recordLogs) into ghost sums kept
/// independently of the vault's own books: pending subscriptions, claimable redemption cash, available cash and
/// fees, shares fulfilled against what the cycle's NAV and fee give, shares minted and burnt, fulfilments per
/// (controller, cycle). A wrong refund or fulfilment is counted in `violations` (forge discards reverting calls).
contract FundHandler is TestBase {
    address internal constant AGENT = address(0xA6);
    uint256 internal constant ONE = 1e6;
    uint256 public constant ACTORS = 5;
    uint16 public constant SUB_FEE = 30;
    uint16 public constant RED_FEE = 45;

    bytes32 internal constant DEPOSIT_FULFILLED = keccak256("DepositFulfilled(address,uint256,uint256,uint256,uint256)");
    bytes32 internal constant REDEEM_FULFILLED =
        keccak256("RedeemFulfilled(address,uint256,uint256,uint256,uint256,uint256)");
    bytes32 internal constant DEPOSIT = keccak256("Deposit(address,address,uint256,uint256)");
    bytes32 internal constant WITHDRAW = keccak256("Withdraw(address,address,address,uint256,uint256)");
    bytes32 internal constant DEPOSIT_REQUEST = keccak256("DepositRequest(address,address,uint256,address,uint256)");
    bytes32 internal constant REDEEM_REQUEST = keccak256("RedeemRequest(address,address,uint256,address,uint256)");
    bytes32 internal constant DEPOSIT_CANCELLED = keccak256("DepositRequestCancelled(address,uint256,uint256)");
    bytes32 internal constant REDEEM_CANCELLED = keccak256("RedeemRequestCancelled(address,uint256,uint256)");
    bytes32 internal constant CASH_FUNDED = keccak256("RedemptionCashFunded(address,uint256)");
    bytes32 internal constant CASH_WITHDRAWN = keccak256("CashWithdrawn(address,uint256)");
    bytes32 internal constant FEES_WITHDRAWN = keccak256("FeesWithdrawn(address,uint256)");

    FundVault public immutable vault;
    ISecurityToken public immutable token;
    MockStablecoin public immutable usd;
    address[ACTORS] public actors;

    uint256 public sumPendingDeposits;
    uint256 public sumClaimableRedeemAssets;
    uint256 public ghostAvailable;
    uint256 public ghostFees;
    uint256 public sharesFulfilled;
    uint256 public sharesExpected;
    uint256 public sharesClaimed;
    uint256 public minted;
    uint256 public burned;
    uint256 public doubleFulfilments;
    uint256 public violations;
    string public lastViolation;
    mapping(address => uint256) public pendingDeposit;
    mapping(address => mapping(uint256 => uint256)) public depositFulfilments;
    mapping(address => mapping(uint256 => uint256)) public redeemFulfilments;

    uint256 public closes;
    uint256 public fulfilled;
    uint256 public claims;
    uint256 public cancellations;

    constructor(FundVault vault_, ISecurityToken token_, MockStablecoin usd_, address[ACTORS] memory actors_) {
        vault = vault_;
        token = token_;
        usd = usd_;
        actors = actors_;
    }

    /// @dev Shares given to investors outside the vault at setup, counted as minted.
    function seed(address holder, uint256 shares) external {
        token.mint(holder, shares);
        minted += shares;
    }

    function _actor(uint256 seed_) internal view returns (address) {
        return actors[seed_ % ACTORS];
    }

    function _violation(string memory what) internal {
        ++violations;
        lastViolation = what;
    }

    function _ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }

    function _nav(uint256 cycle) internal view returns (uint256 navPerShare) {
        (, navPerShare,,,,) = vault.cycleInfo(cycle);
    }

    /// @dev Books every vault event since the last call into the ghosts.
    function _book() internal {
        RecordedLog[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            RecordedLog memory l = logs[i];
            if (l.emitter != address(vault) || l.topics.length == 0) continue;
            bytes32 t = l.topics[0];
            if (t == DEPOSIT_FULFILLED) {
                address controller = address(uint160(uint256(l.topics[1])));
                uint256 cycle = uint256(l.topics[2]);
                (uint256 assets, uint256 shares, uint256 fee) = abi.decode(l.data, (uint256, uint256, uint256));
                if (++depositFulfilments[controller][cycle] > 1) ++doubleFulfilments;
                if (pendingDeposit[controller] != assets) _violation("fulfilled assets != pending");
                pendingDeposit[controller] = 0;
                sumPendingDeposits -= assets;
                uint256 expectedFee = _ceilDiv(assets * SUB_FEE, 10_000);
                if (fee != expectedFee) _violation("subscription fee not rounded up");
                sharesExpected += (assets - expectedFee) * ONE / _nav(cycle);
                sharesFulfilled += shares;
                ghostAvailable += assets - fee;
                ghostFees += fee;
                ++fulfilled;
            } else if (t == REDEEM_FULFILLED) {
                address controller = address(uint160(uint256(l.topics[1])));
                uint256 cycle = uint256(l.topics[2]);
                (uint256 shares, uint256 assets, uint256 fee,) =
                    abi.decode(l.data, (uint256, uint256, uint256, uint256));
                if (++redeemFulfilments[controller][cycle] > 1) ++doubleFulfilments;
                uint256 gross = shares * _nav(cycle) / ONE;
                if (assets + fee != gross) _violation("redemption cash not floor(shares x NAV)");
                if (fee != _ceilDiv(gross * RED_FEE, 10_000)) _violation("redemption fee not rounded up");
                ghostAvailable -= gross;
                ghostFees += fee;
                sumClaimableRedeemAssets += assets;
                ++fulfilled;
            } else if (t == DEPOSIT) {
                (, uint256 shares) = abi.decode(l.data, (uint256, uint256));
                sharesClaimed += shares;
                minted += shares;
            } else if (t == WITHDRAW) {
                (uint256 assets,) = abi.decode(l.data, (uint256, uint256));
                sumClaimableRedeemAssets -= assets;
            } else if (t == DEPOSIT_REQUEST) {
                address controller = address(uint160(uint256(l.topics[1])));
                (, uint256 assets) = abi.decode(l.data, (address, uint256));
                pendingDeposit[controller] += assets;
                sumPendingDeposits += assets;
            } else if (t == REDEEM_REQUEST) {
                (, uint256 shares) = abi.decode(l.data, (address, uint256));
                burned += shares;
            } else if (t == DEPOSIT_CANCELLED) {
                address controller = address(uint160(uint256(l.topics[1])));
                uint256 assets = abi.decode(l.data, (uint256));
                if (pendingDeposit[controller] != assets) _violation("cancelled assets != pending");
                pendingDeposit[controller] = 0;
                sumPendingDeposits -= assets;
            } else if (t == REDEEM_CANCELLED) {
                minted += abi.decode(l.data, (uint256));
            } else if (t == CASH_FUNDED) {
                ghostAvailable += abi.decode(l.data, (uint256));
            } else if (t == CASH_WITHDRAWN) {
                ghostAvailable -= abi.decode(l.data, (uint256));
            } else if (t == FEES_WITHDRAWN) {
                ghostFees -= abi.decode(l.data, (uint256));
            }
        }
    }

    /// @dev Forge records the logs of reverted calls too: a refused call books nothing.
    function _discard() internal {
        vm.getRecordedLogs();
    }

    // ------------------------------------------------------------------ investor actions

    function requestDeposit(uint256 actorSeed, uint256 ownerSeed, uint256 assets) external {
        address controller = _actor(actorSeed);
        address owner = ownerSeed % 4 == 0 ? _actor(ownerSeed / 4) : controller;
        assets = bound(assets, 1, 1e12);
        vm.recordLogs();
        // Every investor made the handler its operator: it pays from `owner` for `controller`.
        try vault.requestDeposit(assets, controller, owner) {
            _book();
        } catch {
            _discard();
        }
    }

    function requestRedeem(uint256 actorSeed, uint256 shares) external {
        address owner = _actor(actorSeed);
        uint256 balance = token.balanceOf(owner);
        if (balance == 0) return;
        shares = bound(shares, 1, balance);
        vm.recordLogs();
        vm.prank(owner);
        try vault.requestRedeem(shares, owner, owner) {
            _book();
        } catch {
            _discard();
        }
    }

    function cancelDeposit(uint256 actorSeed) external {
        address controller = _actor(actorSeed);
        uint256 before = usd.balanceOf(controller);
        uint256 pending = vault.pendingDepositRequest(0, controller);
        vm.recordLogs();
        vm.prank(controller);
        try vault.cancelDepositRequest(controller) returns (uint256 assets) {
            _book();
            ++cancellations;
            if (assets != pending || usd.balanceOf(controller) != before + pending) {
                _violation("deposit cancellation not refunded exactly");
            }
        } catch {
            _discard();
        }
    }

    function cancelRedeem(uint256 actorSeed) external {
        address controller = _actor(actorSeed);
        uint256 before = token.balanceOf(controller);
        uint256 pending = vault.pendingRedeemRequest(0, controller);
        vm.recordLogs();
        vm.prank(controller);
        try vault.cancelRedeemRequest(controller) returns (uint256 shares) {
            _book();
            ++cancellations;
            if (shares != pending || token.balanceOf(controller) != before + pending) {
                _violation("redemption cancellation not refunded exactly");
            }
        } catch {
            _discard();
        }
    }

    function claimShares(uint256 actorSeed, uint256 fraction, bool exactShares) external {
        address controller = _actor(actorSeed);
        uint256 max = exactShares ? vault.maxMint(controller) : vault.maxDeposit(controller);
        if (max == 0) return;
        uint256 amount = bound(fraction, 1, max);
        uint256 before = token.balanceOf(controller);
        vm.recordLogs();
        vm.prank(controller);
        if (exactShares) {
            try vault.mint(amount, controller, controller) {
                _book();
                ++claims;
                if (token.balanceOf(controller) != before + amount) _violation("mint claim");
            } catch {
                _discard();
            }
        } else {
            try vault.deposit(amount, controller, controller) returns (uint256 shares) {
                _book();
                ++claims;
                if (token.balanceOf(controller) != before + shares) _violation("deposit claim");
            } catch {
                _discard();
            }
        }
    }

    function claimCash(uint256 actorSeed, uint256 fraction, bool exactShares) external {
        address controller = _actor(actorSeed);
        uint256 max = exactShares ? vault.maxRedeem(controller) : vault.maxWithdraw(controller);
        if (max == 0) return;
        uint256 amount = bound(fraction, 1, max);
        uint256 before = usd.balanceOf(controller);
        vm.recordLogs();
        vm.prank(controller);
        if (exactShares) {
            try vault.redeem(amount, controller, controller) returns (uint256 assets) {
                _book();
                ++claims;
                if (usd.balanceOf(controller) != before + assets) _violation("redeem claim");
            } catch {
                _discard();
            }
        } else {
            try vault.withdraw(amount, controller, controller) {
                _book();
                ++claims;
                if (usd.balanceOf(controller) != before + amount) _violation("withdraw claim");
            } catch {
                _discard();
            }
        }
    }

    // ------------------------------------------------------------------ fund agent and the rest

    function publishNav(uint256 navPerShare, uint256 wait) external {
        vm.warp(block.timestamp + bound(wait, 1, 2 days));
        vm.prank(AGENT);
        try vault.publishNav(bound(navPerShare, 0.5e6, 3e6), uint64(block.timestamp)) {} catch {}
    }

    function correctNav(uint256 navPerShare) external {
        vm.prank(AGENT);
        try vault.correctNav(bound(navPerShare, 0.5e6, 3e6)) {} catch {}
    }

    /// @dev Moves to the cut-off, publishes a NAV there when the latest is older, and closes.
    function close(uint256 navPerShare) external {
        (, uint64 cutoff,) = vault.dealing();
        if (block.timestamp < cutoff) vm.warp(cutoff);
        (, uint64 asOf,) = vault.nav();
        if (asOf < cutoff) {
            vm.prank(AGENT);
            vault.publishNav(bound(navPerShare, 0.5e6, 3e6), uint64(block.timestamp));
        }
        vm.prank(AGENT);
        try vault.closeCycle(uint64(block.timestamp + 1 days)) {
            ++closes;
        } catch {}
    }

    function fulfilAll() external {
        address[] memory list = new address[](ACTORS);
        for (uint256 i; i < ACTORS; ++i) {
            list[i] = actors[i];
        }
        vm.recordLogs();
        try vault.fulfil(list) {
            _book();
        } catch {
            _discard();
        }
    }

    function fundRedemptions(uint256 amount) external {
        vm.recordLogs();
        vm.prank(AGENT);
        try vault.fundRedemptions(bound(amount, 1, 1e13)) {
            _book();
        } catch {
            _discard();
        }
    }

    function withdrawCash(uint256 amount) external {
        (uint256 available,) = vault.cash();
        if (available == 0) return;
        vm.recordLogs();
        vm.prank(AGENT);
        try vault.withdrawCash(bound(amount, 1, available)) {
            _book();
        } catch {
            _discard();
        }
    }

    function withdrawFees() external {
        vm.recordLogs();
        try vault.withdrawFees() {
            _book();
        } catch {
            _discard();
        }
    }

    function freeze(uint256 actorSeed, bool frozen) external {
        token.setAddressFrozen(_actor(actorSeed), frozen);
    }

    function freezePartial(uint256 actorSeed, uint256 amount) external {
        address who = _actor(actorSeed);
        uint256 balance = token.balanceOf(who);
        uint256 frozenNow = token.getFrozenTokens(who);
        if (amount % 2 == 0 && frozenNow != 0) {
            token.unfreezePartialTokens(who, frozenNow);
        } else if (balance > frozenNow) {
            token.freezePartialTokens(who, bound(amount, 1, balance - frozenNow));
        }
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 3 days));
    }
}

contract FundInvariantsTest is FundBase {
    FundHandler internal handler;

    function setUp() public override {
        super.setUp();
        _setTerms(30, 45, 4_000, 0);
        address[5] memory actors = [alice, bob, carol, erin, dave];
        handler = new FundHandler(vault, token, usd, actors);
        token.grantRole(token.AGENT_ROLE(), address(handler));
        handler.seed(alice, 500e6);
        handler.seed(bob, 300e6);
        handler.seed(erin, 100e6);
        for (uint256 i; i < actors.length; ++i) {
            vm.prank(actors[i]);
            vault.setOperator(address(handler), true);
        }
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @dev The vault holds exactly the pending subscriptions, the claimable redemption cash, the available cash and
    /// the fees, and its own books agree with the ghosts.
    function invariant_assetsConserved() public view {
        uint256 balance = usd.balanceOf(address(vault));
        assertEq(
            balance,
            handler.sumPendingDeposits() + handler.sumClaimableRedeemAssets() + handler.ghostAvailable()
                + handler.ghostFees(),
            "vault balance == pending + claimable redemptions + available + fees"
        );
        (uint256 available, uint256 fees) = vault.cash();
        assertEq(available, handler.ghostAvailable(), "available cash");
        assertEq(fees, handler.ghostFees(), "fees");
        uint256 pending;
        uint256 claimableAssets;
        for (uint256 i; i < handler.ACTORS(); ++i) {
            address a = handler.actors(i);
            (uint256 p,,,,, uint256 c) = vault.position(a);
            assertEq(p, handler.pendingDeposit(a), "pending per controller");
            pending += p;
            claimableAssets += c;
        }
        assertEq(pending, handler.sumPendingDeposits(), "pending subscriptions");
        assertEq(claimableAssets, handler.sumClaimableRedeemAssets(), "claimable redemption cash");
    }

    /// @dev Shares fulfilled == sum over fulfilled subscriptions of floor((assets - ceil fee) x 10^6 / NAV), and
    /// every one of them is either minted by a claim or still claimable.
    function invariant_sharesIssuedMatchFulfilledDepositsAtNav() public view {
        assertEq(handler.sharesFulfilled(), handler.sharesExpected(), "shares at NAV, rounded for the fund");
        uint256 claimable;
        for (uint256 i; i < handler.ACTORS(); ++i) {
            (,,,, uint256 s,) = vault.position(handler.actors(i));
            claimable += s;
        }
        assertEq(handler.sharesFulfilled(), handler.sharesClaimed() + claimable, "claimed + claimable");
    }

    function invariant_supplyIsMintedMinusBurnt() public view {
        assertEq(token.totalSupply(), handler.minted() - handler.burned(), "totalSupply");
    }

    function invariant_noRequestFulfilledTwice() public view {
        assertEq(handler.doubleFulfilments(), 0, "fulfilled twice");
    }

    /// @dev Cancellations refunded exactly, fees rounded up, cash at floor(shares x NAV), claims paid as returned.
    function invariant_noViolation() public view {
        assertEq(handler.violations(), 0, handler.lastViolation());
    }

    function _checkAll() internal view {
        invariant_assetsConserved();
        invariant_sharesIssuedMatchFulfilledDepositsAtNav();
        invariant_supplyIsMintedMinusBurnt();
        invariant_noRequestFulfilledTwice();
        invariant_noViolation();
    }

    /// @dev A fixed walk through the handler reaching every kind of step (so the random runs can), checked as it goes.
    function test_handlerWalkReachesCloseFulfilClaimAndCancel() public {
        handler.requestDeposit(0, 1, 400e6); // alice for herself
        handler.requestDeposit(1, 4, 250e6); // bob, paid by alice
        handler.requestRedeem(2, 1); // carol holds nothing: skipped
        handler.requestRedeem(0, 200e6);
        handler.requestRedeem(1, 300e6);
        handler.cancelRedeem(1);
        handler.requestDeposit(3, 1, 77e6);
        handler.cancelDeposit(3);
        handler.requestDeposit(4, 1, 10e6); // dave: refused by the token
        _checkAll();
        handler.fundRedemptions(100e6);
        handler.close(1.1e6);
        handler.fulfilAll();
        _checkAll();
        handler.claimShares(0, 123e6, false);
        handler.claimShares(1, 17e6, true);
        handler.claimCash(0, 50e6, true);
        handler.claimCash(0, 50e6, false);
        handler.withdrawFees();
        handler.withdrawCash(1e6);
        handler.freeze(1, true);
        handler.requestRedeem(1, 10e6); // frozen: refused
        handler.freeze(1, false);
        handler.requestRedeem(1, 10e6);
        handler.close(0.9e6);
        handler.claimCash(1, 1, true); // pulls the fulfilment of cycle 2
        _checkAll();
        assertEq(handler.closes(), 2, "closes");
        assertTrue(handler.fulfilled() >= 4, "fulfilments");
        assertEq(handler.claims(), 5, "claims");
        assertEq(handler.cancellations(), 2, "cancellations");
        assertEq(handler.sumPendingDeposits(), 0, "all dealt");
    }
}
