// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./utils/Vm.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {InvestorRegistry} from "../../contracts/identity/InvestorRegistry.sol";
import {ISecurityToken} from "../../contracts/interfaces/ISecurityToken.sol";
import {Shipped} from "./utils/Shipped.sol";

/// @notice Drives a token through random agent and investor actions. Six wallets of five investors:
/// wallets 0 and 5 belong to one investor (multi-wallet from the start); wallet 4 gets a second wallet
/// (wallet 6) only after it may already hold tokens, and the handler syncs it like the SDK does.
contract TokenHandler is TestBase {
    ISecurityToken public token;
    InvestorRegistry public registry;
    address[] public wallets;
    bool public lateWalletAdded;
    /// @dev Holder numbers as first seen, how many wallets got one, and whether a number ever changed or was
    /// handed out out of order (see {_trackNumbers}).
    mapping(address wallet => uint256 number) public seenNumber;
    uint256 public numberedCount;
    bool public numberChanged;
    bool public numberOutOfOrder;

    constructor(ISecurityToken token_, InvestorRegistry registry_, address[] memory wallets_) {
        token = token_;
        registry = registry_;
        wallets = wallets_;
    }

    function walletCount() external view returns (uint256) {
        return wallets.length;
    }

    function _pick(uint256 seed) internal view returns (address) {
        return wallets[seed % wallets.length];
    }

    /// @dev After each action: a wallet keeps the number it was first seen with, and new numbers come in order
    /// (at most one wallet is newly credited per action, so the order seen here is the token's order).
    function _trackNumbers() internal {
        for (uint256 i; i < wallets.length; ++i) {
            address w = wallets[i];
            (, uint256 number,,) = token.holderAt(w, 0);
            uint256 seen = seenNumber[w];
            if (seen == 0 && number != 0) {
                seenNumber[w] = number;
                if (number != ++numberedCount) numberOutOfOrder = true;
            } else if (seen != number) {
                numberChanged = true;
            }
        }
    }

    function mint(uint256 toSeed, uint256 amount) external {
        amount = bound(amount, 1, 1e12);
        try token.mint(_pick(toSeed), amount) {} catch {}
        _trackNumbers();
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _pick(fromSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        try token.transfer(_pick(toSeed), amount) {} catch {}
        _trackNumbers();
    }

    function forcedTransfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _pick(fromSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        try token.forcedTransfer(from, _pick(toSeed), amount) {} catch {}
        _trackNumbers();
    }

    function burn(uint256 seed, uint256 amount) external {
        address account = _pick(seed);
        amount = bound(amount, 0, token.balanceOf(account));
        try token.burn(account, amount) {} catch {}
    }

    function freeze(uint256 seed, uint256 amount) external {
        address account = _pick(seed);
        amount = bound(amount, 0, token.balanceOf(account) - token.getFrozenTokens(account));
        try token.freezePartialTokens(account, amount) {} catch {}
    }

    function unfreeze(uint256 seed, uint256 amount) external {
        address account = _pick(seed);
        amount = bound(amount, 0, token.getFrozenTokens(account));
        try token.unfreezePartialTokens(account, amount) {} catch {}
    }

    function snapshot() external {
        token.snapshot();
    }

    function addLateWallet() external {
        if (lateWalletAdded) return;
        lateWalletAdded = true;
        address late = address(0x1A7E);
        registry.addWallet(wallets[4], late);
        wallets.push(late);
        token.syncInvestorWallet(wallets[4]);
        _trackNumbers();
    }
}

contract TokenInvariantsTest is TestBase {
    ISecurityToken internal token;
    InvestorRegistry internal registry;
    TokenHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = InvestorRegistry(Clones.clone(Shipped.deploy("InvestorRegistry")));
        registry.initialize(address(this));
        token = ISecurityToken(Clones.clone(Shipped.deploy("SecurityToken")));
        token.initialize("Inv", "INV", 0, address(registry), address(this), 0);

        address[] memory wallets = new address[](6);
        for (uint256 i; i < 5; ++i) {
            wallets[i] = address(uint160(0x1000 + i));
        }
        wallets[5] = address(0x1005);
        handler = new TokenHandler(token, registry, wallets);

        registry.grantRole(registry.REGISTRAR_ROLE(), address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(handler));
        for (uint256 i; i < 5; ++i) {
            registry.registerInvestor(
                wallets[i], keccak256(abi.encode(i)), i % 2 == 0 ? 344 : 702, 2, uint40(block.timestamp + 3650 days)
            );
        }
        registry.addWallet(wallets[0], wallets[5]);
        token.grantRole(token.AGENT_ROLE(), address(handler));
        token.grantRole(token.COMPLIANCE_ROLE(), address(this));
        token.setLimits(0, 0, 5e12);
    }

    /// @dev forge reads this (forge-std's StdInvariant does the same) to fuzz only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_supply_equals_sum_of_balances() public view {
        uint256 sum;
        uint256 n = handler.walletCount();
        for (uint256 i; i < n; ++i) {
            sum += token.balanceOf(handler.wallets(i));
        }
        assertEq(sum, token.totalSupply(), "sum of balances");
    }

    function invariant_frozen_never_exceeds_balance() public view {
        uint256 n = handler.walletCount();
        for (uint256 i; i < n; ++i) {
            address w = handler.wallets(i);
            assertLe(token.getFrozenTokens(w), token.balanceOf(w), "frozen <= balance");
        }
    }

    function invariant_investor_count_matches_investors_with_holdings() public view {
        // Investors: {0,5}, 1, 2, 3, {4, late wallet}.
        uint256 expected;
        uint256 hk;
        uint256 n = handler.walletCount();
        uint256[5] memory holdings;
        for (uint256 i; i < n; ++i) {
            uint256 investor = i == 5 ? 0 : (i == 6 ? 4 : i);
            holdings[investor] += token.balanceOf(handler.wallets(i));
        }
        for (uint256 k; k < 5; ++k) {
            if (holdings[k] != 0) {
                ++expected;
                if (k % 2 == 0) ++hk;
            }
        }
        assertEq(token.investorCount(), expected, "investorCount");
        assertEq(token.countryInvestorCount(344), hk, "HK count");
        assertEq(token.countryInvestorCount(702), expected - hk, "SG count");
    }

    /// @dev The Distributor keeps one "paid" bit per holder number: every wallet holding tokens must have a number,
    /// no two wallets may share one, and a number never changes or gets reused.
    function invariant_holder_numbers_unique_stable_and_in_order() public view {
        uint256 n = handler.walletCount();
        for (uint256 i; i < n; ++i) {
            address w = handler.wallets(i);
            (uint256 balance, uint256 number,,) = token.holderAt(w, 0);
            if (balance != 0) assertTrue(number != 0, "a holder has a number");
            assertLe(number, handler.numberedCount(), "no number beyond those handed out");
            for (uint256 j; j < i; ++j) {
                (, uint256 other,,) = token.holderAt(handler.wallets(j), 0);
                if (number != 0) assertTrue(number != other, "numbers unique");
            }
        }
        assertTrue(!handler.numberChanged(), "numbers never change");
        assertTrue(!handler.numberOutOfOrder(), "numbers follow first receipt");
    }

    function invariant_snapshot_supply_never_in_future() public view {
        uint256 id = token.currentSnapshotId();
        if (id != 0) assertLe(token.totalSupplyAt(id), type(uint96).max, "readable");
    }
}
