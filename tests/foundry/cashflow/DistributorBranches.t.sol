// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {ReentrantPaymentToken} from "../../../contracts/mocks/ReentrantPaymentToken.sol";

/// @notice A security token whose answers the test sets: a fixed supply held by one holder, and switches that make
/// `balanceOfAt` revert, `checkHolder` revert or answer a value outside uint8.
/// @dev `checkHolder` returns uint256 on purpose (same selector as ISnapshotToken.checkHolder) so that an
/// out-of-range answer can be produced.
contract ProgrammableSnapshotToken {
    error BalanceLookupFailed();
    error StatusLookupFailed();

    address public immutable holder;
    uint256 public immutable supply;
    uint256 public nextSnapshotId = 1;
    bool public balanceReverts;
    bool public statusReverts;
    uint256 public status;

    constructor(address holder_, uint256 supply_) {
        holder = holder_;
        supply = supply_;
    }

    function setBalanceReverts(bool v) external {
        balanceReverts = v;
    }

    function setStatusReverts(bool v) external {
        statusReverts = v;
    }

    function setStatus(uint256 v) external {
        status = v;
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function snapshot() external returns (uint256 id) {
        id = nextSnapshotId++;
    }

    function balanceOfAt(address account, uint256) external view returns (uint256) {
        if (balanceReverts) revert BalanceLookupFailed();
        return account == holder ? supply : 0;
    }

    function totalSupplyAt(uint256) external view returns (uint256) {
        return supply;
    }

    function checkHolder(address) external view returns (uint256) {
        if (statusReverts) revert StatusLookupFailed();
        return status;
    }

    function identityRegistry() external pure returns (address) {
        return address(0);
    }
}

/// @notice Distributor set-up, registration limits, unknown ids, failing token calls, admin setters and views.
contract DistributorBranchesTest is CashflowBase {
    uint16 internal constant US = 840;

    function _expiry() internal view returns (uint64) {
        return uint64(block.timestamp + 30 days);
    }

    function _registerEmpty(address t) internal {
        vm.prank(ADMIN);
        distributor.setExcludedWallets(t, new address[](0));
    }

    // ---- initialize ----

    function test_initializeRefusesEachZeroAddress() public {
        Distributor d = Distributor(Clones.clone(address(new Distributor())));
        vm.expectRevert(Distributor.ZeroAddress.selector);
        d.initialize(address(0), AGENT, TREASURY, TAX);
        vm.expectRevert(Distributor.ZeroAddress.selector);
        d.initialize(ADMIN, AGENT, address(0), TAX);
        vm.expectRevert(Distributor.ZeroAddress.selector);
        d.initialize(ADMIN, AGENT, TREASURY, address(0));
        d.initialize(ADMIN, address(0), TREASURY, TAX);
        assertTrue(d.treasury() == TREASURY, "treasury set");
        assertTrue(d.taxAccount() == TAX, "tax account set");
        assertTrue(!d.hasRole(d.DISTRIBUTION_AGENT_ROLE(), address(0)), "no zero agent");
        assertTrue(!d.hasRole(d.DISTRIBUTION_AGENT_ROLE(), AGENT), "no agent");
        assertEq(d.distributionCount(), 0, "no distributions");
    }

    // ---- creation refusals ----

    function test_perTokenDistributionOfZeroIsRefused() public {
        token.mint(_holder(1), 1e18);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.InvalidAmount.selector, uint256(0)));
        distributor.createDistributionPerToken(address(token), address(usd), 0, _expiry(), 0);
    }

    function test_snapshotIdAbove48BitsIsRefused() public {
        token.mint(_holder(1), 1e18);
        uint256 tooLarge = uint256(1) << 48;
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.SnapshotIdTooLarge.selector, tooLarge));
        distributor.createDistribution(address(token), address(usd), 1e6, _expiry(), tooLarge);
    }

    function test_eligibleSupplyAbove104BitsIsRefused() public {
        token.mint(_holder(1), uint256(1) << 104);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.EligibleSupplyTooLarge.selector, uint256(1) << 104));
        distributor.createDistribution(address(token), address(usd), 1e6, _expiry(), 0);
    }

    function test_eligibleSupplyJustBelow104BitsIsAccepted() public {
        token.mint(_holder(1), (uint256(1) << 104) - 1);
        uint256 id = _create(1e6);
        assertEq(distributor.distribution(id).eligibleSupply, (uint256(1) << 104) - 1, "eligible supply");
    }

    function test_createWithoutAllowanceFailsWithSafeErc20Error() public {
        MockStablecoin eur = new MockStablecoin("EUR Coin", "EURC", 6);
        vm.prank(ADMIN);
        distributor.allowPaymentToken(address(eur), bytes8("EUR"), false);
        eur.mint(AGENT, 1e12);
        token.mint(_holder(1), 1e18);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(eur)));
        distributor.createDistribution(address(token), address(eur), 1e6, _expiry(), 0);
        assertEq(distributor.distributionCount(), 0, "nothing created");
    }

    function test_createWithAPaymentTokenWithoutCodeFails() public {
        address noCode = address(0xC0DE);
        vm.prank(ADMIN);
        distributor.allowPaymentToken(noCode, bytes8("USD"), false);
        token.mint(_holder(1), 1e18);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, noCode));
        distributor.createDistribution(address(token), noCode, 1e6, _expiry(), 0);
    }

    // ---- unknown distribution ids ----

    function test_everyEntryPointRefusesAnUnknownDistribution() public {
        uint256 unknown = 42;
        bytes memory notFound = abi.encodeWithSelector(Distributor.DistributionNotFound.selector, unknown);
        vm.expectRevert(notFound);
        distributor.claim(unknown);
        vm.prank(AGENT);
        vm.expectRevert(notFound);
        distributor.pushBatch(unknown, new address[](0));
        vm.expectRevert(notFound);
        distributor.releaseWithheld(unknown, _holder(1));
        vm.expectRevert(notFound);
        distributor.reclaimExpired(unknown);
        vm.expectRevert(notFound);
        distributor.distributionTotals(unknown);
        vm.expectRevert(notFound);
        distributor.distribution(unknown);
        vm.expectRevert(notFound);
        distributor.claimable(unknown, _holder(1));
    }

    // ---- excluded wallets and token registration ----

    function test_setExcludedWalletsRefusesZeroToken() public {
        vm.prank(ADMIN);
        vm.expectRevert(Distributor.ZeroAddress.selector);
        distributor.setExcludedWallets(address(0), new address[](0));
    }

    function test_setExcludedWalletsRefusesMoreThanSixteen() public {
        address[] memory wallets = new address[](17);
        for (uint256 i; i < 17; ++i) {
            wallets[i] = _holder(100 + i);
        }
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(Distributor.TooManyExcludedWallets.selector, uint256(17)));
        distributor.setExcludedWallets(address(token), wallets);
        assertEq(distributor.excludedWallets(address(token)).length, 1, "list unchanged");
    }

    function test_sixteenExcludedWalletsAllLeaveTheEligibleSupply() public {
        address[] memory wallets = new address[](16);
        for (uint256 i; i < 16; ++i) {
            wallets[i] = _holder(100 + i);
            token.mint(wallets[i], 1e18);
        }
        token.mint(_holder(1), 4e18);
        vm.prank(ADMIN);
        distributor.setExcludedWallets(address(token), wallets);
        address[] memory listed = distributor.excludedWallets(address(token));
        assertEq(listed.length, 16, "sixteen listed");
        for (uint256 i; i < 16; ++i) {
            assertTrue(listed[i] == wallets[i], "listed in order");
        }
        uint256 id = _create(1_000e6);
        assertEq(distributor.distribution(id).eligibleSupply, 4e18, "only the holder is eligible");
        assertTrue(distributor.isPaid(id, wallets[15]), "last excluded wallet marked");
        vm.prank(wallets[15]);
        vm.expectRevert(abi.encodeWithSelector(Distributor.AlreadyPaidOrExcluded.selector, id, wallets[15]));
        distributor.claim(id);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 1_000e6, "holder takes it all");
    }

    function test_setExcludedWalletsRefusesZeroWallet() public {
        address[] memory wallets = new address[](2);
        wallets[0] = _holder(1);
        vm.prank(ADMIN);
        vm.expectRevert(Distributor.ZeroAddress.selector);
        distributor.setExcludedWallets(address(token), wallets);
    }

    function test_setExcludedWalletsRefusesDuplicates() public {
        address[] memory wallets = new address[](3);
        wallets[0] = _holder(1);
        wallets[1] = _holder(2);
        wallets[2] = _holder(1);
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(Distributor.DuplicateExcludedWallet.selector, _holder(1)));
        distributor.setExcludedWallets(address(token), wallets);
    }

    function test_emptyListClearsTheExcludedWallets() public {
        token.mint(ISSUER, 1e18);
        token.mint(_holder(1), 1e18);
        _registerEmpty(address(token));
        assertEq(distributor.excludedWallets(address(token)).length, 0, "list cleared");
        uint256 id = _create(100e6);
        assertEq(distributor.distribution(id).eligibleSupply, 2e18, "issuer counts again");
        assertTrue(!distributor.isPaid(id, ISSUER), "issuer not excluded");
        vm.prank(ISSUER);
        assertEq(distributor.claim(id), 50e6, "issuer paid its share");
    }

    function test_unregisteredTokenIsReportedAndRefused() public {
        address other = address(0x70CE);
        assertTrue(distributor.isTokenRegistered(address(token)), "fixture token registered");
        assertTrue(!distributor.isTokenRegistered(other), "other not registered");
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.TokenNotRegistered.selector, other));
        distributor.createDistribution(other, address(usd), 1e6, _expiry(), 0);
        _registerEmpty(other);
        assertTrue(distributor.isTokenRegistered(other), "registered with an empty list");
    }

    function test_theTwoHundredFiftySixthTokenIsRefused() public {
        // The fixture registered one token; 254 more fill the one-byte index space.
        vm.startPrank(ADMIN);
        for (uint256 i = 1; i < 255; ++i) {
            distributor.setExcludedWallets(address(uint160(0x200000 + i)), new address[](0));
        }
        vm.expectRevert(Distributor.TooManyTokens.selector);
        distributor.setExcludedWallets(address(0x70CE), new address[](0));
        // A registered token can still change its list.
        distributor.setExcludedWallets(address(token), new address[](0));
        vm.stopPrank();
        assertTrue(!distributor.isTokenRegistered(address(0x70CE)), "256th not registered");
        assertTrue(distributor.isTokenRegistered(address(uint160(0x200000 + 254))), "255th registered");
    }

    // ---- failing token calls ----

    function _programmable() internal returns (ProgrammableSnapshotToken t, uint256 id) {
        t = new ProgrammableSnapshotToken(_holder(1), 10e18);
        _registerEmpty(address(t));
        vm.prank(AGENT);
        id = distributor.createDistribution(address(t), address(usd), 100e6, _expiry(), 0);
    }

    function test_claimBubblesARevertingBalanceLookup() public {
        (ProgrammableSnapshotToken t, uint256 id) = _programmable();
        t.setBalanceReverts(true);
        vm.prank(_holder(1));
        vm.expectRevert(ProgrammableSnapshotToken.BalanceLookupFailed.selector);
        distributor.claim(id);
        assertTrue(!distributor.isPaid(id, _holder(1)), "not marked paid");
        t.setBalanceReverts(false);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 100e6, "claim works once the token answers");
    }

    function test_claimBubblesARevertingHolderCheck() public {
        (ProgrammableSnapshotToken t, uint256 id) = _programmable();
        t.setStatusReverts(true);
        vm.prank(_holder(1));
        vm.expectRevert(ProgrammableSnapshotToken.StatusLookupFailed.selector);
        distributor.claim(id);
        assertEq(usd.balanceOf(_holder(1)), 0, "nothing paid");
    }

    function test_claimRefusesAHolderCodeOutsideUint8() public {
        (ProgrammableSnapshotToken t, uint256 id) = _programmable();
        t.setStatus(256);
        vm.prank(_holder(1));
        vm.expectRevert(bytes(""));
        distributor.claim(id);
        // 255 is still a valid code: escrowed, not reverted.
        t.setStatus(255);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 100e6, "escrowed net");
        assertEq(distributor.withheldOf(id, _holder(1)), 100e6, "escrow recorded");
        assertEq(usd.balanceOf(_holder(1)), 0, "nothing transferred");
    }

    function test_claimRevertsWhenThePaymentTransferFails() public {
        ReentrantPaymentToken rusd = new ReentrantPaymentToken();
        vm.prank(ADMIN);
        distributor.allowPaymentToken(address(rusd), bytes8("USD"), false);
        rusd.mint(AGENT, 1e12);
        vm.prank(AGENT);
        rusd.approve(address(distributor), type(uint256).max);
        token.mint(_holder(1), 1e18);
        vm.prank(AGENT);
        uint256 id = distributor.createDistribution(address(token), address(rusd), 100e6, _expiry(), 0);
        rusd.setBlocked(_holder(1), true);
        vm.prank(_holder(1));
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(rusd)));
        distributor.claim(id);
        assertTrue(!distributor.isPaid(id, _holder(1)), "claim undone");
        rusd.setBlocked(_holder(1), false);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 100e6, "paid once unblocked");
    }

    // ---- push batch ----

    function test_pushBatchSkipsZeroShareHolders() public {
        token.mint(_holder(1), 1e18);
        token.mint(_holder(2), 1); // share floor(100 * 1 / (1e18 + 1)) = 0
        uint256 id = _create(100);
        address[] memory holders = new address[](3);
        holders[0] = _holder(2);
        holders[1] = _holder(3); // no balance at all
        holders[2] = _holder(1);
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, holders), 1, "only the holder with a share");
        assertTrue(!distributor.isPaid(id, _holder(2)), "zero-share holder not marked");
        assertEq(usd.balanceOf(_holder(1)), 99, "holder paid its floor share");
        vm.prank(_holder(2));
        vm.expectRevert(abi.encodeWithSelector(Distributor.NothingToClaim.selector, id, _holder(2)));
        distributor.claim(id);
    }

    // ---- admin setters ----

    function test_setTreasuryRedirectsReclaims() public {
        address newTreasury = address(0x7E2);
        vm.prank(ADMIN);
        vm.expectRevert(Distributor.ZeroAddress.selector);
        distributor.setTreasury(address(0));
        vm.prank(ADMIN);
        distributor.setTreasury(newTreasury);
        assertTrue(distributor.treasury() == newTreasury, "treasury view");
        token.mint(_holder(1), 1e18);
        uint256 id = _create(100e6);
        vm.warp(block.timestamp + 30 days + 1);
        assertEq(distributor.reclaimExpired(id), 100e6, "everything unclaimed");
        assertEq(usd.balanceOf(newTreasury), 100e6, "new treasury paid");
        assertEq(usd.balanceOf(TREASURY), 0, "old treasury not paid");
    }

    function test_setTaxAccountRedirectsTax() public {
        address newTax = address(0x7A2);
        vm.prank(ADMIN);
        vm.expectRevert(Distributor.ZeroAddress.selector);
        distributor.setTaxAccount(address(0));
        vm.startPrank(ADMIN);
        distributor.setTaxAccount(newTax);
        distributor.setWithholdingRate(US, 1_500);
        vm.stopPrank();
        assertTrue(distributor.taxAccount() == newTax, "tax account view");
        assertEq(distributor.withholdingRate(US), 1_500, "rate view");
        assertEq(distributor.withholdingRate(276), 0, "untaxed country");
        registry.setCountry(_holder(1), US);
        token.mint(_holder(1), 1e18);
        uint256 id = _create(100e6);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 85e6, "net after 15%");
        assertEq(usd.balanceOf(newTax), 15e6, "new tax account paid");
        assertEq(usd.balanceOf(TAX), 0, "old tax account not paid");
    }

    function test_withholdingRateAboveOneHundredPercentIsRefused() public {
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(Distributor.InvalidWithholdingRate.selector, uint16(10_001)));
        distributor.setWithholdingRate(US, 10_001);
    }

    function test_returnWithheldAtExpiryIsVisibleAndFrozenPerDistribution() public {
        assertTrue(!distributor.returnWithheldAtExpiry(), "off by default");
        token.mint(_holder(1), 1e18);
        uint256 before = _create(100e6);
        vm.prank(ADMIN);
        distributor.setReturnWithheldAtExpiry(true);
        assertTrue(distributor.returnWithheldAtExpiry(), "on");
        uint256 afterId = _create(100e6);
        assertTrue(!distributor.distribution(before).returnWithheldAtExpiry, "earlier distribution keeps default");
        assertTrue(distributor.distribution(afterId).returnWithheldAtExpiry, "later distribution returns escrow");
        assertEq(distributor.distributionCount(), 2, "two distributions");
    }

    // ---- views ----

    function test_claimableReportsTaxAtTodaysRate() public {
        registry.setCountry(_holder(1), US);
        token.mint(_holder(1), 3e18);
        token.mint(_holder(2), 1e18);
        uint256 id = _create(100e6);
        (uint256 gross, uint256 tax, uint256 net, uint8 code, bool paid) = distributor.claimable(id, _holder(1));
        assertEq(gross, 75e6, "gross");
        assertEq(tax, 0, "no tax while no rate is set");
        assertEq(net, 75e6, "net");
        vm.prank(ADMIN);
        distributor.setWithholdingRate(US, 3_000);
        token.setHolderStatus(_holder(1), 7);
        (gross, tax, net, code, paid) = distributor.claimable(id, _holder(1));
        assertEq(gross, 75e6, "gross unchanged");
        assertEq(tax, 22.5e6, "30% tax");
        assertEq(net, 52.5e6, "net after tax");
        assertEq(code, 7, "reason code");
        assertTrue(!paid, "not paid yet");
        (, uint256 untaxed,,,) = distributor.claimable(id, _holder(2));
        assertEq(untaxed, 0, "holder of an untaxed country");
        vm.prank(_holder(1));
        distributor.claim(id);
        (,,,, paid) = distributor.claimable(id, _holder(1));
        assertTrue(paid, "escrowed counts as paid");
        assertEq(distributor.withheldOf(id, _holder(1)), 52.5e6, "escrow view");
        assertEq(distributor.withheldOf(id, _holder(2)), 0, "nothing escrowed for the other");
    }

    // ---- access ----

    function test_privilegedFunctionsRefuseStrangersAndTheWrongRole() public {
        token.mint(_holder(1), 1e18);
        uint256 id = _create(100e6);
        bytes32 adminRole = distributor.DEFAULT_ADMIN_ROLE();
        bytes32 agentRole = distributor.DISTRIBUTION_AGENT_ROLE();
        bytes memory notAgent =
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, agentRole);
        vm.startPrank(STRANGER);
        vm.expectRevert(notAgent);
        distributor.createDistribution(address(token), address(usd), 1e6, _expiry(), 0);
        vm.expectRevert(notAgent);
        distributor.createDistributionPerToken(address(token), address(usd), 1e6, _expiry(), 0);
        vm.expectRevert(notAgent);
        distributor.pushBatch(id, new address[](0));
        vm.stopPrank();

        // Admin functions: refused to a stranger and to the distribution agent.
        address[2] memory callers = [STRANGER, AGENT];
        for (uint256 i; i < 2; ++i) {
            bytes memory notAdmin =
                abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, callers[i], adminRole);
            vm.startPrank(callers[i]);
            vm.expectRevert(notAdmin);
            distributor.setExcludedWallets(address(token), new address[](0));
            vm.expectRevert(notAdmin);
            distributor.setWithholdingRate(US, 100);
            vm.expectRevert(notAdmin);
            distributor.setTreasury(callers[i]);
            vm.expectRevert(notAdmin);
            distributor.setTaxAccount(callers[i]);
            vm.expectRevert(notAdmin);
            distributor.setReturnWithheldAtExpiry(true);
            vm.stopPrank();
        }
        // The admin is not an agent either.
        vm.prank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ADMIN, agentRole));
        distributor.createDistribution(address(token), address(usd), 1e6, _expiry(), 0);

        assertTrue(distributor.treasury() == TREASURY, "treasury unchanged");
        assertTrue(distributor.taxAccount() == TAX, "tax account unchanged");
        assertEq(distributor.withholdingRate(US), 0, "no rate");
        assertTrue(!distributor.returnWithheldAtExpiry(), "flag unchanged");
        assertEq(distributor.excludedWallets(address(token)).length, 1, "exclusions unchanged");
        assertEq(distributor.distributionCount(), 1, "one distribution");
    }
}
