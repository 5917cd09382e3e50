// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {Gas} from "../utils/Vm.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {StandaloneDistributor} from "../../../contracts/cashflow/StandaloneDistributor.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice Gas scenarios for the issue-4 targets. Run with `forge test --isolate -vv --match-contract Gas` so each
/// call from the test is its own transaction (cold storage, intrinsic cost included); the figures are logged.
/// The paid record is one bit per holder number in a word per 256 holders and per distribution: the first payment
/// of a distribution in a word creates it, the others in that word update it. "existing payee" = the holder already
/// holds the payment token (its balance slot is non-zero), "new payee" = it does not. "first" = the holder's first
/// distribution, "steady" = a later one. All figures run against MockSnapshotToken, whose snapshot and holderAt
/// costs stand in for the real token's (RealTokenGas.t.sol has the real token's). Each scenario also checks what it
/// paid, so a scenario that stopped paying fails instead of logging a wrong figure.
contract DistributorGasTest is CashflowBase {
    event log_named_uint(string key, uint256 val);

    function _lastCall(string memory key) internal returns (uint256 used) {
        Gas memory g = vm.lastCallGas();
        used = g.gasTotalUsed;
        emit log_named_uint(key, used);
    }

    function _mintHolders(uint256 n) internal {
        token.mint(ISSUER, 1_000e18);
        for (uint256 i; i < n; ++i) {
            token.mint(_holder(i), 1e18 + i);
        }
        _eligible = 0;
        for (uint256 i; i < n; ++i) {
            _eligible += 1e18 + i;
        }
    }

    uint256 internal _eligible;
    uint256 internal constant AMOUNT = 1_000_000e6;

    function _shareOf(uint256 i) internal view returns (uint256) {
        return AMOUNT * (1e18 + i) / _eligible;
    }

    function _batch(uint256 from, uint256 n) internal pure returns (address[] memory holders) {
        holders = new address[](n);
        for (uint256 i; i < n; ++i) {
            holders[i] = _holder(from + i);
        }
    }

    function _createLogged(string memory key) internal returns (uint256 id) {
        vm.prank(AGENT);
        id = distributor.createDistribution(address(token), address(usd), AMOUNT, uint64(block.timestamp + 30 days), 0);
        _lastCall(key);
        assertEq(distributor.distribution(id).eligibleSupply, _eligible, "eligible supply");
    }

    function test_gas_create_10() public {
        _mintHolders(10);
        _createLogged("create_10_first (distributor holds no payment token yet)");
        _createLogged("create_10");
    }

    function test_gas_create_10000() public {
        // Creation reads no holder: the same cost as with 10 holders.
        _mintHolders(10_000);
        _createLogged("create_10000_first (distributor holds no payment token yet)");
        _createLogged("create_10000");
    }

    function test_gas_claim() public {
        _mintHolders(4);
        usd.mint(_holder(0), 1);
        usd.mint(_holder(2), 1);
        uint256 a = _createLogged("create");
        uint256 b = _createLogged("create");
        vm.prank(_holder(0));
        distributor.claim(a);
        _lastCall("claim_existing_payee_first");
        vm.prank(_holder(0));
        distributor.claim(b);
        _lastCall("claim_existing_payee_steady");
        vm.prank(_holder(1));
        distributor.claim(a);
        _lastCall("claim_new_payee_first");
        vm.prank(_holder(3));
        distributor.claim(a);
        _lastCall("claim_new_payee_first(2)");
        vm.prank(_holder(3));
        distributor.claim(b);
        _lastCall("claim_existing_payee_steady(2)");
        // New payee, steady: holder 1 was paid in `a` but no longer holds the payment token.
        vm.startPrank(_holder(1));
        usd.transfer(TREASURY, usd.balanceOf(_holder(1)));
        distributor.claim(b);
        vm.stopPrank();
        _lastCall("claim_new_payee_steady");
        assertEq(usd.balanceOf(_holder(0)), 1 + 2 * _shareOf(0), "holder 0 paid twice");
        assertEq(usd.balanceOf(_holder(1)), _shareOf(1), "holder 1 paid in b");
        assertEq(usd.balanceOf(_holder(3)), 2 * _shareOf(3), "holder 3 paid twice");
        assertTrue(!distributor.isPaid(a, _holder(2)), "holder 2 never claimed");
    }

    function test_gas_claim_taxed_and_withheld() public {
        _mintHolders(3);
        vm.prank(ADMIN);
        distributor.setWithholdingRate(156, 1_000);
        registry.setCountry(_holder(0), 156);
        usd.mint(_holder(0), 1);
        usd.mint(TAX, 1);
        token.setHolderStatus(_holder(1), 8);
        uint256 a = _createLogged("create");
        vm.prank(_holder(0));
        distributor.claim(a);
        _lastCall("claim_taxed_existing_payee_first");
        vm.prank(_holder(1));
        distributor.claim(a);
        _lastCall("claim_withheld_first");
        assertEq(usd.balanceOf(TAX), 1 + _shareOf(0) / 10, "tax paid");
        assertEq(distributor.withheldOf(a, _holder(1)), _shareOf(1), "escrowed");
    }

    function test_gas_pushBatch100_existing_payees() public {
        _mintHolders(100);
        for (uint256 i; i < 100; ++i) {
            usd.mint(_holder(i), 1);
        }
        uint256 a = _createLogged("create");
        uint256 b = _createLogged("create");
        address[] memory holders = _batch(0, 100);
        vm.prank(AGENT);
        distributor.pushBatch(a, holders);
        emit log_named_uint("push_batch100_per_holder_first", _lastCall("push_batch100_first") / 100);
        vm.prank(AGENT);
        distributor.pushBatch(b, holders);
        emit log_named_uint("push_batch100_per_holder_steady", _lastCall("push_batch100_steady") / 100);
        for (uint256 i; i < 100; i += 33) {
            assertEq(usd.balanceOf(_holder(i)), 1 + 2 * _shareOf(i), "paid in both");
        }
        assertEq(distributor.distributionTotals(b).unpaid, AMOUNT - distributor.distribution(b).claimedGross, "unpaid");
    }

    function test_gas_pushBatch100_new_payees() public {
        _mintHolders(100);
        uint256 a = _createLogged("create");
        address[] memory holders = _batch(0, 100);
        vm.prank(AGENT);
        distributor.pushBatch(a, holders);
        emit log_named_uint("push_batch100_new_payees_per_holder_first", _lastCall("push_batch100_new_first") / 100);
        // Steady: the holders have bitmap words now; empty their payment-token balances and pay a second one.
        uint256 b = _createLogged("create");
        for (uint256 i; i < 100; ++i) {
            vm.startPrank(_holder(i));
            usd.transfer(TREASURY, usd.balanceOf(_holder(i)));
            vm.stopPrank();
        }
        vm.prank(AGENT);
        distributor.pushBatch(b, holders);
        emit log_named_uint("push_batch100_new_payees_per_holder_steady", _lastCall("push_batch100_new_steady") / 100);
        for (uint256 i; i < 100; i += 33) {
            assertEq(usd.balanceOf(_holder(i)), _shareOf(i), "paid in b");
        }
    }

    /// @dev 300 consecutive holder numbers (ISSUER is 1, holders 2..301): the batch crosses from the first
    /// paid word into the second once, so it writes two words.
    function test_gas_pushBatch300_two_words() public {
        _mintHolders(300);
        uint256 a = _createLogged("create");
        address[] memory holders = _batch(0, 300);
        vm.prank(AGENT);
        uint256 paid = distributor.pushBatch(a, holders);
        emit log_named_uint("push_batch300_two_words_per_holder", _lastCall("push_batch300_two_words") / 300);
        assertEq(paid, 300, "all paid");
        assertTrue(distributor.isPaid(a, _holder(253)) && distributor.isPaid(a, _holder(254)), "both sides of 256");
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(a, holders), 0, "nobody twice");
    }
}

/// @notice The same scenarios on a StandaloneDistributor whose primary token is the fixture token (no proxy, token
/// address in code).
contract StandaloneDistributorGasTest is DistributorGasTest {
    function _newDistributor() internal override returns (Distributor) {
        return StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, AGENT, TREASURY, TAX, address(token)))
        );
    }
}
