// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TokenFixture} from "../TokenFixture.t.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {Distributor} from "../../../contracts/cashflow/Distributor.sol";
import {FundVault} from "../../../contracts/cashflow/FundVault.sol";
import {MockStablecoin} from "../../../contracts/mocks/MockStablecoin.sol";
import {Shipped} from "../utils/Shipped.sol";

/// @notice Forge cheatcodes the fund tests use beyond tests/foundry/utils/Vm.sol, at the same address.
interface FundCheats {
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter)
        external;
}

/// @notice A tokenized fund on the real offering: the TokenFixture's registry and SecurityToken (6 decimals) as the
/// share token, a USD stablecoin (6 decimals) as the entry asset, a Distributor clone as the payment-token policy,
/// and a FundVault deployed from the shipped bytecode with ADMIN (terms, accounts) and AGENT (dealing, NAV), its
/// treasury and fee recipient, cycle 1 cutting off one day after T0. NAVs are per whole share in asset units, so
/// `ONE` (1e6) is both one share and one dollar.
abstract contract FundBase is TokenFixture {
    address internal constant ADMIN = address(0xAD);
    address internal constant AGENT = address(0xA6);
    address internal constant TREASURY = address(0x7E);
    address internal constant TAX = address(0x7A);
    address internal constant FEES = address(0xFEE5);
    address internal constant OPERATOR = address(0x0BE7);
    uint64 internal constant CUTOFF1 = uint64(T0 + 1 days);
    uint256 internal constant ONE = 1e6;
    uint256 internal constant WALLET_USD = 1e15;

    FundCheats internal constant cheats = FundCheats(address(uint160(uint256(keccak256("hevm cheat code")))));

    MockStablecoin internal usd;
    Distributor internal policy;
    FundVault internal vault;

    function setUp() public virtual override {
        super.setUp();
        usd = new MockStablecoin("USD Coin", "USDC", 6);
        policy = Distributor(Clones.clone(Shipped.deploy("Distributor", abi.encode(address(0)))));
        policy.initialize(ADMIN, AGENT, TREASURY, TAX);
        vm.prank(ADMIN);
        policy.allowPaymentToken(address(usd), bytes8("USD"), false);
        vault = _newVault(address(usd));
        address[7] memory people = [alice, bob, carol, dave, erin, cnInvestor, stranger];
        for (uint256 i; i < people.length; ++i) {
            _wallet(people[i]);
        }
        usd.mint(AGENT, WALLET_USD);
        vm.prank(AGENT);
        usd.approve(address(vault), type(uint256).max);
    }

    /// @dev A vault dealing in the fixture's token against `asset`, holding the token's AGENT_ROLE.
    function _newVault(address asset) internal returns (FundVault v) {
        v = FundVault(Shipped.deploy("FundVault", _vaultArgs(asset)));
        token.grantRole(token.AGENT_ROLE(), address(v));
    }

    /// @dev The constructor arguments of a vault against `asset`.
    function _vaultArgs(address asset) internal view returns (bytes memory) {
        return abi.encode(ADMIN, AGENT, address(token), asset, address(policy), TREASURY, FEES, CUTOFF1);
    }

    /// @dev Gives `who` dollars and approves the vault for them.
    function _wallet(address who) internal {
        usd.mint(who, WALLET_USD);
        vm.prank(who);
        usd.approve(address(vault), type(uint256).max);
    }

    function _setTerms(uint16 subscriptionFeeBps, uint16 redemptionFeeBps, uint16 gateBps, uint256 minSubscription)
        internal
    {
        vm.prank(ADMIN);
        vault.setDealingTerms(subscriptionFeeBps, redemptionFeeBps, gateBps, minSubscription, 1 days);
    }

    /// @dev `who` subscribes `assets` for itself.
    function _subscribe(address who, uint256 assets) internal returns (uint256 requestId) {
        vm.prank(who);
        requestId = vault.requestDeposit(assets, who, who);
    }

    /// @dev `who` requests the redemption of `shares` of its own.
    function _redeem(address who, uint256 shares) internal returns (uint256 requestId) {
        vm.prank(who);
        requestId = vault.requestRedeem(shares, who, who);
    }

    function _cutoff() internal view returns (uint64 cutoff) {
        (, cutoff,) = vault.dealing();
    }

    function _cycle() internal view returns (uint256 cycle) {
        (cycle,,) = vault.dealing();
    }

    /// @dev Moves to the open cycle's cut-off (if before it) and publishes `navPerShare` valued now.
    function _publishAfterCutoff(uint256 navPerShare) internal {
        uint64 cutoff = _cutoff();
        if (block.timestamp < cutoff) vm.warp(cutoff);
        (, uint64 asOf,) = vault.nav();
        if (asOf >= block.timestamp) vm.warp(asOf + 1);
        vm.prank(AGENT);
        vault.publishNav(navPerShare, uint64(block.timestamp));
    }

    /// @dev Closes the open cycle; the next one cuts off a day later.
    function _close() internal {
        vm.prank(AGENT);
        vault.closeCycle(uint64(block.timestamp + 1 days));
    }

    /// @dev Publishes `navPerShare` after the cut-off and closes the cycle at it.
    function _deal(uint256 navPerShare) internal {
        _publishAfterCutoff(navPerShare);
        _close();
    }

    function _fulfil(address a) internal {
        address[] memory list = new address[](1);
        list[0] = a;
        vault.fulfil(list);
    }

    function _fulfil(address a, address b) internal {
        address[] memory list = new address[](2);
        list[0] = a;
        list[1] = b;
        vault.fulfil(list);
    }

    /// @dev `who` claims every claimable share to itself; returns the shares minted.
    function _claimShares(address who) internal returns (uint256 shares) {
        uint256 assets = vault.maxDeposit(who);
        if (assets == 0) return 0;
        vm.prank(who);
        shares = vault.deposit(assets, who, who);
    }

    /// @dev `who` claims every claimable redemption to itself; returns the cash paid.
    function _claimCash(address who) internal returns (uint256 assets) {
        uint256 shares = vault.maxRedeem(who);
        if (shares == 0) return 0;
        vm.prank(who);
        assets = vault.redeem(shares, who, who);
    }

    function _fundCash(uint256 amount) internal {
        vm.prank(AGENT);
        vault.fundRedemptions(amount);
    }

    function _available() internal view returns (uint256 available) {
        (available,) = vault.cash();
    }

    function _fees() internal view returns (uint256 fees) {
        (, fees) = vault.cash();
    }

    function _unfulfilled(uint256 cycle) internal view returns (uint256 n) {
        (,,, n,,) = vault.cycleInfo(cycle);
    }

    function _ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }

    /// @dev The shares `assets` buy at `navPerShare` after a `feeBps` subscription fee rounded up (6-decimal shares).
    function _expectedShares(uint256 assets, uint256 navPerShare, uint256 feeBps) internal pure returns (uint256) {
        uint256 fee = _ceilDiv(assets * feeBps, 10_000);
        return (assets - fee) * ONE / navPerShare;
    }

    /// @dev Cash net of a `feeBps` redemption fee rounded up for `shares` at `navPerShare`, and the fee.
    function _expectedCash(uint256 shares, uint256 navPerShare, uint256 feeBps)
        internal
        pure
        returns (uint256 net, uint256 fee)
    {
        uint256 gross = shares * navPerShare / ONE;
        fee = _ceilDiv(gross * feeBps, 10_000);
        net = gross - fee;
    }
}
