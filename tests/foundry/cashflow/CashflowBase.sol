// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/Vm.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {MockSnapshotToken, MockCountryRegistry} from "../../../contracts/mocks/MockSnapshotToken.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice Shared fixture: a security token with an issuer wallet excluded, a USD payment token, and a
/// Distributor clone (as the factory will deploy it) with an admin, an agent, a treasury and a tax account.
/// A suite that overrides {_newDistributor} runs the same tests against another deployment of the Distributor
/// (see StandaloneDistributor.t.sol).
abstract contract CashflowBase is TestBase {
    address internal constant ADMIN = address(0xAD);
    address internal constant AGENT = address(0xA6);
    address internal constant TREASURY = address(0x7E);
    address internal constant TAX = address(0x7A);
    address internal constant ISSUER = address(0x15);
    address internal constant STRANGER = address(0xBAD);

    MockSnapshotToken internal token;
    MockCountryRegistry internal registry;
    MockStablecoin internal usd;
    Distributor internal distributor;

    function setUp() public virtual {
        token = new MockSnapshotToken("Toll Revenue Note", "TRN");
        registry = MockCountryRegistry(token.identityRegistry());
        usd = new MockStablecoin("USD Coin", "USDC", 6);
        distributor = _newDistributor();
        token.grantRole(token.SNAPSHOT_ROLE(), address(distributor));

        vm.startPrank(ADMIN);
        distributor.allowPaymentToken(address(usd), bytes8("USD"), false);
        address[] memory excluded = new address[](1);
        excluded[0] = ISSUER;
        distributor.setExcludedWallets(address(token), excluded);
        vm.stopPrank();

        usd.mint(AGENT, 1e30);
        vm.prank(AGENT);
        usd.approve(address(distributor), type(uint256).max);
    }

    /// @dev The Distributor under test, set up with ADMIN, AGENT, TREASURY and TAX.
    function _newDistributor() internal virtual returns (Distributor d) {
        d = Distributor(Clones.clone(Shipped.deploy("Distributor", abi.encode(address(0)))));
        d.initialize(ADMIN, AGENT, TREASURY, TAX);
    }

    function _holder(uint256 i) internal pure returns (address) {
        return address(uint160(0x10000 + i));
    }

    function _create(uint256 amount) internal returns (uint256 id) {
        vm.prank(AGENT);
        id = distributor.createDistribution(address(token), address(usd), amount, uint64(block.timestamp + 30 days), 0);
    }

    function _totalsSum(uint256 id) internal view returns (uint256) {
        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        return t.paidNet + t.taxPaid + t.withheldOutstanding + t.withheldReleased + t.withheldReturned + t.unpaid;
    }
}
