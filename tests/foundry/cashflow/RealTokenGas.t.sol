// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase, Gas} from "../utils/Vm.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {StandaloneDistributor} from "../../../contracts/cashflow/StandaloneDistributor.sol";
import {Redemption} from "../../../contracts/cashflow/Redemption.sol";
import {ISecurityToken} from "../../../contracts/interfaces/ISecurityToken.sol";
import {InvestorRegistry} from "../../../contracts/identity/InvestorRegistry.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice The cash-flow contracts against the real ISecurityToken and InvestorRegistry (all clones): checks the
/// ISnapshotToken interface end to end (record date, withholding while frozen, release, redemption burn) and logs
/// gas figures comparable to bench/gas.py. Run with `forge test --isolate -vv --match-contract RealTokenGas`.
contract RealTokenGasTest is TestBase {
    event log_named_uint(string key, uint256 val);

    address internal constant ADMIN = address(0xAD);
    address internal constant AGENT = address(0xA6);
    address internal constant TREASURY = address(0x7E);
    address internal constant TAX = address(0x7A);
    uint16 internal constant HK = 344;

    InvestorRegistry internal registry;
    ISecurityToken internal token;
    MockStablecoin internal usd;
    Distributor internal distributor;

    function _holder(uint256 i) internal pure returns (address) {
        return address(uint160(0x20000 + i));
    }

    function _log(string memory key) internal returns (uint256 used) {
        Gas memory g = vm.lastCallGas();
        used = g.gasTotalUsed;
        emit log_named_uint(key, used);
    }

    function setUp() public {
        registry = InvestorRegistry(Clones.clone(Shipped.deploy("InvestorRegistry")));
        registry.initialize(address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(this));
        token = ISecurityToken(Clones.clone(Shipped.deploy("SecurityToken")));
        token.initialize("Toll Revenue Note", "TRN", 18, address(registry), address(this), 0);
        token.grantRole(token.AGENT_ROLE(), address(this));

        usd = new MockStablecoin("USD Coin", "USDC", 6);
        distributor = Distributor(Clones.clone(Shipped.deploy("Distributor", abi.encode(address(0)))));
        distributor.initialize(ADMIN, AGENT, TREASURY, TAX);
        token.grantRole(token.SNAPSHOT_ROLE(), address(distributor));
        vm.startPrank(ADMIN);
        distributor.allowPaymentToken(address(usd), bytes8("USD"), false);
        address[] memory excluded = new address[](1);
        excluded[0] = TREASURY;
        distributor.setExcludedWallets(address(token), excluded);
        vm.stopPrank();
        usd.mint(AGENT, 1e30);
        vm.prank(AGENT);
        usd.approve(address(distributor), type(uint256).max);
    }

    function _onboard(uint256 n) internal {
        address[] memory wallets = new address[](n);
        bytes32[] memory ids = new bytes32[](n);
        uint16[] memory countries = new uint16[](n);
        uint32[] memory categories = new uint32[](n);
        uint40[] memory expiries = new uint40[](n);
        for (uint256 i; i < n; ++i) {
            wallets[i] = _holder(i);
            ids[i] = keccak256(abi.encode("investor", i));
            countries[i] = HK;
            categories[i] = 2;
            expiries[i] = uint40(block.timestamp + 365 days);
        }
        registry.batchRegisterInvestors(wallets, ids, countries, categories, expiries);
        registry.registerInvestor(TREASURY, keccak256("treasury"), HK, 8, uint40(block.timestamp + 365 days));
        token.mint(TREASURY, 1_000e18);
        for (uint256 i; i < n; ++i) {
            token.mint(_holder(i), 1e18 + i);
        }
    }

    function _create() internal returns (uint256 id) {
        vm.prank(AGENT);
        id = distributor.createDistribution(address(token), address(usd), 1_000_000e6, uint64(block.timestamp + 30 days), 0);
    }

    function _number(address account) internal view returns (uint256 n) {
        (, n,,) = token.holderAt(account, 0);
    }

    function test_realToken_recordDateWithholdingAndGas() public {
        _onboard(102);
        // The treasury received first, then the holders in order.
        assertEq(_number(TREASURY), 1, "treasury numbered first");
        assertEq(_number(_holder(0)), 2, "holder 0");
        assertEq(_number(_holder(101)), 103, "holder 101");
        usd.mint(_holder(0), 1);
        uint256 a = _create();
        _log("real_create_first");
        uint256 b = _create();
        _log("real_create");

        // Transfer after the record date does not change who is paid.
        vm.prank(_holder(5));
        token.transfer(_holder(6), 1e18);

        vm.prank(_holder(0));
        distributor.claim(a);
        _log("real_claim_existing_payee_first");
        vm.prank(_holder(0));
        distributor.claim(b);
        _log("real_claim_existing_payee_steady");
        vm.prank(_holder(1));
        distributor.claim(a);
        _log("real_claim_new_payee_first");

        token.setAddressFrozen(_holder(2), true);
        address[] memory holders = new address[](100);
        for (uint256 i; i < 100; ++i) {
            holders[i] = _holder(i + 2);
        }
        vm.prank(AGENT);
        distributor.pushBatch(a, holders);
        emit log_named_uint("real_push_batch100_new_payees_per_holder_first", _log("real_push_batch100_new_first") / 100);
        vm.prank(AGENT);
        distributor.pushBatch(b, holders);
        emit log_named_uint("real_push_batch100_per_holder_steady", _log("real_push_batch100_steady") / 100);

        uint256 eligible = distributor.distribution(a).eligibleSupply;
        assertEq(usd.balanceOf(_holder(5)), 2 * (1_000_000e6 * (1e18 + 5) / eligible), "seller paid on record date");
        assertEq(usd.balanceOf(_holder(2)), 0, "frozen holder withheld");
        assertTrue(distributor.withheldOf(a, _holder(2)) != 0, "escrowed");
        token.setAddressFrozen(_holder(2), false);
        distributor.releaseWithheld(a, _holder(2));
        assertEq(usd.balanceOf(_holder(2)), distributor.withheldOf(b, _holder(2)), "released equals the twin escrow");
    }

    /// @dev The real token numbers 301 wallets (treasury 1, holders 2..301), so holders sit in two paid words
    /// (numbers up to 255 and from 256): pushes in descending order, hopping between the words, with duplicates,
    /// and claims pay each holder exactly once.
    function test_realToken_holdersAcrossTwoPaidWordsArePaidOnce() public {
        _onboard(300);
        assertEq(_number(_holder(253)), 255, "last of word 0");
        assertEq(_number(_holder(254)), 256, "first of word 1");
        uint256 id = _create();
        uint256 eligible = distributor.distribution(id).eligibleSupply;
        assertTrue(distributor.isPaid(id, TREASURY), "excluded treasury marked");

        vm.prank(_holder(254));
        distributor.claim(id);
        address[] memory hops = new address[](6);
        hops[0] = _holder(255);
        hops[1] = _holder(253);
        hops[2] = _holder(254); // claimed already
        hops[3] = _holder(0);
        hops[4] = _holder(255);
        hops[5] = TREASURY;
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, hops), 3, "255, 253 and 0");

        address[] memory everyone = new address[](300);
        for (uint256 i; i < 300; ++i) {
            everyone[i] = _holder(299 - i);
        }
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, everyone), 296, "the rest, once");
        uint256 sumFloor;
        for (uint256 i; i < 300; ++i) {
            uint256 share = 1_000_000e6 * (1e18 + i) / eligible;
            sumFloor += share;
            assertEq(usd.balanceOf(_holder(i)), share, "paid exactly once");
        }
        assertEq(usd.balanceOf(TREASURY), 0, "treasury paid nothing");
        Distributor.DistributionTotals memory t = distributor.distributionTotals(id);
        assertEq(t.unpaid, 1_000_000e6 - sumFloor, "unpaid is amount minus floor shares");
        assertEq(t.paidNet + t.unpaid, 1_000_000e6, "identity");
        vm.prank(_holder(299));
        vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, _holder(299)));
        distributor.claim(id);
    }

    /// @dev The same flow on a StandaloneDistributor whose primary token is the real token (compare the figures
    /// with the clone's above).
    function test_realToken_standaloneDistributorGas() public {
        _onboard(102);
        StandaloneDistributor d = StandaloneDistributor(
            Shipped.deploy("StandaloneDistributor", abi.encode(ADMIN, AGENT, TREASURY, TAX, address(token)))
        );
        token.grantRole(token.SNAPSHOT_ROLE(), address(d));
        vm.startPrank(ADMIN);
        d.allowPaymentToken(address(usd), bytes8("USD"), false);
        address[] memory excluded = new address[](1);
        excluded[0] = TREASURY;
        d.setExcludedWallets(address(token), excluded);
        vm.stopPrank();
        vm.startPrank(AGENT);
        usd.approve(address(d), type(uint256).max);
        uint256 a = d.createDistribution(address(token), address(usd), 1_000_000e6, uint64(block.timestamp + 30 days), 0);
        vm.stopPrank();
        _log("standalone_real_create_first");
        usd.mint(_holder(0), 1);
        vm.prank(_holder(0));
        d.claim(a);
        _log("standalone_real_claim_existing_payee_first");
        vm.prank(_holder(1));
        d.claim(a);
        _log("standalone_real_claim_new_payee_first");
        token.setAddressFrozen(_holder(2), true);
        address[] memory holders = new address[](100);
        for (uint256 i; i < 100; ++i) {
            holders[i] = _holder(i + 2);
        }
        vm.prank(AGENT);
        assertEq(d.pushBatch(a, holders), 100, "pushed");
        emit log_named_uint(
            "standalone_real_push_batch100_new_payees_per_holder", _log("standalone_real_push_batch100_new") / 100
        );
        uint256 eligible = d.distribution(a).eligibleSupply;
        assertEq(usd.balanceOf(_holder(3)), 1_000_000e6 * (1e18 + 3) / eligible, "holder paid");
        assertEq(d.withheldOf(a, _holder(2)), 1_000_000e6 * (1e18 + 2) / eligible, "frozen holder escrowed");
    }

    function test_realToken_redeemBurnsAndPays() public {
        _onboard(3);
        Redemption r = Redemption(Clones.clone(Shipped.deploy("Redemption")));
        r.initialize(ADMIN, AGENT, address(token), address(usd), address(distributor), TREASURY, 100e6, 0);
        token.grantRole(token.AGENT_ROLE(), address(r));
        vm.startPrank(AGENT);
        usd.approve(address(r), type(uint256).max);
        r.fundPrincipal(10_000e6);
        vm.stopPrank();
        usd.mint(_holder(0), 1);
        vm.prank(_holder(0));
        r.redeem(0.5e18);
        _log("real_redeem_existing_payee");
        assertEq(token.balanceOf(_holder(0)), 0.5e18, "burned");
        assertEq(usd.balanceOf(_holder(0)), 50e6 + 1, "paid");
        address[] memory holders = new address[](2);
        holders[0] = _holder(1);
        holders[1] = _holder(2);
        vm.prank(AGENT);
        r.redeemBatch(holders);
        emit log_named_uint("real_redeem_batch2_new_payees_per_holder", _log("real_redeem_batch2") / 2);
        assertEq(token.balanceOf(_holder(2)), 0, "batch burned");
    }
}
