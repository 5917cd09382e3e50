// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FundBase} from "./FundBase.sol";
import {Gas} from "../utils/Vm.sol";

/// @notice Gas of FundVault's dealing on the real share token, comparable to bench/gas.py's fund figures. Run with
/// `forge test --isolate -vv --match-path tests/foundry/fund/FundGas.t.sol` (each call its own transaction, so
/// cold and warm storage are as on chain). The ceilings are generous: the figures are a benchmark, not a test.
contract FundGasTest is FundBase {
    event log_named_uint(string key, uint256 val);

    uint256 internal constant BATCH = 100;

    function _investor(uint256 i) internal pure returns (address) {
        return address(uint160(0x30000 + i));
    }

    function _log(string memory key) internal returns (uint256 used) {
        Gas memory g = vm.lastCallGas();
        used = g.gasTotalUsed;
        emit log_named_uint(key, used);
    }

    function _onboard(uint256 n) internal {
        address[] memory wallets = new address[](n);
        bytes32[] memory ids = new bytes32[](n);
        uint16[] memory countries = new uint16[](n);
        uint32[] memory categories = new uint32[](n);
        uint40[] memory expiries = new uint40[](n);
        for (uint256 i; i < n; ++i) {
            wallets[i] = _investor(i);
            ids[i] = keccak256(abi.encode("fund investor", i));
            countries[i] = HK;
            categories[i] = PROFESSIONAL;
            expiries[i] = KYC_EXPIRY;
        }
        registry.batchRegisterInvestors(wallets, ids, countries, categories, expiries);
        for (uint256 i; i < n; ++i) {
            _wallet(_investor(i));
        }
    }

    function test_gas_dealingCycle() public {
        _setTerms(10, 20, 10_000, 0);
        _onboard(BATCH + 1);
        // Cycle 1: the first request of the cycle (it also opens the cycle's book), then investors' first requests.
        _subscribe(_investor(BATCH), 1_000e6);
        _log("fund_request_deposit_first_in_cycle");
        _subscribe(_investor(0), 1_000e6);
        uint256 firstRequest = _log("fund_request_deposit");
        for (uint256 i = 1; i < BATCH; ++i) {
            _subscribe(_investor(i), 1_000e6 + i);
        }
        _publishAfterCutoff(1.01e6);
        vm.prank(AGENT);
        vault.closeCycle(uint64(block.timestamp + 1 days));
        uint256 close = _log("fund_close_cycle");

        address[] memory batch = new address[](BATCH);
        for (uint256 i; i < BATCH; ++i) {
            batch[i] = _investor(i);
        }
        vault.fulfil(batch);
        uint256 perRequest = _log("fund_fulfil_batch100") / BATCH;
        emit log_named_uint("fund_close_per_request_batch100", perRequest);

        // Claims: a new holder's shares (the token mints to an empty wallet), then a second claim by a holder.
        vm.prank(_investor(0));
        vault.deposit(1_000e6, _investor(0));
        uint256 claim = _log("fund_claim_shares_new_holder");
        vm.prank(_investor(1));
        vault.mint(500e6, _investor(1));
        uint256 rest = vault.maxMint(_investor(1));
        vm.prank(_investor(1));
        vault.mint(rest, _investor(1));
        _log("fund_claim_shares_existing_holder");
        // The last controller of the cycle is pulled by its own claim (lazy fulfilment included).
        vm.prank(_investor(BATCH));
        vault.deposit(1_000e6, _investor(BATCH));
        _log("fund_claim_shares_with_fulfilment");

        // Cycle 2: another investor opens the cycle's book, then a returning investor (its slot already written,
        // its cycle-1 request fulfilled and claimed), and redemptions.
        _subscribe(_investor(2), 500e6);
        _subscribe(_investor(0), 500e6);
        uint256 returning = _log("fund_request_deposit_returning");
        _redeem(_investor(1), 100e6);
        _redeem(_investor(BATCH), 100e6);
        uint256 redeemRequest = _log("fund_request_redeem");
        _publishAfterCutoff(1.02e6);
        _close();
        address[] memory cycle2 = new address[](3);
        cycle2[0] = _investor(0);
        cycle2[1] = _investor(1);
        cycle2[2] = _investor(2);
        vault.fulfil(cycle2);
        vm.prank(_investor(1));
        vault.redeem(100e6, _investor(1), _investor(1));
        uint256 cashClaim = _log("fund_claim_cash");
        vm.prank(_investor(BATCH));
        vault.redeem(100e6, _investor(BATCH), _investor(BATCH));
        _log("fund_claim_cash_with_fulfilment");

        assertLe(firstRequest, 200_000, "request deposit");
        assertLe(returning, 200_000, "returning request");
        assertLe(redeemRequest, 200_000, "request redeem");
        assertLe(close, 200_000, "close");
        assertLe(perRequest, 100_000, "fulfil per request");
        assertLe(claim, 250_000, "claim shares");
        assertLe(cashClaim, 200_000, "claim cash");
        assertEq(token.balanceOf(_investor(0)), 989_108_910, "floor(999 USD net of the fee / 1.01)");
    }
}
