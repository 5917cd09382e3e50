// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CashflowBase} from "./CashflowBase.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {ReentrantPaymentToken} from "../../../contracts/mocks/ReentrantPaymentToken.sol";
import {MockSnapshotToken} from "../../../contracts/mocks/MockSnapshotToken.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice A security token whose answers the test sets: a fixed supply held by one holder (holder number 1 unless
/// set otherwise), a settable snapshot counter, and switches that make `holderAt` revert, answer short or empty, or
/// answer a code or country outside its type, and `totalSupplyAt` revert.
/// @dev `holderAt` has the selector of ISnapshotToken.holderAt but returns four uint256 words, so that an
/// out-of-range code or country can be produced. There is no `balanceOfAt`: the Distributor reads record-date
/// balances through `holderAt` only.
contract ProgrammableSnapshotToken {
    error HolderLookupFailed();
    error SupplyLookupFailed();

    enum Answer {
        Normal,
        Reverts,
        Short, // three words instead of four
        Empty // a successful call returning nothing
    }

    address public immutable holder;
    uint256 public immutable supply;
    uint256 public nextSnapshotId = 1;
    Answer public answer;
    bool public supplyReverts;
    uint256 public holderNumber = 1;
    uint256 public status;
    uint256 public country;

    constructor(address holder_, uint256 supply_) {
        holder = holder_;
        supply = supply_;
    }

    function setAnswer(Answer a) external {
        answer = a;
    }

    function setSupplyReverts(bool v) external {
        supplyReverts = v;
    }

    function setHolderNumber(uint256 v) external {
        holderNumber = v;
    }

    function setStatus(uint256 v) external {
        status = v;
    }

    function setCountry(uint256 v) external {
        country = v;
    }

    function setNextSnapshotId(uint256 v) external {
        nextSnapshotId = v;
    }

    function decimals() external pure returns (uint8) {
        return 18;
    }

    function snapshot() external returns (uint256 id) {
        id = nextSnapshotId++;
    }

    function totalSupplyAt(uint256) external view returns (uint256) {
        if (supplyReverts) revert SupplyLookupFailed();
        return supply;
    }

    function holderAt(address account, uint256)
        external
        view
        returns (uint256 amount, uint256 num, uint256 code, uint256 countryCode)
    {
        Answer a = answer;
        if (a == Answer.Reverts) revert HolderLookupFailed();
        if (account == holder) {
            amount = supply;
            num = holderNumber;
        }
        code = status;
        countryCode = country;
        if (a == Answer.Short) {
            assembly {
                mstore(0x00, amount)
                mstore(0x20, num)
                mstore(0x40, code)
                return(0x00, 0x60)
            }
        }
        if (a == Answer.Empty) {
            assembly ("memory-safe") {
                return(0x00, 0x00)
            }
        }
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
        Distributor d = Distributor(Clones.clone(Shipped.deploy("Distributor", abi.encode(address(0)))));
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

    function test_snapshotIdAboveMaxIsRefused() public {
        token.mint(_holder(1), 1e18);
        uint256 max = distributor.MAX_SNAPSHOT_ID();
        assertEq(max, (uint256(1) << 21) - 1, "21-bit record dates");
        token.fastForwardSnapshotId(max + 1); // so that the id exists on the token
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.SnapshotIdTooLarge.selector, max + 1));
        distributor.createDistribution(address(token), address(usd), 1e6, _expiry(), max + 1);
        // Taking the snapshot now (id 0) gives max + 2: refused too.
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.SnapshotIdTooLarge.selector, max + 2));
        distributor.createDistribution(address(token), address(usd), 1e6, _expiry(), 0);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.SnapshotIdTooLarge.selector, uint256(1) << 48));
        distributor.createDistribution(address(token), address(usd), 1e6, _expiry(), uint256(1) << 48);
        assertEq(distributor.distributionCount(), 0, "nothing created");
    }

    function test_snapshotIdAboveMaxTakenByTheDistributorIsRefused() public {
        ProgrammableSnapshotToken t = new ProgrammableSnapshotToken(_holder(1), 10e18);
        _registerEmpty(address(t));
        uint256 max = distributor.MAX_SNAPSHOT_ID();
        t.setNextSnapshotId(max + 1);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.SnapshotIdTooLarge.selector, max + 1));
        distributor.createDistribution(address(t), address(usd), 100e6, _expiry(), 0);
        // The refused creation undid the snapshot call too; the last usable id still works.
        assertEq(t.nextSnapshotId(), max + 1, "snapshot undone");
        t.setNextSnapshotId(max);
        vm.prank(AGENT);
        uint256 id = distributor.createDistribution(address(t), address(usd), 100e6, _expiry(), 0);
        assertEq(distributor.distribution(id).snapshotId, max, "last usable id");
    }

    function test_theLastUsableSnapshotIdPacksWithoutTouchingItsNeighbours() public {
        // The last usable snapshot id sets every bit of its field, between the flags and the token index.
        MockSnapshotToken second = new MockSnapshotToken("Second", "SEC");
        second.grantRole(second.SNAPSHOT_ROLE(), address(distributor));
        _registerEmpty(address(second)); // token index 1
        vm.startPrank(ADMIN);
        distributor.setReturnWithheldAtExpiry(true);
        distributor.setWithholdingRate(276, 1_000); // the withholding flag is set too
        vm.stopPrank();
        second.mint(_holder(1), 3e18);
        second.mint(_holder(2), 1e18);
        uint256 max = distributor.MAX_SNAPSHOT_ID();
        second.fastForwardSnapshotId(max - 1);
        vm.prank(AGENT);
        uint256 id = distributor.createDistribution(address(second), address(usd), 100e6, _expiry(), 0);
        // After the record date holder 2 buys everything: the record-date balances still apply.
        vm.prank(_holder(1));
        second.transfer(_holder(2), 3e18);
        Distributor.DistributionInfo memory info = distributor.distribution(id);
        assertEq(info.snapshotId, max, "snapshot id");
        assertTrue(info.token == address(second), "token index intact");
        assertTrue(info.returnWithheldAtExpiry && info.withholding && !info.reclaimed, "flags intact");
        assertEq(info.claimExpiry, _expiry(), "expiry intact");
        assertEq(info.eligibleSupply, 4e18, "eligible supply intact");
        second.setHolderStatus(_holder(2), 8);
        vm.prank(_holder(2));
        assertEq(distributor.claim(id), 25e6, "escrowed at the record-date share");
        vm.warp(block.timestamp + 31 days);
        assertEq(distributor.reclaimExpired(id), 100e6, "holder 1's share and the escrow");
        info = distributor.distribution(id);
        assertTrue(info.reclaimed && info.returnWithheldAtExpiry && info.withholding, "reclaimed set, others kept");
        assertEq(info.snapshotId, max, "snapshot id kept");
        assertTrue(info.token == address(second), "token kept");
        assertEq(info.claimedGross, 25e6, "claimed gross kept");
    }

    function test_eligibleSupplyAbove96BitsIsRefused() public {
        token.mint(_holder(1), uint256(1) << 96);
        vm.prank(AGENT);
        vm.expectRevert(abi.encodeWithSelector(Distributor.EligibleSupplyTooLarge.selector, uint256(1) << 96));
        distributor.createDistribution(address(token), address(usd), 1e6, _expiry(), 0);
    }

    function test_eligibleSupplyJustBelow96BitsIsAccepted() public {
        token.mint(_holder(1), (uint256(1) << 96) - 2);
        token.mint(_holder(2), 1);
        uint256 id = _create(1e6);
        assertEq(distributor.distribution(id).eligibleSupply, (uint256(1) << 96) - 1, "eligible supply");
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 1e6 - 1, "floor share of the large holder");
        (uint256 gross,,,,) = distributor.claimable(id, _holder(2));
        assertEq(gross, 0, "one unit of 2^96-1 rounds to nothing");
        assertEq(distributor.distributionTotals(id).unpaid, 1, "the rest");
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
        vm.expectRevert(notFound);
        distributor.isPaid(unknown, _holder(1));
        assertEq(distributor.withheldOf(unknown, _holder(1)), 0, "nothing escrowed in an unknown distribution");
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

    function test_claimBubblesARevertingHolderLookup() public {
        (ProgrammableSnapshotToken t, uint256 id) = _programmable();
        t.setAnswer(ProgrammableSnapshotToken.Answer.Reverts);
        vm.prank(_holder(1));
        vm.expectRevert(ProgrammableSnapshotToken.HolderLookupFailed.selector);
        distributor.claim(id);
        // The views ask the token too.
        vm.expectRevert(ProgrammableSnapshotToken.HolderLookupFailed.selector);
        distributor.isPaid(id, _holder(1));
        vm.expectRevert(ProgrammableSnapshotToken.HolderLookupFailed.selector);
        distributor.claimable(id, _holder(1));
        t.setAnswer(ProgrammableSnapshotToken.Answer.Normal);
        assertTrue(!distributor.isPaid(id, _holder(1)), "not marked paid");
        assertEq(usd.balanceOf(_holder(1)), 0, "nothing paid");
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 100e6, "claim works once the token answers");
    }

    function test_pushBatchBubblesARevertingHolderLookup() public {
        (ProgrammableSnapshotToken t, uint256 id) = _programmable();
        address[] memory holders = new address[](1);
        holders[0] = _holder(1);
        t.setAnswer(ProgrammableSnapshotToken.Answer.Reverts);
        vm.prank(AGENT);
        vm.expectRevert(ProgrammableSnapshotToken.HolderLookupFailed.selector);
        distributor.pushBatch(id, holders);
        t.setAnswer(ProgrammableSnapshotToken.Answer.Normal);
        assertTrue(!distributor.isPaid(id, _holder(1)), "batch undone");
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, holders), 1, "pushed once the token answers");
        assertEq(usd.balanceOf(_holder(1)), 100e6, "paid");
    }

    function test_createBubblesFailingTokenLookups() public {
        ProgrammableSnapshotToken t = new ProgrammableSnapshotToken(_holder(1), 10e18);
        address[] memory excluded = new address[](1);
        excluded[0] = ISSUER;
        vm.prank(ADMIN);
        distributor.setExcludedWallets(address(t), excluded);
        // The excluded wallets' record-date balances come from holderAt.
        t.setAnswer(ProgrammableSnapshotToken.Answer.Reverts);
        vm.prank(AGENT);
        vm.expectRevert(ProgrammableSnapshotToken.HolderLookupFailed.selector);
        distributor.createDistribution(address(t), address(usd), 100e6, _expiry(), 0);
        t.setAnswer(ProgrammableSnapshotToken.Answer.Normal);
        t.setSupplyReverts(true);
        vm.prank(AGENT);
        vm.expectRevert(ProgrammableSnapshotToken.SupplyLookupFailed.selector);
        distributor.createDistribution(address(t), address(usd), 100e6, _expiry(), 0);
        assertEq(distributor.distributionCount(), 0, "nothing created");
        t.setSupplyReverts(false);
        vm.prank(AGENT);
        uint256 id = distributor.createDistribution(address(t), address(usd), 100e6, _expiry(), 0);
        assertEq(distributor.distribution(id).eligibleSupply, 10e18, "excluded wallet held nothing");
    }

    function test_shortOrEmptyHolderAnswersAreRefused() public {
        (ProgrammableSnapshotToken t, uint256 id) = _programmable();
        address[] memory holders = new address[](1);
        holders[0] = _holder(1);
        // Three words where four are expected: refused whatever the words say (and whatever the revert data).
        t.setAnswer(ProgrammableSnapshotToken.Answer.Short);
        vm.prank(_holder(1));
        vm.expectRevert();
        distributor.claim(id);
        vm.prank(AGENT);
        vm.expectRevert();
        distributor.pushBatch(id, holders);
        vm.expectRevert();
        distributor.isPaid(id, _holder(1));
        // A successful call that returns nothing: refused with empty revert data.
        t.setAnswer(ProgrammableSnapshotToken.Answer.Empty);
        vm.prank(_holder(1));
        vm.expectRevert(bytes(""));
        distributor.claim(id);
        vm.prank(AGENT);
        vm.expectRevert(bytes(""));
        distributor.pushBatch(id, holders);
        t.setAnswer(ProgrammableSnapshotToken.Answer.Normal);
        assertTrue(!distributor.isPaid(id, _holder(1)), "nothing marked");
        assertEq(usd.balanceOf(_holder(1)), 0, "nothing paid");
        assertEq(distributor.distributionTotals(id).unpaid, 100e6, "all unpaid");
    }

    /// @dev Claim, push and the claimable view all refuse the holder's answer, with empty revert data.
    function _expectEveryPaymentPathRevertsEmpty(uint256 id) internal {
        vm.prank(_holder(1));
        vm.expectRevert(bytes(""));
        distributor.claim(id);
        address[] memory holders = new address[](1);
        holders[0] = _holder(1);
        vm.prank(AGENT);
        vm.expectRevert(bytes(""));
        distributor.pushBatch(id, holders);
        vm.expectRevert(bytes(""));
        distributor.claimable(id, _holder(1));
    }

    function test_claimRefusesAHolderCodeOutsideUint8() public {
        (ProgrammableSnapshotToken t, uint256 id) = _programmable();
        t.setStatus(256);
        _expectEveryPaymentPathRevertsEmpty(id);
        // 255 is still a valid code: escrowed, not reverted.
        t.setStatus(255);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 100e6, "escrowed net");
        assertEq(distributor.withheldOf(id, _holder(1)), 100e6, "escrow recorded");
        assertEq(usd.balanceOf(_holder(1)), 0, "nothing transferred");
    }

    function test_claimRefusesACountryOutsideUint16() public {
        vm.prank(ADMIN);
        distributor.setWithholdingRate(65_535, 2_500);
        (ProgrammableSnapshotToken t, uint256 id) = _programmable();
        t.setCountry(65_536);
        _expectEveryPaymentPathRevertsEmpty(id);
        // 65535 is a valid country and is taxed at its own rate.
        t.setCountry(65_535);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 75e6, "net after 25%");
        assertEq(usd.balanceOf(TAX), 25e6, "tax for country 65535");
    }

    function test_withholdingUsesTheCountryFromHolderAt() public {
        // The fake token has no investor registry at all: the country can only come from holderAt.
        vm.startPrank(ADMIN);
        distributor.setWithholdingRate(US, 1_500);
        distributor.setWithholdingRate(0, 500); // wallets of unknown country
        vm.stopPrank();
        (ProgrammableSnapshotToken t, uint256 id) = _programmable();
        (, uint256 tax,,,) = distributor.claimable(id, _holder(1));
        assertEq(tax, 5e6, "country 0: the unknown-country rate");
        t.setCountry(276);
        (, tax,,,) = distributor.claimable(id, _holder(1));
        assertEq(tax, 0, "an untaxed country");
        t.setCountry(US);
        (uint256 gross, uint256 taxUs, uint256 net,,) = distributor.claimable(id, _holder(1));
        assertTrue(gross == 100e6 && taxUs == 15e6 && net == 85e6, "claimable at the US rate");
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 85e6, "net after the US rate");
        assertEq(usd.balanceOf(TAX), 15e6, "tax account");
        Distributor.DistributionTotals memory totals = distributor.distributionTotals(id);
        assertEq(totals.taxPaid, 15e6, "tax total");
        assertEq(totals.paidNet, 85e6, "net total");
        assertEq(_totalsSum(id), 100e6, "identity");
    }

    function test_pushTaxesEachHolderByTheCountryFromHolderAt() public {
        vm.startPrank(ADMIN);
        distributor.setWithholdingRate(US, 1_000);
        distributor.setWithholdingRate(156, 2_000);
        vm.stopPrank();
        token.mint(_holder(1), 1e18);
        token.mint(_holder(2), 1e18);
        token.mint(_holder(3), 2e18);
        registry.setCountry(_holder(1), US);
        registry.setCountry(_holder(2), 156);
        uint256 id = _create(400e6);
        address[] memory holders = new address[](3);
        holders[0] = _holder(1);
        holders[1] = _holder(2);
        holders[2] = _holder(3);
        vm.prank(AGENT);
        distributor.pushBatch(id, holders);
        assertEq(usd.balanceOf(_holder(1)), 90e6, "US 10%");
        assertEq(usd.balanceOf(_holder(2)), 80e6, "CN 20%");
        assertEq(usd.balanceOf(_holder(3)), 200e6, "untaxed");
        assertEq(usd.balanceOf(TAX), 30e6, "one tax transfer for the batch");
        assertEq(distributor.distributionTotals(id).taxPaid, 30e6, "tax total");
        assertEq(_totalsSum(id), 400e6, "identity");
    }

    function test_holderNumberZeroHasNoShareEvenWithABalance() public {
        // A token reporting a balance for a wallet it never numbered: the Distributor pays by number, so the
        // wallet gets nothing (it could not be recorded as paid).
        (ProgrammableSnapshotToken t, uint256 id) = _programmable();
        t.setHolderNumber(0);
        (uint256 gross,,,, bool paid) = distributor.claimable(id, _holder(1));
        assertTrue(gross == 0 && !paid, "no share, not paid");
        vm.prank(_holder(1));
        vm.expectRevert(abi.encodeWithSelector(Distributor.NothingToClaim.selector, id, _holder(1)));
        distributor.claim(id);
        address[] memory holders = new address[](2);
        holders[0] = _holder(1);
        holders[1] = _holder(1);
        vm.prank(AGENT);
        assertEq(distributor.pushBatch(id, holders), 0, "skipped by push");
        assertEq(usd.balanceOf(_holder(1)), 0, "nothing paid");
        assertEq(distributor.distributionTotals(id).unpaid, 100e6, "all unpaid");
        t.setHolderNumber(1);
        vm.prank(_holder(1));
        assertEq(distributor.claim(id), 100e6, "paid once numbered");
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
        vm.prank(ADMIN);
        distributor.setWithholdingRate(276, 1_000); // some country is taxed: the distribution withholds
        uint256 id = _create(100e6);
        assertTrue(distributor.distribution(id).withholding, "withholding distribution");
        (uint256 gross, uint256 tax, uint256 net, uint8 code, bool paid) = distributor.claimable(id, _holder(1));
        assertEq(gross, 75e6, "gross");
        assertEq(tax, 0, "no tax while the holder's country has no rate");
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
