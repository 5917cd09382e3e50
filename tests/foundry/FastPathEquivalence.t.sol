// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase, RecordedLog} from "./utils/Vm.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {InvestorRegistry} from "../../contracts/identity/InvestorRegistry.sol";
import {ISecurityToken, ISecurityTokenEvents} from "../../contracts/interfaces/ISecurityToken.sol";
import {IERC7943FungibleEvents} from "../../contracts/interfaces/IERC7943.sol";
import {MockComplianceHook} from "../../contracts/mocks/MockComplianceHook.sol";
import {Shipped} from "./utils/Shipped.sol";

/// @notice One rule, two paths. ISecurityToken moves tokens on a fast path ({_fastMove}) in the common case and on
/// the general path ({_prepare}, {_evaluate}, {_update}) otherwise; `transferFrom` by a spender other than the
/// owner, `checkTransfer` and `detectTransferRestriction` always take the general path. Over random rule sets,
/// registry records, freezes, lockups, minted lots, linked wallets and amounts this suite checks that
///  (a) `transfer` succeeds exactly when `checkTransfer` answers 0 and otherwise reverts with
///      `TransferRestricted(code)` for the code it answered; `mint` likewise against `checkMint`;
///  (b) from the same state, `transfer` (fast path whenever it applies) and `transferFrom` by an approved, clean
///      third-party spender (general path always) end in the same state: every storage slot either call wrote,
///      every log either call emitted, and the views an auditor reads (balances, investor and country counts,
///      holder numbers, lockups, frozen amounts, investor holdings, supply, balances at a record date taken
///      just before the move); likewise a mint and the same mint sent down the general path by an allow-all
///      compliance hook set for it alone;
///  (c) a successful move did what a move must (a path-independent model: balances, supply, record-date values,
///      holder numbers, investor and country counts where the investors have one wallet, minted lots).
/// The spender is a registered investor that is never frozen or sanctioned and has an unlimited allowance, so its
/// own checks (SPENDER_NOT_ALLOWED, the allowance) never differ between the two calls; `checkTransferFrom` is
/// asserted to answer the same code as `checkTransfer` for it.
/// Half of the runs ("plain") keep linked wallets and the sender's freezes, lockups and lots away, so the fast path's
/// own checks (registry flags, KYC, wallet freezes, country, categories, caps, holding bounds, supply cap) decide
/// often. In those runs a move the rules allow must also be carried out by the fast path (its checks are not
/// stricter than the rules); which path ran is read from the registry: the fast path reads the two records once,
/// a fall-back to the general path reads them twice. {test_generated_states_reach_the_fast_path} checks that the
/// generated states do reach the fast path.
contract FastPathEquivalenceTest is TestBase {
    uint256 internal constant T0 = 1_700_000_000;
    uint40 internal constant FAR = uint40(T0 + 3650 days);
    uint16 internal constant HK = 344;
    uint16 internal constant SG = 702;
    uint16 internal constant US = 840;
    uint32 internal constant PROFESSIONAL = 2;

    address internal constant FROM = address(0xF0F0F0);
    /// @dev FROM's second wallet, when linked (`registry.addWallet`).
    address internal constant FROM2 = address(0xF0F0F1);
    address internal constant TO = address(0x707070);
    address internal constant TO2 = address(0x707071);
    address internal constant SPENDER = address(0x5BE4D0);
    uint256 internal constant BACKGROUND_HOLDERS = 4;

    InvestorRegistry internal registry;
    ISecurityToken internal token;
    MockComplianceHook internal hook;
    /// @dev A hook that allows every move: setting it sends a mint down the general path without changing its fate.
    MockComplianceHook internal allowAll;
    uint256 private _entropy;

    /// @dev What {_arrange} chose, where later steps need it.
    struct Scenario {
        // No linked wallets, and no partial freeze, lockup or minted lot on FROM: the fast path then applies
        // unless a zero amount, a hook, a pause or a halt stops it ({_fastPathTried}).
        bool plain;
        bool toIsFromsWallet; // TO is a linked wallet of FROM's investor
        bool fromLinked; // FROM2 linked to FROM
        bool toLinked; // TO2 linked to TO
        bool countryChanged; // the registry moved FROM or TO to another country while it could hold tokens
        uint256 snapshotId; // record date taken just before the move (0: none)
    }

    /// @dev Everything one call did: its result, the storage slots it wrote, its logs and the views afterwards.
    struct Outcome {
        bool ok;
        bytes ret;
        bytes32[] writes;
        RecordedLog[] logs;
        uint256[] views;
        uint256 registryReads; // storage reads in the registry during the call (see {_fastPathTried})
    }

    function setUp() public {
        vm.warp(T0);
        registry = InvestorRegistry(Clones.clone(Shipped.deploy("InvestorRegistry")));
        registry.initialize(address(this));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(this));
        token = ISecurityToken(Clones.clone(Shipped.deploy("SecurityToken")));
        token.initialize("Fast path", "FAST", 0, address(registry), address(this), 0);
        token.grantRole(token.AGENT_ROLE(), address(this));
        token.grantRole(token.COMPLIANCE_ROLE(), address(this));
        token.grantRole(token.SNAPSHOT_ROLE(), address(this));
        hook = new MockComplianceHook();
        allowAll = new MockComplianceHook();
        registry.registerInvestor(SPENDER, keccak256("spender"), HK, PROFESSIONAL, FAR);
    }

    // ------------------------------------------------------------------ properties

    /// @notice (a) and (b) for `transfer` against `checkTransfer` and `transferFrom` by a clean spender.
    /// forge-config: default.fuzz.runs = 1024
    function testFuzz_transfer_and_transferFrom_agree_with_checkTransfer(uint256 seed) public {
        Scenario memory sc = _arrange(seed);
        uint256 amount = _transferAmount();
        vm.prank(FROM);
        token.approve(SPENDER, type(uint256).max);

        (uint8 code,) = token.checkTransfer(FROM, TO, amount);
        assertEq(token.detectTransferRestriction(FROM, TO, amount), code, "detectTransferRestriction == checkTransfer");
        (uint8 spenderCode,) = token.checkTransferFrom(SPENDER, FROM, TO, amount);
        assertEq(spenderCode, code, "a clean spender adds no refusal");
        uint256[] memory pre = _views(sc);

        uint256 start = vm.snapshotState();
        Outcome memory a = _run(FROM, abi.encodeCall(token.transfer, (TO, amount)), sc);
        vm.revertToState(start);
        Outcome memory b = _run(SPENDER, abi.encodeCall(token.transferFrom, (FROM, TO, amount)), sc);

        // (a) success exactly when the view says 0, else the view's code.
        _assertOutcome(a, code, "transfer");
        _assertOutcome(b, code, "transferFrom");
        // ... and the fast path takes every move of the common case that the rules allow (its checks are not
        // stricter than the rules): plain runs keep the structural blockers away.
        if (sc.plain && code == 0 && _fastPathTried(amount)) {
            assertEq(a.registryReads, 2, "an allowed common-case transfer went to the general path");
        }

        // (b) same views, same logs, same value in every slot either call wrote.
        for (uint256 i; i < a.views.length; ++i) {
            assertEq(a.views[i], b.views[i], string.concat("view #", vm.toString(i), " (see _views)"));
        }
        _assertSameLogs(a.logs, b.logs);
        _assertSameWrites(a, b, start, FROM, abi.encodeCall(token.transfer, (TO, amount)));

        if (a.ok) _assertTransferModel(sc, pre, a.views, amount);
    }

    /// @notice (a) for `mint` against `checkMint`, the bookkeeping a mint must do whichever path runs it, and (b)
    /// for mints: from a state without a hook, the same mint with an allow-all hook set just for it (which sends it
    /// down the general path, the hook being asked only after every built-in rule passed) ends in the same state.
    /// forge-config: default.fuzz.runs = 1024
    function testFuzz_mint_agrees_with_checkMint_on_both_paths(uint256 seed) public {
        Scenario memory sc = _arrange(seed);
        uint256 amount = _mintAmount();
        (uint8 code,) = token.checkMint(TO, amount);
        MintState memory pre = _mintState(sc);
        // Like {_fastPathTried}: a mint gives up on the fast path before reading the registry for a zero amount,
        // a hook or a filing gate (its pass through the gate once the filing is recorded is not counted here).
        bool tried = amount != 0 && token.complianceHook() == address(0) && !token.requireFilingDocument();

        uint256 start = vm.snapshotState();
        Outcome memory a = _run(address(this), abi.encodeCall(token.mint, (TO, amount)), sc);
        _assertOutcome(a, code, "mint");
        if (a.ok) {
            // The fast path reads TO's record once; a fall-back to the general path reads it again.
            if (sc.plain && tried) {
                assertEq(a.registryReads, 1, "an allowed common-case mint went to the general path");
            }
            _assertMintModel(sc, pre, _mintState(sc), amount);
        }
        if (token.complianceHook() != address(0)) return;

        vm.revertToState(start);
        token.setComplianceHook(address(allowAll));
        Outcome memory b = _run(address(this), abi.encodeCall(token.mint, (TO, amount)), sc);
        token.setComplianceHook(address(0));
        _assertOutcome(b, code, "mint on the general path");
        for (uint256 i; i < a.views.length; ++i) {
            assertEq(a.views[i], b.views[i], string.concat("view #", vm.toString(i), " (see _views)"));
        }
        _assertSameLogs(a.logs, b.logs);
        // Setting and clearing the hook wrote its slot and a flag of the state word back to their values.
        _assertSameWrites(a, b, start, address(this), abi.encodeCall(token.mint, (TO, amount)));
    }

    /// @dev What a mint to TO changes.
    struct MintState {
        uint256 balance;
        uint256 supply;
        uint256 holding;
        uint256 investors;
        uint256 countryInvestors;
        uint256 lotLocked;
        uint256 lotUnlock;
        uint256 balanceAtRecordDate;
        uint256 supplyAtRecordDate;
        uint256 holderNumber;
    }

    function _mintState(Scenario memory sc) private view returns (MintState memory m) {
        m.balance = token.balanceOf(TO);
        m.supply = token.totalSupply();
        m.holding = token.investorBalanceOf(TO);
        m.investors = token.investorCount();
        m.countryInvestors = token.countryInvestorCount(registry.investorCountry(TO));
        (, m.lotLocked, m.lotUnlock) = token.lockupOf(TO);
        (, m.holderNumber,,) = token.holderAt(TO, 0);
        if (sc.snapshotId != 0) {
            m.balanceAtRecordDate = token.balanceOfAt(TO, sc.snapshotId);
            m.supplyAtRecordDate = token.totalSupplyAt(sc.snapshotId);
        }
    }

    /// @dev Ground truth for a mint that succeeded, whichever path ran it.
    function _assertMintModel(Scenario memory sc, MintState memory pre, MintState memory post, uint256 amount)
        private
        view
    {
        assertEq(post.balance, pre.balance + amount, "receiver credited");
        assertEq(post.supply, pre.supply + amount, "supply grew by the amount");
        assertEq(post.holding, pre.holding + amount, "investor holding grew by the amount");
        assertEq(post.balanceAtRecordDate, pre.balanceAtRecordDate, "record-date balance kept");
        assertEq(post.supplyAtRecordDate, pre.supplyAtRecordDate, "record-date supply kept");
        if (amount != 0) assertTrue(post.holderNumber != 0, "a receiver has a holder number");
        if (pre.holderNumber != 0) assertEq(post.holderNumber, pre.holderNumber, "holder number kept");
        if (!sc.toLinked && !sc.toIsFromsWallet) {
            uint256 joined = pre.holding == 0 && amount != 0 ? 1 : 0;
            assertEq(post.investors, pre.investors + joined, "investor count");
            assertEq(post.countryInvestors, pre.countryInvestors + joined, "country investor count");
        }
        (,,, uint40 lockup) = token.limits();
        if (lockup != 0 && amount != 0) {
            assertEq(post.lotLocked, pre.lotLocked + amount, "the minted lot is locked");
            uint256 until = block.timestamp + lockup;
            assertEq(post.lotUnlock, until > pre.lotUnlock ? until : pre.lotUnlock, "lot unlock time");
        } else {
            assertEq(post.lotLocked, pre.lotLocked, "an unlocked mint locks nothing more");
        }
    }

    /// @notice The generated states reach the fast path: of 100 seeds (18 now), at least 12 transfers must be carried
    /// out by it.
    /// A domain that seldom reached it would leave (b) comparing the general path with itself.
    function test_generated_states_reach_the_fast_path() public {
        uint256 fast;
        for (uint256 i; i < 100; ++i) {
            uint256 start = vm.snapshotState();
            Scenario memory sc = _arrange(uint256(keccak256(abi.encode("domain", i))));
            uint256 amount = _transferAmount();
            Outcome memory a = _run(FROM, abi.encodeCall(token.transfer, (TO, amount)), sc);
            if (a.ok && _fastPathTried(amount) && a.registryReads == 2) ++fast;
            vm.revertToState(start);
        }
        assertLe(12, fast, "transfers carried out by the fast path, of 100 generated states");
    }

    /// @dev Whether `transfer` tries the fast path at all (FROM != TO always here): it gives up before reading the
    /// registry for a zero amount, a hook, a pause or a halt. Once it has read the two records it either completes
    /// the move (two registry reads in all) or hands over to the general path, which reads them again (four).
    function _fastPathTried(uint256 amount) private view returns (bool) {
        return amount != 0 && token.complianceHook() == address(0) && !token.paused() && !token.tradingHalted();
    }

    // ------------------------------------------------------------------ running and comparing

    function _run(address caller, bytes memory data, Scenario memory sc) private returns (Outcome memory o) {
        vm.recordLogs();
        vm.record();
        vm.prank(caller);
        (o.ok, o.ret) = address(token).call(data);
        (, o.writes) = vm.accesses(address(token));
        (bytes32[] memory registryReads,) = vm.accesses(address(registry));
        o.registryReads = registryReads.length;
        o.logs = vm.getRecordedLogs();
        o.views = _views(sc);
    }

    /// @dev Compares the token's storage after call b (the current state) with its storage after call a, redone
    /// as `caller` with `dataA` from state `start`, in every slot either call wrote.
    function _assertSameWrites(Outcome memory a, Outcome memory b, uint256 start, address caller, bytes memory dataA)
        private
    {
        bytes32[] memory slots = _union(a.writes, b.writes);
        bytes32[] memory afterB = _load(slots);
        vm.revertToState(start);
        vm.prank(caller);
        (bool again,) = address(token).call(dataA);
        assertTrue(again == a.ok, "deterministic");
        bytes32[] memory afterA = _load(slots);
        for (uint256 i; i < slots.length; ++i) {
            if (afterA[i] != afterB[i]) {
                revert AssertionFailed(
                    string.concat("storage slot ", vm.toString(abi.encode(slots[i])), " differs"),
                    uint256(afterA[i]),
                    uint256(afterB[i])
                );
            }
        }
    }

    function _assertOutcome(Outcome memory o, uint8 code, string memory what) private pure {
        if (code == 0) {
            if (!o.ok) {
                revert AssertionFailed(string.concat(what, " reverted although the check view allowed it"), 0, 0);
            }
        } else {
            if (o.ok) {
                revert AssertionFailed(string.concat(what, " succeeded although the check view refused"), code, 0);
            }
            // The frozen-amount rule reverts with ERC-7943's own error (its arguments are the view's figures).
            bool sameError = code == 18 // TOKENS_FROZEN
                ? o.ret.length >= 4 && bytes4(o.ret) == IERC7943FungibleEvents.ERC7943InsufficientUnfrozenBalance.selector
                : keccak256(o.ret) == keccak256(_restricted(code));
            if (!sameError) {
                revert AssertionFailed(
                    string.concat(what, " reverted with another error than the view's code"), code, 0
                );
            }
        }
    }

    function _assertSameLogs(RecordedLog[] memory a, RecordedLog[] memory b) private pure {
        assertEq(a.length, b.length, "number of logs");
        for (uint256 i; i < a.length; ++i) {
            assertTrue(a[i].emitter == b[i].emitter, "log emitter");
            assertTrue(keccak256(abi.encode(a[i].topics)) == keccak256(abi.encode(b[i].topics)), "log topics");
            assertTrue(keccak256(a[i].data) == keccak256(b[i].data), "log data");
        }
    }

    /// @dev What an auditor reads after the move; indices are named in the comments.
    function _views(Scenario memory sc) private view returns (uint256[] memory v) {
        address[4] memory wallets = [FROM, TO, FROM2, TO2];
        v = new uint256[](4 * 11 + 6);
        uint256 k;
        for (uint256 i; i < 4; ++i) {
            address w = wallets[i];
            // 11 per wallet (FROM, TO, FROM2, TO2): balance, frozen, investor holding, holder number, receiver code,
            // lockedUntil, lotLocked, lotUnlock, transferable, balance at the record date, frozen flag
            (uint256 balance, uint256 number, uint8 code,) = token.holderAt(w, 0);
            v[k++] = balance;
            v[k++] = token.getFrozenTokens(w);
            v[k++] = token.investorBalanceOf(w);
            v[k++] = number;
            v[k++] = code;
            (v[k], v[k + 1], v[k + 2]) = token.lockupOf(w);
            k += 3;
            v[k++] = token.transferableBalanceOf(w);
            v[k++] = sc.snapshotId == 0 ? 0 : token.balanceOfAt(w, sc.snapshotId);
            v[k++] = token.isFrozen(w) ? 1 : 0;
        }
        // 44..49: investors, HK, SG, US investors, supply, supply at the record date
        v[k++] = token.investorCount();
        v[k++] = token.countryInvestorCount(HK);
        v[k++] = token.countryInvestorCount(SG);
        v[k++] = token.countryInvestorCount(US);
        v[k++] = token.totalSupply();
        v[k++] = sc.snapshotId == 0 ? 0 : token.totalSupplyAt(sc.snapshotId);
    }

    /// @dev Ground truth for a transfer that succeeded, independent of the path: balances moved, the supply and
    /// the record date untouched, and (single-wallet investors in unchanged countries) the counts.
    function _assertTransferModel(Scenario memory sc, uint256[] memory pre, uint256[] memory post, uint256 amount)
        private
        view
    {
        assertEq(post[0], pre[0] - amount, "sender debited");
        assertEq(post[11], pre[11] + amount, "receiver credited");
        assertEq(post[48], pre[48], "supply unchanged");
        assertEq(post[49], pre[49], "record-date supply unchanged");
        assertEq(post[9], pre[9], "sender's record-date balance unchanged");
        assertEq(post[20], pre[20], "receiver's record-date balance unchanged");
        assertEq(post[3], pre[3], "sender's holder number kept");
        if (amount != 0) assertTrue(post[14] != 0, "a receiver has a holder number");
        if (pre[14] != 0) assertEq(post[14], pre[14], "receiver's holder number kept");
        if (sc.fromLinked || sc.toLinked || sc.toIsFromsWallet || sc.countryChanged) return;
        int256 delta;
        if (amount != 0 && pre[2] == amount) --delta; // the sender's investor leaves
        if (amount != 0 && pre[13] == 0) ++delta; // the receiver's investor joins
        assertEq(post[44], uint256(int256(pre[44]) + delta), "investor count");
        uint16 fromCountry = registry.investorCountry(FROM);
        uint16 toCountry = registry.investorCountry(TO);
        uint16[3] memory countries = [HK, SG, US];
        for (uint256 i; i < 3; ++i) {
            int256 d;
            if (amount != 0 && pre[2] == amount && fromCountry == countries[i]) --d;
            if (amount != 0 && pre[13] == 0 && toCountry == countries[i]) ++d;
            assertEq(post[45 + i], uint256(int256(pre[45 + i]) + d), "country investor count");
        }
    }

    function _union(bytes32[] memory a, bytes32[] memory b) private pure returns (bytes32[] memory u) {
        u = new bytes32[](a.length + b.length);
        uint256 n;
        for (uint256 pass; pass < 2; ++pass) {
            bytes32[] memory src = pass == 0 ? a : b;
            for (uint256 i; i < src.length; ++i) {
                bool seen;
                for (uint256 j; j < n; ++j) {
                    if (u[j] == src[i]) {
                        seen = true;
                        break;
                    }
                }
                if (!seen) u[n++] = src[i];
            }
        }
        assembly ("memory-safe") {
            mstore(u, n)
        }
    }

    function _load(bytes32[] memory slots) private view returns (bytes32[] memory values) {
        values = new bytes32[](slots.length);
        for (uint256 i; i < slots.length; ++i) {
            values[i] = vm.load(address(token), slots[i]);
        }
    }

    function _restricted(uint8 code) private pure returns (bytes memory) {
        return abi.encodeWithSelector(ISecurityTokenEvents.TransferRestricted.selector, code);
    }

    // ------------------------------------------------------------------ generating a state

    function _next() private returns (uint256) {
        _entropy = uint256(keccak256(abi.encode(_entropy)));
        return _entropy;
    }

    /// @dev A number in [0, n).
    function _below(uint256 n) private returns (uint256) {
        return _next() % n;
    }

    /// @dev True one time in `n`.
    function _oneIn(uint256 n) private returns (bool) {
        return _below(n) == 0;
    }

    function _country() private returns (uint16) {
        uint256 r = _below(3);
        return r == 0 ? HK : (r == 1 ? SG : US);
    }

    function _categories() private returns (uint32) {
        return uint32(1 + _below(15));
    }

    /// @dev A cap near `count`: one below, equal or one above (at least 1; 0 would mean no cap).
    function _capNear(uint256 count) private returns (uint32) {
        uint256 cap = count + _below(3);
        return uint32(cap > 1 ? cap - 1 : 1);
    }

    /// @dev Builds a random state around FROM and TO from `seed`: holders, links, balances, lots, time, holder
    /// restrictions, registry changes, rules, then (mostly) a record date just before the move.
    function _arrange(uint256 seed) private returns (Scenario memory sc) {
        _entropy = seed;
        sc.plain = _oneIn(2);

        // Other investors, so that caps and counts have something to count.
        uint256 background = _below(BACKGROUND_HOLDERS + 1);
        for (uint256 i; i < background; ++i) {
            address holder = address(uint160(0xB0B000 + i));
            registry.registerInvestor(holder, keccak256(abi.encode("holder", i)), _country(), _categories(), FAR);
            token.mint(holder, 1 + _below(500));
        }

        uint16 fromCountry = _country();
        uint32 fromCategories = _categories();
        registry.registerInvestor(FROM, keccak256("from"), fromCountry, fromCategories, FAR);
        uint16 toCountry = _country();
        uint32 toCategories = _categories();
        sc.toIsFromsWallet = !sc.plain && _oneIn(10);
        if (sc.toIsFromsWallet) {
            registry.addWallet(FROM, TO);
            (toCountry, toCategories) = (fromCountry, fromCategories);
        } else {
            registry.registerInvestor(TO, keccak256("to"), toCountry, toCategories, FAR);
        }
        sc.fromLinked = !sc.plain && _oneIn(6);
        sc.toLinked = !sc.plain && !sc.toIsFromsWallet && _oneIn(6);
        bool linkFirst = _oneIn(2);
        if (linkFirst) _link(sc);

        // Balances, with record dates in between so that some wallets already have checkpoints.
        if (_oneIn(3)) token.snapshot();
        if (!_oneIn(8)) token.mint(FROM, 1 + _below(1000));
        if (_oneIn(2)) token.mint(TO, 1 + _below(1000));
        if (_oneIn(3)) token.snapshot();
        if (!sc.plain && _oneIn(5)) {
            // Minted lots under a default lockup.
            token.setDefaultLockup(uint40(1 days + _below(60 days)));
            token.mint(FROM, 1 + _below(500));
            if (_oneIn(2)) token.mint(TO, 1 + _below(500));
            token.setDefaultLockup(0);
        }
        if (!linkFirst) {
            _link(sc);
            // The docs direct a sync after linking; sometimes it was forgotten.
            if (_oneIn(2)) token.syncInvestorWallet(FROM);
            if (_oneIn(2)) token.syncInvestorWallet(TO);
        }
        if (sc.fromLinked && _oneIn(2)) token.mint(FROM2, 1 + _below(500));
        if (sc.toLinked && _oneIn(2)) token.mint(TO2, 1 + _below(500));

        // Time passes: lots and lockups may have run out.
        if (_oneIn(3)) vm.warp(block.timestamp + _below(90 days));

        _restrictHolders(sc, fromCountry, fromCategories, toCountry, toCategories);
        _setRules();

        if (!_oneIn(4)) sc.snapshotId = token.snapshot();
    }

    function _link(Scenario memory sc) private {
        if (sc.fromLinked) registry.addWallet(FROM, FROM2);
        if (sc.toLinked) registry.addWallet(TO, TO2);
    }

    /// @dev Freezes, partial freezes, lockups on the token; KYC expiry, country moves, sanctions and removals in
    /// the registry.
    function _restrictHolders(
        Scenario memory sc,
        uint16 fromCountry,
        uint32 fromCategories,
        uint16 toCountry,
        uint32 toCategories
    ) private {
        if (!sc.plain && _oneIn(5)) {
            uint256 frozen = _below(token.balanceOf(FROM) + 1);
            token.freezePartialTokens(FROM, frozen);
            // Unfrozen again: the restriction slot stays, with nothing in it.
            if (_oneIn(3)) token.unfreezePartialTokens(FROM, frozen);
        }
        if (_oneIn(6)) token.freezePartialTokens(TO, _below(token.balanceOf(TO) + 1));
        // A lockup that may already have ended (the field stays set).
        if (!sc.plain && _oneIn(6)) token.setInvestorLockup(FROM, uint40(block.timestamp - 5 days + _below(10 days)));
        if (_oneIn(8)) token.setInvestorLockup(TO, uint40(block.timestamp - 5 days + _below(10 days)));
        if (_oneIn(16)) token.setAddressFrozen(FROM, true);
        if (_oneIn(16)) token.setAddressFrozen(TO, true);

        // KYC that ends one second ago, now (already expired) or in one second (still valid).
        if (_oneIn(10)) {
            registry.updateInvestor(FROM, fromCountry, fromCategories, uint40(block.timestamp + _below(3) - 1));
        }
        if (_oneIn(10)) registry.updateInvestor(TO, toCountry, toCategories, uint40(block.timestamp + _below(3) - 1));
        if (_oneIn(16)) {
            registry.updateInvestor(FROM, _country(), _categories(), FAR);
            sc.countryChanged = true;
        }
        if (_oneIn(16)) {
            registry.updateInvestor(TO, _country(), _categories(), FAR);
            sc.countryChanged = true;
        }
        if (_oneIn(16)) registry.setInvestorFrozen(FROM, true);
        if (_oneIn(16)) registry.setInvestorFrozen(TO, true);
        if (_oneIn(20)) registry.removeWallet(FROM);
        if (_oneIn(20)) registry.removeWallet(TO);
    }

    /// @dev Allowlist, country rules with caps near the current counts, limits near the current holdings, default
    /// lockup, pause, halt, a hook that allows or refuses, the filing gate and a supply cap near the supply.
    function _setRules() private {
        if (_oneIn(3)) token.setAllowlistMode(true);
        uint16[3] memory countries = [HK, SG, US];
        for (uint256 i; i < 3; ++i) {
            if (_oneIn(8)) continue;
            token.setCountryRule(
                countries[i],
                !_oneIn(10),
                _oneIn(16),
                _oneIn(4) ? _categories() : 0,
                _oneIn(3) ? _capNear(token.countryInvestorCount(countries[i])) : 0
            );
        }
        if (!_oneIn(3)) {
            uint32 maxInvestors = _oneIn(2) ? _capNear(token.investorCount()) : 0;
            uint256 minBalance = _oneIn(2) ? 1 + _below(300) : 0;
            uint256 maxBalance = _oneIn(2) ? minBalance + _below(2500) : 0;
            token.setLimits(maxInvestors, minBalance, maxBalance);
        }
        if (_oneIn(5)) token.setDefaultLockup(uint40(1 + _below(30 days)));
        if (_oneIn(16)) token.pause();
        if (_oneIn(16)) token.setTradingHalt(true);
        if (_oneIn(10)) {
            token.setComplianceHook(address(hook));
            hook.setRefusalCode(_oneIn(2) ? 20 : 26);
            uint256 kind = _below(4);
            if (kind == 1) hook.setDenied(TO, true);
            else if (kind == 2) hook.setHeld(FROM, _below(token.balanceOf(FROM) + 1));
            else if (kind == 3) hook.setShouldRevert(true);
        }
        if (_oneIn(10)) {
            token.setRequireFilingDocument(true);
            if (_oneIn(2)) token.setDocument("filing", "https://filing.example/notice", keccak256("notice"));
        }
        if (_oneIn(6)) token.setSupplyCap(token.totalSupply() + _below(300));
    }

    /// @dev Zero, the whole balance, more than the balance, the free part or one more, the amount that leaves the
    /// sender one below, at or one above the minimum holding, the amount that fills the receiver to the maximum
    /// holding or one more, or any part of the balance.
    function _transferAmount() private returns (uint256) {
        uint256 balance = token.balanceOf(FROM);
        uint256 r = _below(12);
        if (r == 0) return 0;
        if (r <= 3) return balance;
        if (r == 4) return balance + 1 + _below(100);
        if (r == 5) return token.transferableBalanceOf(FROM) + _below(2);
        (, uint256 minBalance, uint256 maxBalance,) = token.limits();
        if (r <= 7 && minBalance != 0 && balance > minBalance) return balance - minBalance + 1 - _below(3);
        if (r == 8 && maxBalance != 0) {
            uint256 holding = token.investorBalanceOf(TO);
            if (maxBalance > holding) return maxBalance - holding + _below(2);
        }
        return balance == 0 ? 1 : 1 + _below(balance);
    }

    /// @dev Zero, the room left under the supply cap and one more, the amount that fills the receiver to the
    /// maximum holding and one more, the minimum holding, or an ordinary amount.
    function _mintAmount() private returns (uint256) {
        uint256 r = _below(8);
        if (r == 0) return 0;
        uint256 room = token.supplyCap() - token.totalSupply();
        if (r == 1) return room;
        if (r == 2) return room + 1;
        (, uint256 minBalance, uint256 maxBalance,) = token.limits();
        uint256 holding = token.investorBalanceOf(TO);
        if (r == 3 && maxBalance > holding) return maxBalance - holding + _below(2);
        if (r == 4 && minBalance > holding) return minBalance - holding - _below(2);
        return 1 + _below(1000);
    }
}
