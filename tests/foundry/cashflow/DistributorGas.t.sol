// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {Gas} from "../utils/Vm.sol";

/// @notice Gas scenarios for the issue-4 targets. Run with `forge test --isolate -vv --match-contract Gas` so each
/// call from the test is its own transaction (cold storage, intrinsic cost included); the figures are logged.
/// "first" = the holder's first payment in a 256-distribution window (its paid-bitmap word is created, +17,100);
/// "steady" = a later distribution (the word exists). All figures run against MockSnapshotToken, whose snapshot,
/// balanceOfAt and checkHolder costs stand in for the real token's.
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
    }

    function _batch(uint256 from, uint256 n) internal pure returns (address[] memory holders) {
        holders = new address[](n);
        for (uint256 i; i < n; ++i) {
            holders[i] = _holder(from + i);
        }
    }

    function _createLogged(string memory key) internal returns (uint256 id) {
        vm.prank(AGENT);
        id = distributor.createDistribution(address(token), address(usd), 1_000_000e6, uint64(block.timestamp + 30 days), 0);
        _lastCall(key);
    }

    function test_gas_create_10() public {
        _mintHolders(10);
        _createLogged("create_10_first (distributor holds no payment token yet)");
        _createLogged("create_10");
    }

    function test_gas_create_10000() public {
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
        // New payee, steady: holder 1 has a paid-bitmap word (claimed `a`) but no longer holds the payment token.
        vm.startPrank(_holder(1));
        usd.transfer(TREASURY, usd.balanceOf(_holder(1)));
        distributor.claim(b);
        vm.stopPrank();
        _lastCall("claim_new_payee_steady");
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
    }
}
