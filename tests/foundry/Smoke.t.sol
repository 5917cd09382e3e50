// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./utils/Vm.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";

contract SmokeTest is TestBase {
    function testFuzz_mintAddsToBalance(uint96 amount) public {
        vm.assume(amount > 0);
        MockStablecoin usd = new MockStablecoin("USD", "USD", 6);
        usd.mint(address(this), amount);
        assertEq(usd.balanceOf(address(this)), amount, "balance");
    }
}
