// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC7943FungibleEvents} from "../../../contracts/interfaces/IERC7943.sol";
import {ReasonCodes} from "../../../contracts/compliance/ReasonCodes.sol";
import {StandardsBase} from "./StandardsBase.sol";

/// @notice ERC-7943's checks against the token's own rule evaluation over random states: registration, KYC
/// expiry, wallet freeze, registry sanction, blocked or non-allowed countries, allowlist mode, category
/// requirements, pause, trading halt, investor and holding limits, partial freezes (above the balance too),
/// wallet lockups and locked mint lots, multi-wallet investors, the zero address and the token itself.
/// Properties: canTransfer(f, t, x) is exactly checkTransfer(f, t, x) answering 0 (and ERC-1404's code); a false
/// canSend(f) makes every canTransfer(f, ., .) false, a false canReceive(t) every canTransfer(., t, .); a sender
/// account code implies !canSend(f), a receiver account code !canReceive(t); canSend / canReceive never revert;
/// a transfer (or transferFrom) succeeds exactly when the check allows it, and otherwise reverts with the error the
/// check's code stands for.
contract ERC7943PropertiesTest is StandardsBase {
    address internal alice2 = address(0xA11CE2); // alice's second wallet (multi-wallet investor)
    address internal frank = address(0xF4A4C); // HK professional without tokens: a new investor when credited
    address[11] internal actors;
    uint16[6] internal countries = [HK, HK, SG, US, US, CN];
    uint32[6] internal categories = [PROFESSIONAL, PROFESSIONAL, ACCREDITED, RETAIL, ACCREDITED, PROFESSIONAL];

    function setUp() public override {
        super.setUp();
        registry.addWallet(alice, alice2);
        _register(frank, "frank", HK, PROFESSIONAL);
        token.mint(alice, 1000e6);
        token.mint(alice2, 250e6);
        token.mint(bob, 500e6);
        token.mint(carol, 300e6);
        token.mint(erin, 200e6);
        actors = [alice, bob, carol, dave, erin, cnInvestor, stranger, alice2, frank, address(0), address(token)];
    }

    // ------------------------------------------------------------------ random state

    /// @dev Layout of `seed`: 16 bits per investor (alice, bob, carol, dave, erin, cn) in bits 0..95, the global
    /// switches in bits 96..111, a locked mint lot in bit 112, the investors' frozen-amount seeds from bit 128 on.
    /// Switches fire with probability 1/8 to 1/2, so that refusals of every kind and successful transfers are all
    /// common.
    function _randomState(uint256 seed) internal {
        if ((seed >> 112) & 1 != 0) {
            // A locked mint lot on alice (10 days).
            token.setDefaultLockup(10 days);
            token.mint(alice, 100e6);
            token.setDefaultLockup(0);
        }
        for (uint256 i; i < 6; ++i) {
            _mutateInvestor(i, uint16(seed >> (16 * i)), seed >> (128 + 16 * i));
        }
        _mutateGlobal(uint16(seed >> 96));
    }

    /// @dev Half of the investors keep a clean record; the others get each restriction with probability 1/4
    /// (removal from the registry 1/8, a frozen amount 1/2).
    function _mutateInvestor(uint256 i, uint16 b, uint256 amountSeed) internal {
        if (b & 0x8000 == 0) return;
        address a = actors[i];
        if (b & 3 == 3) token.setAddressFrozen(a, true);
        if ((b >> 2) & 3 == 3) registry.setInvestorFrozen(a, true);
        if ((b >> 4) & 3 == 3) registry.updateInvestor(a, countries[i], categories[i], uint40(T0 - 1));
        if ((b >> 6) & 7 == 7) registry.removeWallet(a);
        if ((b >> 9) & 1 != 0) token.setFrozenTokens(a, _frozenAmount(a, amountSeed));
        if ((b >> 10) & 3 == 3) token.setInvestorLockup(a, uint40(T0 + 1 days));
    }

    function _frozenAmount(address a, uint256 amountSeed) internal view returns (uint256) {
        uint256 bal = token.balanceOf(a);
        uint256 kind = amountSeed % 4;
        if (kind == 0) return bal / 2;
        if (kind == 1) return bal;
        if (kind == 2) return bal + 1 + (amountSeed % 1000e6); // above the balance
        return amountSeed % (bal + 1);
    }

    function _mutateGlobal(uint16 g) internal {
        if (g & 7 == 7) token.pause();
        if ((g >> 3) & 7 == 7) token.setTradingHalt(true);
        if ((g >> 6) & 1 != 0) token.setAllowlistMode(false);
        bool hkBlocked = (g >> 7) & 3 == 3;
        if (hkBlocked) token.setCountryRule(HK, true, true, 0, 0);
        if ((g >> 9) & 1 != 0) token.setCountryRule(SG, false, false, 0, 0); // SG off the allow list
        if ((g >> 10) & 3 == 3) token.setCountryRule(HK, true, hkBlocked, ACCREDITED, 0); // HK needs accredited
        uint256 limits = (g >> 12) & 3;
        // 1: at most 4 investors and 1,200 per investor; 2: at least 10 per holding; 3: both.
        if (limits != 0) {
            token.setLimits(limits & 1 != 0 ? 4 : 0, limits & 2 != 0 ? 10e6 : 0, limits & 1 != 0 ? 1200e6 : 0);
        }
    }

    /// @dev Half the time one of the investors that start out eligible (both sides of a successful transfer
    /// then appear often), else any actor, the zero address and the token included.
    function _pick(uint256 r) internal view returns (address) {
        if (r & 1 != 0) return [alice, bob, carol, erin, alice2, frank][(r >> 1) % 6];
        return actors[(r >> 1) % actors.length];
    }

    function _amount(address f, uint256 amountSeed) internal view returns (uint256) {
        uint256 bal = token.balanceOf(f);
        uint256 frozen = token.getFrozenTokens(f);
        uint256 unfrozen = bal > frozen ? bal - frozen : 0;
        uint256 kind = amountSeed % 6;
        if (kind == 0) return 0;
        if (kind == 1) return bal;
        if (kind == 2) return bal + 1;
        if (kind == 3) return unfrozen;
        if (kind == 4) return unfrozen + 1;
        return bound(amountSeed >> 8, 0, 2 * bal + 1);
    }

    // ------------------------------------------------------------------ properties

    function _checkCode(address f, address t, uint256 x) internal view returns (uint256 c) {
        (uint8 code,) = token.checkTransfer(f, t, x);
        c = code;
    }

    function _isSenderCode(uint256 c) internal pure returns (bool) {
        return c == ReasonCodes.SENDER_NOT_VERIFIED || c == ReasonCodes.SENDER_KYC_EXPIRED
            || c == ReasonCodes.SENDER_FROZEN || c == ReasonCodes.SENDER_SANCTIONED;
    }

    function _isReceiverCode(uint256 c) internal pure returns (bool) {
        return c == ReasonCodes.RECEIVER_NOT_VERIFIED || c == ReasonCodes.RECEIVER_KYC_EXPIRED
            || c == ReasonCodes.RECEIVER_FROZEN || c == ReasonCodes.RECEIVER_SANCTIONED
            || c == ReasonCodes.COUNTRY_NOT_ALLOWED || c == ReasonCodes.COUNTRY_BLOCKED
            || c == ReasonCodes.CATEGORY_NOT_ALLOWED || c == ReasonCodes.INVALID_RECEIVER;
    }

    /// @dev canSend / canReceive answer (32 bytes, a bool) and never revert, for every actor.
    function _checkNeverReverts() internal view {
        for (uint256 i; i < actors.length; ++i) {
            _checkAnswersBool(abi.encodeCall(token.canSend, (actors[i])));
            _checkAnswersBool(abi.encodeCall(token.canReceive, (actors[i])));
        }
    }

    function _checkAnswersBool(bytes memory data) internal view {
        (bool ok, bytes memory ret) = address(token).staticcall(data);
        assertTrue(ok, "canSend / canReceive reverted");
        assertEq(ret.length, 32, "one word");
        assertLe(abi.decode(ret, (uint256)), 1, "a bool");
    }

    function _checkConsistency(address f, address t, uint256 x) internal view {
        uint256 c = _checkCode(f, t, x);
        bool can = token.canTransfer(f, t, x);
        assertTrue(can == (c == 0), "canTransfer == (checkTransfer code == 0)");
        assertEq(token.detectTransferRestriction(f, t, x), c, "ERC-1404 code == checkTransfer code");
        if (_isSenderCode(c)) assertTrue(!token.canSend(f), "sender code => !canSend");
        if (_isReceiverCode(c)) assertTrue(!token.canReceive(t), "receiver code => !canReceive");
    }

    /// @dev !canSend(f) => canTransfer(f, t', x') false for every actor t' and several amounts; same for receivers.
    function _checkImplications(address f, address t, uint256 x) internal view {
        uint256[3] memory amounts = [uint256(0), x, token.balanceOf(f)];
        bool send = token.canSend(f);
        bool receive_ = token.canReceive(t);
        for (uint256 i; i < actors.length; ++i) {
            for (uint256 j; j < 3; ++j) {
                if (!send) assertTrue(!token.canTransfer(f, actors[i], amounts[j]), "!canSend(f) => !canTransfer");
                if (!receive_) assertTrue(!token.canTransfer(actors[i], t, amounts[j]), "!canReceive(t) => !canTransfer");
            }
        }
    }

    function _expectedRevert(address f, uint256 x, uint256 c) internal view returns (bytes memory) {
        if (c == ReasonCodes.TOKENS_FROZEN) {
            uint256 bal = token.balanceOf(f);
            uint256 frozen = token.getFrozenTokens(f);
            return abi.encodeWithSelector(
                IERC7943FungibleEvents.ERC7943InsufficientUnfrozenBalance.selector, f, x, bal > frozen ? bal - frozen : 0
            );
        }
        return _restricted(uint8(c));
    }

    /// @dev The transfer itself succeeds iff canTransfer, moves exactly `x`, and reverts with the check's error.
    function _checkTransferMatches(address f, address t, uint256 x) internal {
        bool can = token.canTransfer(f, t, x);
        bytes memory expected = can ? bytes("") : _expectedRevert(f, x, _checkCode(f, t, x));
        uint256 balF = token.balanceOf(f);
        uint256 balT = token.balanceOf(t);
        vm.prank(f);
        (bool ok, bytes memory ret) = address(token).call(abi.encodeCall(token.transfer, (t, x)));
        assertTrue(ok == can, "transfer succeeds iff canTransfer");
        if (!ok) {
            assertTrue(keccak256(ret) == keccak256(expected), "revert data is the check's error");
        } else if (f != t) {
            assertEq(token.balanceOf(f), balF - x, "sender debited");
            assertEq(token.balanceOf(t), balT + x, "receiver credited");
        }
    }

    function _checkTransferFromMatches(address spender, address f, address t, uint256 x) internal {
        (uint8 c,) = token.checkTransferFrom(spender, f, t, x);
        vm.prank(f);
        token.approve(spender, type(uint256).max);
        vm.prank(spender);
        (bool ok, bytes memory ret) = address(token).call(abi.encodeCall(token.transferFrom, (f, t, x)));
        assertTrue(ok == (c == 0), "transferFrom succeeds iff checkTransferFrom answers 0");
        if (!ok) assertTrue(keccak256(ret) == keccak256(_expectedRevert(f, x, c)), "revert data is the check's error");
    }

    // ------------------------------------------------------------------ fuzz entry points

    function testFuzz_checksAgreeWithTheRules(uint256 stateSeed, uint256 pick, uint256 amountSeed) public {
        _randomState(stateSeed);
        address f = _pick(pick);
        address t = _pick(pick >> 8);
        uint256 x = _amount(f, amountSeed);
        _checkNeverReverts();
        _checkConsistency(f, t, x);
        _checkImplications(f, t, x);
    }

    function testFuzz_transferSucceedsIffCanTransfer(uint256 stateSeed, uint256 pick, uint256 amountSeed) public {
        _randomState(stateSeed);
        address f = _pick(pick);
        address t = _pick(pick >> 8);
        _checkTransferMatches(f, t, _amount(f, amountSeed));
    }

    function testFuzz_transferFromSucceedsIffCheckTransferFromAllows(uint256 stateSeed, uint256 pick, uint256 amountSeed)
        public
    {
        _randomState(stateSeed);
        address f = _pick(pick);
        address t = _pick(pick >> 8);
        address spender = actors[(pick >> 16) % 9]; // never the zero address or the token as spender
        _checkTransferFromMatches(spender, f, t, _amount(f, amountSeed));
    }

    /// Fixed states the fuzzer reaches rarely: each is checked the same way, and its telling refusal is asserted.
    function test_properties_fixedStates() public {
        // 0: clean; 1: alice frozen above her balance; 2: a locked mint lot on alice; 3: every global switch on.
        uint256[4] memory seeds = [uint256(0), uint256(0x8200) | (uint256(2) << 128), uint256(1) << 112, uint256(0xffff) << 96];
        uint256[4] memory expected = [uint256(0), ReasonCodes.TOKENS_FROZEN, ReasonCodes.TOKENS_LOCKED, ReasonCodes.TOKEN_PAUSED];
        uint256[4] memory amounts = [uint256(1e6), 1e6, 1001e6, 1e6];
        for (uint256 s; s < seeds.length; ++s) {
            uint256 snap = vm.snapshotState();
            _randomState(seeds[s]);
            assertEq(_checkCode(alice, bob, amounts[s]), expected[s], "the state's refusal");
            for (uint256 i; i < actors.length; ++i) {
                _checkConsistency(alice, actors[i], amounts[s]);
                _checkConsistency(actors[i], bob, amounts[s]);
                _checkImplications(actors[i], actors[i], amounts[s]);
            }
            _checkTransferMatches(alice, bob, amounts[s]);
            vm.revertToState(snap);
        }
    }
}
