// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {IComplianceHook} from "../interfaces/IComplianceHook.sol";
import {ReasonCodes} from "../compliance/ReasonCodes.sol";
import {ISecurityToken} from "../interfaces/ISecurityToken.sol";


/// @title CollateralManager
/// @notice Collateral pledges (margin) on one security token. A holder pledges part of its tokens to a lender
/// or platform (LENDER_ROLE); while pledged they cannot leave the holder's wallet; the lender releases them on
/// repayment or, on default, seizes them to a party the token's rules accept.
///
/// Wiring: the token's COMPLIANCE_ROLE sets this contract as its compliance hook (so every transfer is checked
/// against the pledge, code 26 COLLATERAL_LOCKED) and grants it AGENT_ROLE (so {seize} can use
/// `forcedTransfer`).
///
/// Consent: a seizure is a forced transfer, so a pledge is only ever made with the holder's consent: the
/// holder calls {pledge} itself, or signs an EIP-712 `Pledge` (holder, lender, amount, nonce, deadline) that
/// the named lender submits with {pledgeWithSignature}. Signatures are checked with ERC-1271 as well as
/// ECDSA (custodial smart wallets); nonces are the holder's, sequential and single-use ({nonces}); a holder
/// voids a signed pledge not yet submitted with {invalidateNonce}. A lender cannot lock anyone's tokens on
/// its own, so LENDER_ROLE is no power over holders that did not pledge to that lender.
///
/// One pledge per holder, owned by the lender it was made to: a holder's collateral sits with one margin
/// provider at a time, which keeps a pledge to a single storage slot (lender + amount) and means no lender can
/// release or seize another lender's collateral.
///
/// Agent moves (forced transfers, burns, recovery) do not pass through the hook, so a balance may fall below
/// the pledge; transfers then stay refused until the lender releases, and {seize} takes what is still there.
contract CollateralManager is AccessControl, EIP712, Nonces, IComplianceHook {
    /// @notice Lenders and platforms that may take pledges, release and seize.
    bytes32 public constant LENDER_ROLE = keccak256("LENDER_ROLE");
    /// @notice EIP-712 type hash of a holder's signed consent to pledge `amount` more to `lender`.
    bytes32 public constant PLEDGE_TYPEHASH =
        keccak256("Pledge(address holder,address lender,uint256 amount,uint256 nonce,uint256 deadline)");

    /// @notice A pledge: who holds it and how much is locked. Amounts fit 96 bits like the token's balances.
    struct Pledge {
        address lender;
        uint96 amount;
    }

    /// @notice The security token whose transfers this contract guards.
    ISecurityToken public immutable token;
    mapping(address holder => Pledge) private _pledges;
    /// @dev Transient slot of the holder being seized from, for the duration of the compliance check in {seize}
    /// only, so the pledge being enforced does not refuse its own enforcement. Through OpenZeppelin's TransientSlot
    /// rather than a `transient` variable: the shanghai build remaps that library to a storage stand-in
    /// (contracts/compat/shanghai). keccak256("rwa-token.CollateralManager.seizing") - 1.
    bytes32 private constant SEIZING_SLOT = 0x7925f4c3feb753ab86845493d5655018eb2cb5610423567257bf4d60ed201916;

    event CollateralLocked(address indexed holder, address indexed lender, uint256 amount, uint256 lockedTotal);
    event CollateralReleased(address indexed holder, address indexed lender, uint256 amount, uint256 lockedTotal);
    event CollateralSeized(
        address indexed holder, address indexed lender, address indexed to, uint256 amount, uint256 lockedTotal
    );

    /// @notice The token's rules refuse the seizure (same error and codes as the token's).
    error TransferRestricted(uint8 code);
    error ZeroAddress();
    error ZeroAmount();
    error NotALender(address lender);
    error PledgeExpired(uint256 deadline, uint256 nowTimestamp);
    error InvalidSignature(address signer);
    /// @dev The pledge would exceed what the holder can pledge: its balance less its frozen amount.
    error LockExceedsBalance(address holder, uint256 balance, uint256 lockedAfter);
    error PledgedToAnotherLender(address holder, address lender);
    error ExceedsPledge(address holder, uint256 locked, uint256 amount);

    /// @param token_ The security token.
    /// @param admin Holds DEFAULT_ADMIN_ROLE (grants LENDER_ROLE).
    constructor(address token_, address admin) EIP712("RWA Collateral Manager", "1") {
        if (token_ == address(0) || admin == address(0)) revert ZeroAddress();
        token = ISecurityToken(token_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice The caller pledges `amount` more of its own tokens to `lender`. The total pledged may not exceed
    /// the caller's balance. Refused if another lender holds the caller's pledge.
    /// @param lender The pledgee; must hold LENDER_ROLE.
    /// @param amount Additional amount to lock, in token base units.
    function pledge(address lender, uint256 amount) external {
        if (!hasRole(LENDER_ROLE, lender)) revert NotALender(lender);
        _lock(msg.sender, lender, amount);
    }

    /// @notice The calling lender submits `holder`'s EIP-712 signed consent to pledge `amount` more to it
    /// (type {PLEDGE_TYPEHASH}, this contract's domain). Uses the holder's next nonce.
    /// @param holder The holder pledging (the signer; an ERC-1271 wallet may sign too).
    /// @param amount Additional amount to lock, in token base units.
    /// @param deadline Last second (unix time) at which the signature may be used.
    /// @param signature The holder's signature over (holder, caller, amount, nonces(holder), deadline).
    function pledgeWithSignature(address holder, uint256 amount, uint256 deadline, bytes calldata signature)
        external
        onlyRole(LENDER_ROLE)
    {
        if (block.timestamp > deadline) revert PledgeExpired(deadline, block.timestamp);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(PLEDGE_TYPEHASH, holder, msg.sender, amount, _useNonce(holder), deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(holder, digest, signature)) revert InvalidSignature(holder);
        _lock(holder, msg.sender, amount);
    }

    /// @notice Uses up the caller's current nonce, voiding a pledge it signed but no lender has submitted yet.
    function invalidateNonce() external {
        _useNonce(msg.sender);
    }

    /// @notice Releases `amount` of the calling lender's pledge on `holder` (repayment, margin call met).
    /// @param holder The holder.
    /// @param amount Amount to unlock.
    function release(address holder, uint256 amount) external onlyRole(LENDER_ROLE) {
        uint256 lockedAfter = _reduce(holder, amount);
        emit CollateralReleased(holder, msg.sender, amount, lockedAfter);
    }

    /// @notice On default, moves `amount` of the pledged tokens from `holder` to `to` (the lender, a
    /// liquidation buyer, a custodian). `to` must be a party the token accepts: the token's full rule view
    /// (`checkTransfer(holder, to, amount)`) must pass with only this pledge ignored; then the tokens move by
    /// the token's forced transfer, which skips sender-side consent (the holder agreed in the pledge).
    /// @param holder The defaulting holder.
    /// @param amount Amount to seize, at most the pledge.
    /// @param to Receiver of the collateral.
    function seize(address holder, uint256 amount, address to) external onlyRole(LENDER_ROLE) {
        if (to == address(0)) revert ZeroAddress();
        uint256 lockedAfter = _reduce(holder, amount);
        TransientSlot.tstore(TransientSlot.asAddress(SEIZING_SLOT), holder);
        // Only the code decides; the message is for people.
        // slither-disable-next-line unused-return
        (uint8 code,) = token.checkTransfer(holder, to, amount);
        TransientSlot.tstore(TransientSlot.asAddress(SEIZING_SLOT), address(0));
        if (code != 0) revert TransferRestricted(code);
        // forcedTransfer returns true or reverts.
        // slither-disable-next-line unused-return
        token.forcedTransfer(holder, to, amount);
        emit CollateralSeized(holder, msg.sender, to, amount, lockedAfter);
    }

    /// @notice Amount of `holder`'s tokens locked as collateral.
    /// @param holder The holder.
    /// @return The locked amount in base units.
    function lockedOf(address holder) external view returns (uint256) {
        return _pledges[holder].amount;
    }

    /// @notice The holder's pledge: the lender holding it (zero if none) and the locked amount.
    /// @param holder The holder.
    /// @return lender The pledgee.
    /// @return amount The locked amount.
    function pledgeOf(address holder) external view returns (address lender, uint256 amount) {
        Pledge memory p = _pledges[holder];
        return (p.lender, p.amount);
    }

    /// @notice The EIP-712 domain separator of this contract (name "RWA Collateral Manager", version "1").
    /// @return The separator.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /// @notice Balance of `holder` neither pledged nor frozen by the token (what it may transfer, before the
    /// token's other rules).
    /// @param holder The holder.
    /// @return The free amount.
    function freeBalanceOf(address holder) external view returns (uint256) {
        uint256 balance = token.balanceOf(holder);
        uint256 held = _pledges[holder].amount + token.getFrozenTokens(holder);
        return balance > held ? balance - held : 0;
    }

    /// @inheritdoc IComplianceHook
    /// @dev Refuses (26) any move that would leave `from` with less than its pledge plus its partially frozen
    /// amount: a court-ordered freeze and a pledge are separate claims, so the same tokens cannot back both. Mints
    /// (from zero) and holders without a pledge cost one storage read. A call for another token is a wiring
    /// mistake: refused with HOOK_REJECTED so it shows at once.
    function check(address token_, address from, address, uint256 amount) external view returns (uint8 code) {
        if (token_ != address(token)) return ReasonCodes.HOOK_REJECTED;
        if (from == address(0)) return 0;
        uint256 locked = _pledges[from].amount;
        if (locked == 0 || from == TransientSlot.tload(TransientSlot.asAddress(SEIZING_SLOT))) return 0;
        uint256 balance = token.balanceOf(from);
        uint256 held = locked + token.getFrozenTokens(from);
        // The token has already checked amount <= balance; the subtraction is guarded anyway for other callers.
        if (amount > balance || balance - amount < held) return ReasonCodes.COLLATERAL_LOCKED;
        return 0;
    }

    /// @inheritdoc IComplianceHook
    /// @dev The pledged amount: a redemption at maturity redeems the rest and leaves the pledge backed.
    function heldBalanceOf(address token_, address holder) external view returns (uint256) {
        return token_ == address(token) ? _pledges[holder].amount : 0;
    }

    /// @dev Adds `amount` to `holder`'s pledge to `lender`; both paths reach here only with the holder's consent.
    function _lock(address holder, address lender, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        Pledge memory p = _pledges[holder];
        if (p.amount != 0 && p.lender != lender) revert PledgedToAnotherLender(holder, p.lender);
        uint256 lockedAfter = p.amount + amount;
        // Frozen tokens (a court order) cannot be pledged: the same tokens would back two claims.
        uint256 frozen = token.getFrozenTokens(holder);
        uint256 balance = token.balanceOf(holder);
        uint256 pledgeable = balance > frozen ? balance - frozen : 0;
        // balance is below 2^96 (the token packs balances into 96 bits), so lockedAfter fits the pledge too.
        if (lockedAfter > pledgeable) revert LockExceedsBalance(holder, pledgeable, lockedAfter);
        _pledges[holder] = Pledge(lender, uint96(lockedAfter));
        emit CollateralLocked(holder, lender, amount, lockedAfter);
    }

    function _reduce(address holder, uint256 amount) private returns (uint256 lockedAfter) {
        if (amount == 0) revert ZeroAmount();
        Pledge memory p = _pledges[holder];
        if (amount > p.amount) revert ExceedsPledge(holder, p.amount, amount);
        if (p.lender != msg.sender) revert PledgedToAnotherLender(holder, p.lender);
        unchecked {
            lockedAfter = p.amount - amount; // amount <= p.amount, checked above
        }
        if (lockedAfter == 0) delete _pledges[holder];
        else _pledges[holder].amount = uint96(lockedAfter);
    }
}
