// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TokenFixture} from "../TokenFixture.t.sol";
import {DvPSettlement} from "../../../contracts/settlement/DvPSettlement.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice A minimal ERC-1271 smart wallet: valid signatures are its owner key's ECDSA signatures.
contract OwnerSignedWallet {
    address internal immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }

    function approve(address token, address spender, uint256 amount) external {
        IERC20(token).approve(spender, amount);
    }
}

/// @notice A security token whose `transferFrom` reverts with as much data as about half its gas can pay for
/// in memory. Passing that payload up costs the settlement's sub-call as much again, which it can afford; a
/// batch that then copied the whole payload (and logged it) could not, and would revert with every trade in it.
contract RevertBombToken {
    function transferFrom(address, address, uint256) external view returns (bool) {
        // Memory for w words costs 3w + w^2/512 gas: w^2/512 = 45% of the gas left leaves room for the 3w.
        uint256 words = Math.sqrt(512 * (gasleft() * 45 / 100));
        assembly ("memory-safe") {
            revert(0, mul(words, 32))
        }
    }
}

/// @notice The cheatcodes that read the logs a call emitted (not in the shared Vm interface).
interface VmLogs {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory);
}

/// @notice DvPSettlement: both legs or nothing, EIP-712 consent of both parties, seller nonces, buyer
/// cancellations, fees and batches that skip bad trades.
contract DvPSettlementTest is TokenFixture {
    uint256 internal constant SELLER_KEY = 0x5E11E4;
    uint256 internal constant BUYER_KEY = 0xB0E4;
    uint256 internal constant OTHER_KEY = 0x0BAD;
    address internal constant FEES = address(0xFEE5);
    address internal constant PLATFORM = address(0x91A7);

    DvPSettlement internal dvp;
    MockStablecoin internal usd;
    address internal seller;
    address internal buyer;

    function setUp() public override {
        super.setUp();
        seller = vm.addr(SELLER_KEY);
        buyer = vm.addr(BUYER_KEY);
        _register(seller, "seller", HK, PROFESSIONAL);
        _register(buyer, "buyer", SG, ACCREDITED);
        dvp = DvPSettlement(Shipped.deploy("DvPSettlement", abi.encode(address(this), FEES)));
        usd = new MockStablecoin("USD Coin", "USDC", 6);

        token.mint(seller, 1_000_000);
        usd.mint(buyer, 10_000_000);
        vm.prank(seller);
        token.approve(address(dvp), type(uint256).max);
        vm.prank(buyer);
        usd.approve(address(dvp), type(uint256).max);
    }

    // ------------------------------------------------------------------ helpers

    function _trade(uint256 nonce, uint16 feeBps) internal view returns (DvPSettlement.Trade memory t) {
        t = DvPSettlement.Trade({
            seller: seller,
            buyer: buyer,
            securityToken: address(token),
            securityAmount: 1_000,
            paymentToken: address(usd),
            paymentAmount: 100_000,
            nonce: nonce,
            expiry: uint64(block.timestamp + 1 days),
            feeBps: feeBps
        });
    }

    function _sign(uint256 key, DvPSettlement.Trade memory t) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, dvp.hashTrade(t));
        return abi.encodePacked(r, s, v);
    }

    function _settleSigned(DvPSettlement.Trade memory t) internal returns (bytes32) {
        vm.prank(PLATFORM);
        return dvp.settle(t, _sign(SELLER_KEY, t), _sign(BUYER_KEY, t));
    }

    function _expectSettleReverts(DvPSettlement.Trade memory t, bytes memory reason) internal {
        bytes memory sellerSig = _sign(SELLER_KEY, t);
        bytes memory buyerSig = _sign(BUYER_KEY, t);
        vm.prank(PLATFORM);
        vm.expectRevert(reason);
        dvp.settle(t, sellerSig, buyerSig);
    }

    function _unauthorized(address who, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, who, role);
    }

    // ------------------------------------------------------------------ construction and admin

    function test_constructorRefusesAZeroAdmin() public {
        vm.expectRevert(DvPSettlement.ZeroAddress.selector);
        Shipped.deploy("DvPSettlement", abi.encode(address(0), FEES));
    }

    function test_constructorSetsAdminAndFeeRecipient() public view {
        assertTrue(dvp.hasRole(dvp.DEFAULT_ADMIN_ROLE(), address(this)), "admin");
        assertTrue(dvp.feeRecipient() == FEES, "fee recipient");
        assertEq(dvp.MAX_FEE_BPS(), 500, "max fee");
        assertTrue(dvp.domainSeparator() != bytes32(0), "domain separator");
    }

    function test_adminSetsTheFeeRecipient() public {
        dvp.setFeeRecipient(address(0xFEE6));
        assertTrue(dvp.feeRecipient() == address(0xFEE6), "new recipient");
    }

    function test_setFeeRecipientRefusesAnUnauthorisedCaller() public {
        vm.prank(stranger);
        vm.expectRevert(_unauthorized(stranger, bytes32(0)));
        dvp.setFeeRecipient(stranger);
    }

    // ------------------------------------------------------------------ settle: the happy paths

    function test_settleMovesBothLegsWithBothSignatures() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        bytes32 h = _settleSigned(t);
        assertTrue(h == dvp.hashTrade(t), "trade hash");
        assertEq(token.balanceOf(seller), 999_000, "seller securities");
        assertEq(token.balanceOf(buyer), 1_000, "buyer securities");
        assertEq(usd.balanceOf(seller), 100_000, "seller proceeds");
        assertEq(usd.balanceOf(buyer), 9_900_000, "buyer cash");
        assertTrue(dvp.nonceUsed(seller, 1), "nonce used");
        assertTrue(!dvp.nonceUsed(seller, 2), "other nonce free");
    }

    function test_settlePaysTheFeeToTheFeeRecipient() public {
        DvPSettlement.Trade memory t = _trade(7, 250); // 2.5%
        _settleSigned(t);
        assertEq(usd.balanceOf(FEES), 2_500, "fee");
        assertEq(usd.balanceOf(seller), 97_500, "seller net of fee");
        assertEq(usd.balanceOf(buyer), 9_900_000, "buyer pays the gross amount");
    }

    function test_settleWithAFeeThatRoundsToZeroPaysTheSellerEverything() public {
        DvPSettlement.Trade memory t = _trade(8, 1);
        t.paymentAmount = 99; // 99 * 1 / 10000 = 0
        _settleSigned(t);
        assertEq(usd.balanceOf(FEES), 0, "no fee");
        assertEq(usd.balanceOf(seller), 99, "seller gets all");
    }

    function test_settleOfAFreeTransferMovesNoPayment() public {
        DvPSettlement.Trade memory t = _trade(9, 0);
        t.paymentAmount = 0;
        _settleSigned(t);
        assertEq(token.balanceOf(buyer), 1_000, "delivered");
        assertEq(usd.balanceOf(buyer), 10_000_000, "nothing paid");
    }

    function test_settleAcceptsAnEmptySellerSignatureWhenTheSellerCalls() public {
        DvPSettlement.Trade memory t = _trade(2, 0);
        bytes memory buyerSig = _sign(BUYER_KEY, t);
        vm.prank(seller);
        dvp.settle(t, "", buyerSig);
        assertEq(token.balanceOf(buyer), 1_000, "delivered");
    }

    function test_settleAcceptsAnEmptyBuyerSignatureWhenTheBuyerCalls() public {
        DvPSettlement.Trade memory t = _trade(3, 0);
        bytes memory sellerSig = _sign(SELLER_KEY, t);
        vm.prank(buyer);
        dvp.settle(t, sellerSig, "");
        assertEq(usd.balanceOf(seller), 100_000, "paid");
    }

    function test_settleAcceptsAnERC1271SmartWalletBuyer() public {
        OwnerSignedWallet wallet = new OwnerSignedWallet(vm.addr(OTHER_KEY));
        _register(address(wallet), "wallet", HK, PROFESSIONAL);
        usd.mint(address(wallet), 100_000);
        wallet.approve(address(usd), address(dvp), type(uint256).max);
        DvPSettlement.Trade memory t = _trade(4, 0);
        t.buyer = address(wallet);
        bytes memory sellerSig = _sign(SELLER_KEY, t);
        bytes memory walletSig = _sign(OTHER_KEY, t);
        vm.prank(PLATFORM);
        dvp.settle(t, sellerSig, walletSig);
        assertEq(token.balanceOf(address(wallet)), 1_000, "wallet received");
    }

    function test_settleAcceptsTheLastSecondBeforeExpiry() public {
        DvPSettlement.Trade memory t = _trade(5, 0);
        vm.warp(t.expiry);
        _settleSigned(t);
        assertTrue(dvp.nonceUsed(seller, 5), "settled at expiry");
    }

    // ------------------------------------------------------------------ settle: refusals

    function test_settleRefusesATradeWhereSellerIsBuyer() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        t.buyer = seller;
        _expectSettleReverts(t, abi.encodeWithSelector(DvPSettlement.InvalidTrade.selector));
    }

    function test_settleRefusesAZeroSeller() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        t.seller = address(0);
        vm.expectRevert(DvPSettlement.InvalidTrade.selector);
        dvp.settle(t, "", "");
    }

    function test_settleRefusesAZeroBuyer() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        t.buyer = address(0);
        vm.expectRevert(DvPSettlement.InvalidTrade.selector);
        dvp.settle(t, "", "");
    }

    function test_settleRefusesAZeroSecurityAmount() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        t.securityAmount = 0;
        _expectSettleReverts(t, abi.encodeWithSelector(DvPSettlement.InvalidTrade.selector));
    }

    function test_settleRefusesAnExpiredTrade() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        bytes memory sellerSig = _sign(SELLER_KEY, t);
        bytes memory buyerSig = _sign(BUYER_KEY, t);
        vm.warp(uint256(t.expiry) + 1);
        vm.expectRevert(abi.encodeWithSelector(DvPSettlement.TradeExpired.selector, t.expiry, uint256(t.expiry) + 1));
        dvp.settle(t, sellerSig, buyerSig);
    }

    function test_settleRefusesAFeeAboveTheMaximum() public {
        DvPSettlement.Trade memory t = _trade(1, 501);
        _expectSettleReverts(t, abi.encodeWithSelector(DvPSettlement.FeeTooHigh.selector, uint16(501), uint16(500)));
    }

    function test_settleRefusesAFeeWhenNoFeeRecipientIsSet() public {
        dvp.setFeeRecipient(address(0));
        DvPSettlement.Trade memory t = _trade(1, 100);
        _expectSettleReverts(t, abi.encodeWithSelector(DvPSettlement.NoFeeRecipient.selector));
        assertTrue(!dvp.nonceUsed(seller, 1), "nothing consumed");
        assertEq(token.balanceOf(buyer), 0, "security leg undone");
    }

    function test_settleRefusesASellerSignatureByAnotherKey() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        bytes memory forged = _sign(OTHER_KEY, t);
        bytes memory buyerSig = _sign(BUYER_KEY, t);
        vm.prank(PLATFORM);
        vm.expectRevert(abi.encodeWithSelector(DvPSettlement.InvalidSignature.selector, seller));
        dvp.settle(t, forged, buyerSig);
    }

    function test_settleRefusesAMissingBuyerSignatureFromAThirdParty() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        bytes memory sellerSig = _sign(SELLER_KEY, t);
        vm.prank(PLATFORM);
        vm.expectRevert(abi.encodeWithSelector(DvPSettlement.InvalidSignature.selector, buyer));
        dvp.settle(t, sellerSig, "");
    }

    function test_settleRefusesASignatureOverDifferentTerms() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        bytes memory sellerSig = _sign(SELLER_KEY, t);
        bytes memory buyerSig = _sign(BUYER_KEY, t);
        t.paymentAmount = 1; // buyer tries to pay less than agreed
        vm.prank(PLATFORM);
        vm.expectRevert(abi.encodeWithSelector(DvPSettlement.InvalidSignature.selector, seller));
        dvp.settle(t, sellerSig, buyerSig);
    }

    function test_settleRefusesAReplayedSignature() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        _settleSigned(t);
        _expectSettleReverts(t, abi.encodeWithSelector(DvPSettlement.NonceAlreadyUsed.selector, seller, uint256(1)));
        assertEq(token.balanceOf(buyer), 1_000, "delivered once");
    }

    function test_settleSettlesOnlyOneOfSeveralTradesSharingASellerNonce() public {
        DvPSettlement.Trade memory first = _trade(11, 0);
        DvPSettlement.Trade memory second = _trade(11, 0);
        second.paymentAmount = 120_000; // a different buyer offer for the same lot
        _settleSigned(first);
        _expectSettleReverts(second, abi.encodeWithSelector(DvPSettlement.NonceAlreadyUsed.selector, seller, uint256(11)));
    }

    function test_settlePropagatesTheTokensComplianceRefusalUnchanged() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        t.buyer = vm.addr(OTHER_KEY); // not registered
        bytes memory sellerSig = _sign(SELLER_KEY, t);
        bytes memory buyerSig = _sign(OTHER_KEY, t);
        uint8 code = uint8(token.detectTransferRestriction(seller, t.buyer, t.securityAmount));
        assertTrue(code != 0, "unregistered buyer refused");
        vm.prank(PLATFORM);
        vm.expectRevert(_restricted(code));
        dvp.settle(t, sellerSig, buyerSig);
        assertTrue(!dvp.nonceUsed(seller, 1), "nonce rolled back");
    }

    function test_settleUndoesTheSecurityLegWhenThePaymentLegFails() public {
        vm.prank(buyer);
        usd.approve(address(dvp), 10); // not enough for the payment leg
        DvPSettlement.Trade memory t = _trade(1, 0);
        bytes memory sellerSig = _sign(SELLER_KEY, t);
        bytes memory buyerSig = _sign(BUYER_KEY, t);
        vm.prank(PLATFORM);
        vm.expectRevert();
        dvp.settle(t, sellerSig, buyerSig);
        assertEq(token.balanceOf(seller), 1_000_000, "security leg undone");
        assertTrue(!dvp.nonceUsed(seller, 1), "nonce unused");
    }

    // ------------------------------------------------------------------ cancellation

    function test_sellerCancelBurnsTheNonceForEveryTradeWithIt() public {
        DvPSettlement.Trade memory t = _trade(21, 0);
        vm.prank(seller);
        dvp.cancel(t);
        assertTrue(dvp.nonceUsed(seller, 21), "nonce burnt");
        _expectSettleReverts(t, abi.encodeWithSelector(DvPSettlement.NonceAlreadyUsed.selector, seller, uint256(21)));
    }

    function test_buyerCancelRefusesThatExactTradeOnly() public {
        DvPSettlement.Trade memory t = _trade(22, 0);
        bytes32 h = dvp.hashTrade(t);
        vm.prank(buyer);
        dvp.cancel(t);
        assertTrue(dvp.cancelledByBuyer(h), "cancelled by buyer");
        assertTrue(!dvp.nonceUsed(seller, 22), "seller nonce untouched");
        _expectSettleReverts(t, abi.encodeWithSelector(DvPSettlement.TradeCancelledByBuyer.selector, h));

        DvPSettlement.Trade memory other = _trade(22, 0);
        other.paymentAmount = 100_001;
        _settleSigned(other);
        assertTrue(dvp.nonceUsed(seller, 22), "another trade with the nonce settles");
    }

    function test_cancelRefusesACallerWhoIsNotAParty() public {
        DvPSettlement.Trade memory t = _trade(23, 0);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(DvPSettlement.NotTradeParty.selector, stranger));
        dvp.cancel(t);
    }

    function test_sellerCannotCancelAnAlreadyUsedNonce() public {
        DvPSettlement.Trade memory t = _trade(24, 0);
        _settleSigned(t);
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(DvPSettlement.NonceAlreadyUsed.selector, seller, uint256(24)));
        dvp.cancel(t);
    }

    function test_invalidateNonceBurnsTheCallersOwnNonce() public {
        vm.prank(seller);
        dvp.invalidateNonce(300); // second bitmap word
        assertTrue(dvp.nonceUsed(seller, 300), "burnt");
        assertTrue(!dvp.nonceUsed(seller, 44), "same bit, other word, free");
        assertTrue(!dvp.nonceUsed(buyer, 300), "only the caller's");
        vm.prank(seller);
        vm.expectRevert(abi.encodeWithSelector(DvPSettlement.NonceAlreadyUsed.selector, seller, uint256(300)));
        dvp.invalidateNonce(300);
    }

    function testFuzz_nonceBitmapTracksEachNonceIndependently(uint256 a, uint256 b) public {
        vm.assume(a != b);
        vm.prank(seller);
        dvp.invalidateNonce(a);
        assertTrue(dvp.nonceUsed(seller, a), "a used");
        assertTrue(!dvp.nonceUsed(seller, b), "b free");
    }

    // ------------------------------------------------------------------ batches

    function _batchOf(DvPSettlement.Trade[] memory ts)
        internal
        view
        returns (bytes[] memory sellerSigs, bytes[] memory buyerSigs)
    {
        sellerSigs = new bytes[](ts.length);
        buyerSigs = new bytes[](ts.length);
        for (uint256 i; i < ts.length; ++i) {
            sellerSigs[i] = _sign(SELLER_KEY, ts[i]);
            buyerSigs[i] = _sign(BUYER_KEY, ts[i]);
        }
    }

    function test_settleBatchSettlesEveryGoodTrade() public {
        DvPSettlement.Trade[] memory ts = new DvPSettlement.Trade[](3);
        for (uint256 i; i < 3; ++i) {
            ts[i] = _trade(100 + i, 100);
        }
        (bytes[] memory s, bytes[] memory b) = _batchOf(ts);
        vm.prank(PLATFORM);
        uint256 settled = dvp.settleBatch(ts, s, b);
        assertEq(settled, 3, "all settled");
        assertEq(token.balanceOf(buyer), 3_000, "delivered");
        assertEq(usd.balanceOf(FEES), 3_000, "fees");
    }

    function test_settleBatchSkipsABadTradeAndSettlesTheRest() public {
        DvPSettlement.Trade[] memory ts = new DvPSettlement.Trade[](3);
        ts[0] = _trade(200, 0);
        ts[1] = _trade(201, 0);
        ts[2] = _trade(202, 0);
        (bytes[] memory s, bytes[] memory b) = _batchOf(ts);
        b[1] = _sign(OTHER_KEY, ts[1]); // forged buyer consent
        vm.prank(PLATFORM);
        uint256 settled = dvp.settleBatch(ts, s, b);
        assertEq(settled, 2, "two settled");
        assertTrue(dvp.nonceUsed(seller, 200) && dvp.nonceUsed(seller, 202), "good trades used their nonces");
        assertTrue(!dvp.nonceUsed(seller, 201), "failed trade's nonce stays free");
        assertEq(token.balanceOf(buyer), 2_000, "two lots delivered");
        assertEq(usd.balanceOf(seller), 200_000, "two payments");
    }

    function test_settleBatchRollsBackBothLegsOfATradeWhosePaymentFails() public {
        DvPSettlement.Trade[] memory ts = new DvPSettlement.Trade[](2);
        ts[0] = _trade(210, 0);
        ts[1] = _trade(211, 0);
        ts[1].paymentAmount = 50_000_000; // more than the buyer holds
        (bytes[] memory s, bytes[] memory b) = _batchOf(ts);
        vm.prank(PLATFORM);
        assertEq(dvp.settleBatch(ts, s, b), 1, "one settled");
        assertEq(token.balanceOf(buyer), 1_000, "failed trade's security leg rolled back");
        assertTrue(!dvp.nonceUsed(seller, 211), "nonce free for resubmission");
    }

    function test_aTokenRevertingWithAHugePayloadCannotRevertTheBatch() public {
        RevertBombToken bomb = new RevertBombToken();
        DvPSettlement.Trade[] memory ts = new DvPSettlement.Trade[](3);
        ts[0] = _trade(230, 0);
        ts[1] = _trade(231, 0);
        ts[1].securityToken = address(bomb);
        ts[2] = _trade(232, 0);
        (bytes[] memory s, bytes[] memory b) = _batchOf(ts);
        vm.prank(PLATFORM);
        uint256 settled = dvp.settleBatch{gas: 10_000_000}(ts, s, b);
        assertEq(settled, 2, "the honest trades settled");
        assertTrue(dvp.nonceUsed(seller, 230) && dvp.nonceUsed(seller, 232), "honest nonces used");
        assertTrue(!dvp.nonceUsed(seller, 231), "the bomb trade rolled back");
        assertEq(token.balanceOf(buyer), 2_000, "two lots delivered");
        assertEq(usd.balanceOf(seller), 200_000, "two payments");
    }

    function test_settleBatchReportsAFailedTradesRevertDataCutToTheBound() public {
        RevertBombToken bomb = new RevertBombToken();
        DvPSettlement.Trade[] memory ts = new DvPSettlement.Trade[](1);
        ts[0] = _trade(240, 0);
        ts[0].securityToken = address(bomb);
        (bytes[] memory s, bytes[] memory b) = _batchOf(ts);
        VmLogs logs = VmLogs(address(vm));
        logs.recordLogs();
        vm.prank(PLATFORM);
        assertEq(dvp.settleBatch{gas: 10_000_000}(ts, s, b), 0, "nothing settled");
        VmLogs.Log[] memory entries = logs.getRecordedLogs();
        assertEq(entries.length, 1, "one event");
        assertTrue(entries[0].topics[0] == DvPSettlement.TradeFailed.selector, "TradeFailed");
        assertTrue(entries[0].topics[1] == dvp.hashTrade(ts[0]), "names the trade");
        bytes memory reason = abi.decode(entries[0].data, (bytes));
        assertEq(reason.length, dvp.MAX_REASON_BYTES(), "revert data cut to the bound");
    }

    function test_settleBatchReportsAShortRevertWhole() public {
        DvPSettlement.Trade[] memory ts = new DvPSettlement.Trade[](1);
        ts[0] = _trade(250, 0);
        ts[0].expiry = uint64(block.timestamp - 1);
        (bytes[] memory s, bytes[] memory b) = _batchOf(ts);
        VmLogs logs = VmLogs(address(vm));
        logs.recordLogs();
        vm.prank(PLATFORM);
        dvp.settleBatch(ts, s, b);
        VmLogs.Log[] memory entries = logs.getRecordedLogs();
        bytes memory reason = abi.decode(entries[0].data, (bytes));
        assertTrue(
            keccak256(reason)
                == keccak256(
                    abi.encodeWithSelector(DvPSettlement.TradeExpired.selector, block.timestamp - 1, block.timestamp)
                ),
            "the whole custom error"
        );
    }

    function test_settleBatchLetsTheCallerSkipItsOwnSignature() public {
        DvPSettlement.Trade[] memory ts = new DvPSettlement.Trade[](1);
        ts[0] = _trade(220, 0);
        bytes[] memory s = new bytes[](1);
        bytes[] memory b = new bytes[](1);
        b[0] = _sign(BUYER_KEY, ts[0]);
        vm.prank(seller);
        assertEq(dvp.settleBatch(ts, s, b), 1, "seller-called batch settles");
    }

    function test_settleBatchRefusesMismatchedSellerSignatures() public {
        DvPSettlement.Trade[] memory ts = new DvPSettlement.Trade[](2);
        vm.expectRevert(DvPSettlement.LengthMismatch.selector);
        dvp.settleBatch(ts, new bytes[](1), new bytes[](2));
    }

    function test_settleBatchRefusesMismatchedBuyerSignatures() public {
        DvPSettlement.Trade[] memory ts = new DvPSettlement.Trade[](2);
        vm.expectRevert(DvPSettlement.LengthMismatch.selector);
        dvp.settleBatch(ts, new bytes[](2), new bytes[](3));
    }

    function test_settleBatchOfNothingSettlesNothing() public {
        assertEq(dvp.settleBatch(new DvPSettlement.Trade[](0), new bytes[](0), new bytes[](0)), 0, "empty");
    }

    function test_settleFromBatchRefusesAnyCallerButTheContractItself() public {
        DvPSettlement.Trade memory t = _trade(1, 0);
        vm.prank(seller);
        vm.expectRevert(DvPSettlement.OnlySelf.selector);
        dvp.settleFromBatch(t, "", "", seller);
    }
}
