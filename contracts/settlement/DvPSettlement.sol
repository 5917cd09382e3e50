// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title DvPSettlement
/// @notice Delivery versus payment for secondary trades in security tokens: the security leg (seller -> buyer)
/// and the payment leg (buyer -> seller, less an optional platform fee) move in one transaction or not at all.
/// One contract serves a whole platform (any security token, any ERC-20 payment token).
///
/// How a trade is authorised: seller and buyer each sign the same EIP-712 `Trade` (or are themselves the
/// caller, in which case their signature may be empty), so a platform can settle for its clients. Signatures
/// are checked with ERC-1271 as well as ECDSA, so custodial smart wallets can trade. Before settling, the seller
/// approves this contract on the security token and the buyer approves it on the payment token.
///
/// Replay protection: a trade's nonce is the SELLER's nonce, kept in a bitmap (256 nonces per storage word, so
/// a platform settling many trades of the same sellers pays ~5k per nonce, not 20k). A seller may sign several
/// trades with the same nonce (offering one lot to several buyers): at most one of them settles. The seller
/// cancels by nonce (every trade with it); the buyer cancels the exact trade by its hash, so a buyer can never
/// burn a seller's nonce for trades it is not party to.
///
/// Compliance: the security leg moves first, through the token's `transferFrom` with this contract as the
/// spender, which checks seller, buyer and spender exactly as `checkTransferFrom(address(this), seller, buyer,
/// amount)` does and refuses with the token's error `TransferRestricted(code)`; that revert propagates
/// unchanged (and undoes everything), so SDKs decode one error for direct transfers and settlements alike.
///
/// Batches: {settleBatch} settles each trade in its own sub-call. A trade that fails (bad signature, expired,
/// cancelled, non-compliant, a leg that reverts) is skipped with {TradeFailed} carrying the first
/// {MAX_REASON_BYTES} bytes of its revert data, and both of its legs are rolled back; the other trades settle.
/// Nothing is half-settled. The bound matters: a token named in one trade chooses its own revert data, and
/// copying all of it (as `catch (bytes memory)` does) would let a huge payload exhaust the batch's gas.
contract DvPSettlement is AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice A matched trade, as both parties sign it.
    /// @param seller Delivers `securityAmount` of `securityToken`; owner of `nonce`.
    /// @param buyer Pays `paymentAmount` of `paymentToken`.
    /// @param nonce The seller's single-use nonce.
    /// @param expiry Last second (unix time) at which the trade may settle.
    /// @param feeBps Platform fee in basis points of `paymentAmount`, deducted from the seller's proceeds and
    /// paid by the buyer's allowance directly to {feeRecipient}; at most {MAX_FEE_BPS}.
    struct Trade {
        address seller;
        address buyer;
        address securityToken;
        uint256 securityAmount;
        address paymentToken;
        uint256 paymentAmount;
        uint256 nonce;
        uint64 expiry;
        uint16 feeBps;
    }

    /// @notice EIP-712 type hash of {Trade}.
    bytes32 public constant TRADE_TYPEHASH = keccak256(
        "Trade(address seller,address buyer,address securityToken,uint256 securityAmount,address paymentToken,"
        "uint256 paymentAmount,uint256 nonce,uint64 expiry,uint16 feeBps)"
    );
    /// @notice Highest fee a trade may carry: 5%.
    uint16 public constant MAX_FEE_BPS = 500;
    /// @notice Most revert-data bytes a failed batch trade reports in {TradeFailed}: a selector and four
    /// words (4 + 32 * 4), which hold any of this contract's errors, the token's `TransferRestricted(code)` and
    /// the common ERC-20 errors whole. A literal because inline assembly reads it.
    uint256 public constant MAX_REASON_BYTES = 132;

    /// @notice Receives platform fees; set by the admin.
    address public feeRecipient;
    mapping(address seller => mapping(uint256 word => uint256 bits)) private _nonceBits;
    mapping(bytes32 tradeHash => bool) private _cancelledByBuyer;

    event TradeSettled(
        bytes32 indexed tradeHash,
        address indexed seller,
        address indexed buyer,
        address securityToken,
        uint256 securityAmount,
        address paymentToken,
        uint256 paymentAmount,
        uint256 fee
    );
    /// @notice A trade of a batch that did not settle; `reason` is its revert data (a custom error), cut to
    /// {MAX_REASON_BYTES}.
    event TradeFailed(bytes32 indexed tradeHash, bytes reason);
    event TradeCancelled(bytes32 indexed tradeHash, address indexed by, uint256 nonce);
    event FeeRecipientSet(address indexed feeRecipient);

    error TradeExpired(uint256 expiry, uint256 nowTimestamp);
    error NonceAlreadyUsed(address seller, uint256 nonce);
    error TradeCancelledByBuyer(bytes32 tradeHash);
    error InvalidSignature(address signer);
    error FeeTooHigh(uint16 feeBps, uint16 maxFeeBps);
    error NoFeeRecipient();
    error InvalidTrade();
    error NotTradeParty(address caller);
    error OnlySelf();
    error ZeroAddress();
    error LengthMismatch();

    /// @param admin Holds DEFAULT_ADMIN_ROLE (sets the fee recipient).
    /// @param feeRecipient_ Receives fees; may be zero while no trade carries a fee.
    constructor(address admin, address feeRecipient_) EIP712("RWA DvP Settlement", "1") {
        if (admin == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        feeRecipient = feeRecipient_;
        emit FeeRecipientSet(feeRecipient_);
    }

    // ------------------------------------------------------------------ settlement

    /// @notice Settles one trade atomically: security leg seller -> buyer, payment leg buyer -> seller (and the
    /// fee to {feeRecipient}). Reverts with the first reason it cannot settle; nothing moves then.
    /// @param trade The trade both parties agreed.
    /// @param sellerSignature The seller's EIP-712 signature of `trade`; may be empty if the seller calls.
    /// @param buyerSignature The buyer's EIP-712 signature of `trade`; may be empty if the buyer calls.
    /// @return tradeHash The EIP-712 digest of the trade (its id in events).
    function settle(Trade calldata trade, bytes calldata sellerSignature, bytes calldata buyerSignature)
        external
        nonReentrant
        returns (bytes32 tradeHash)
    {
        return _settle(trade, sellerSignature, buyerSignature, msg.sender);
    }

    /// @notice Settles many trades in one transaction. Each trade is atomic on its own; a trade that cannot
    /// settle is skipped with {TradeFailed} (its nonce stays unused, so it may be fixed and resubmitted) and
    /// the others settle.
    /// @param trades The trades.
    /// @param sellerSignatures One per trade (empty where the caller is the seller).
    /// @param buyerSignatures One per trade (empty where the caller is the buyer).
    /// @return settled How many trades settled.
    function settleBatch(
        Trade[] calldata trades,
        bytes[] calldata sellerSignatures,
        bytes[] calldata buyerSignatures
    ) external nonReentrant returns (uint256 settled) {
        uint256 n = trades.length;
        if (sellerSignatures.length != n || buyerSignatures.length != n) revert LengthMismatch();
        uint256 freeMemory;
        assembly ("memory-safe") {
            freeMemory := mload(0x40)
        }
        for (uint256 i; i < n; ++i) {
            // A sub-call per trade gives each trade its own revert frame: a failing leg undoes that trade's
            // other leg and nonce without touching the trades before it.
            bytes memory data = abi.encodeCall(
                this.settleFromBatch, (trades[i], sellerSignatures[i], buyerSignatures[i], msg.sender)
            );
            bool ok;
            bytes memory reason;
            assembly ("memory-safe") {
                ok := call(gas(), address(), 0, add(data, 0x20), mload(data), 0, 0)
                if iszero(ok) {
                    // Copy at most MAX_REASON_BYTES of the revert data, whatever size the failing call chose.
                    let size := returndatasize()
                    if gt(size, MAX_REASON_BYTES) { size := MAX_REASON_BYTES }
                    reason := mload(0x40)
                    mstore(reason, size)
                    returndatacopy(add(reason, 0x20), 0, size)
                    mstore(0x40, add(add(reason, 0x20), and(add(size, 0x1f), not(0x1f))))
                }
            }
            if (ok) {
                unchecked {
                    ++settled; // bounded by n
                }
            } else {
                emit TradeFailed(hashTrade(trades[i]), reason);
            }
            // Nothing allocated for this trade is read again: reuse its memory for the next one.
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
        }
    }

    /// @notice Internal entry of {settleBatch}; callable only by this contract.
    /// @param trade The trade.
    /// @param sellerSignature The seller's signature.
    /// @param buyerSignature The buyer's signature.
    /// @param caller The account that called {settleBatch} (exempt from signing for its own side).
    function settleFromBatch(
        Trade calldata trade,
        bytes calldata sellerSignature,
        bytes calldata buyerSignature,
        address caller
    ) external {
        if (msg.sender != address(this)) revert OnlySelf();
        _settle(trade, sellerSignature, buyerSignature, caller);
    }

    /// @notice Cancels a trade before it settles. The seller cancels its nonce (every trade signed with it);
    /// the buyer cancels this exact trade.
    /// @param trade The trade to cancel.
    function cancel(Trade calldata trade) external {
        bytes32 tradeHash = hashTrade(trade);
        if (msg.sender == trade.seller) {
            _useNonce(trade.seller, trade.nonce);
        } else if (msg.sender == trade.buyer) {
            _cancelledByBuyer[tradeHash] = true;
        } else {
            revert NotTradeParty(msg.sender);
        }
        emit TradeCancelled(tradeHash, msg.sender, trade.nonce);
    }

    /// @notice Invalidates one of the caller's own nonces (as a seller) without naming a trade.
    /// @param nonce The nonce to burn.
    function invalidateNonce(uint256 nonce) external {
        _useNonce(msg.sender, nonce);
        emit TradeCancelled(bytes32(0), msg.sender, nonce);
    }

    // ------------------------------------------------------------------ admin

    /// @notice Sets the account receiving platform fees (admin).
    /// @param feeRecipient_ The new fee account; zero disables trades with a fee.
    function setFeeRecipient(address feeRecipient_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        feeRecipient = feeRecipient_;
        emit FeeRecipientSet(feeRecipient_);
    }

    // ------------------------------------------------------------------ views

    /// @notice The EIP-712 digest both parties sign for `trade`.
    /// @param trade The trade.
    /// @return The typed-data hash (domain: "RWA DvP Settlement", version "1", this chain and contract).
    function hashTrade(Trade calldata trade) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(TRADE_TYPEHASH, trade)));
    }

    /// @notice Whether a seller's nonce is used (settled or cancelled).
    /// @param seller The seller.
    /// @param nonce The nonce.
    /// @return True once used.
    function nonceUsed(address seller, uint256 nonce) external view returns (bool) {
        return _nonceBits[seller][nonce >> 8] & (1 << (nonce & 0xff)) != 0;
    }

    /// @notice Whether the buyer cancelled this exact trade.
    /// @param tradeHash The trade's digest ({hashTrade}).
    /// @return True if cancelled by the buyer.
    function cancelledByBuyer(bytes32 tradeHash) external view returns (bool) {
        return _cancelledByBuyer[tradeHash];
    }

    /// @notice The EIP-712 domain separator of this contract.
    /// @return The separator.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ------------------------------------------------------------------ internals

    function _settle(Trade calldata t, bytes calldata sellerSig, bytes calldata buyerSig, address caller)
        private
        returns (bytes32 tradeHash)
    {
        tradeHash = _authorize(t, sellerSig, buyerSig, caller);
        // Compliance first: the security leg goes before any money moves, and the token's `transferFrom` runs
        // exactly the evaluation of `checkTransferFrom(address(this), seller, buyer, amount)` before moving
        // anything, reverting `TransferRestricted(code)`, which propagates unchanged. A separate view call
        // first would evaluate every rule twice (~10k gas) for the same answer; the SDK's check_trade makes
        // that view call off chain instead.
        // `from` is the seller, whose EIP-712 signature (or own call) over this exact trade `_authorize` verified.
        // slither-disable-next-line arbitrary-send-erc20
        IERC20(t.securityToken).safeTransferFrom(t.seller, t.buyer, t.securityAmount);
        uint256 fee = _payLeg(t);
        emit TradeSettled(
            tradeHash, t.seller, t.buyer, t.securityToken, t.securityAmount, t.paymentToken, t.paymentAmount, fee
        );
    }

    /// @dev Validates the trade and both parties' consent, then consumes the seller's nonce (effects before
    /// any token call: a re-entrant or repeated settlement finds the nonce used).
    function _authorize(Trade calldata t, bytes calldata sellerSig, bytes calldata buyerSig, address caller)
        private
        returns (bytes32 tradeHash)
    {
        address seller = t.seller;
        address buyer = t.buyer;
        if (seller == buyer || seller == address(0) || buyer == address(0) || t.securityAmount == 0) {
            revert InvalidTrade();
        }
        if (block.timestamp > t.expiry) revert TradeExpired(t.expiry, block.timestamp);
        if (t.feeBps > MAX_FEE_BPS) revert FeeTooHigh(t.feeBps, MAX_FEE_BPS);
        tradeHash = hashTrade(t);
        if (caller != seller && !SignatureChecker.isValidSignatureNow(seller, tradeHash, sellerSig)) {
            revert InvalidSignature(seller);
        }
        if (caller != buyer && !SignatureChecker.isValidSignatureNow(buyer, tradeHash, buyerSig)) {
            revert InvalidSignature(buyer);
        }
        if (_cancelledByBuyer[tradeHash]) revert TradeCancelledByBuyer(tradeHash);
        _useNonce(seller, t.nonce);
    }

    /// @dev The payment leg: the platform fee (if any) to the fee recipient, the rest to the seller.
    function _payLeg(Trade calldata t) private returns (uint256 fee) {
        IERC20 payment = IERC20(t.paymentToken);
        uint256 feeBps = t.feeBps;
        if (feeBps != 0) {
            address recipient = feeRecipient;
            if (recipient == address(0)) revert NoFeeRecipient();
            // paymentAmount * feeBps cannot overflow for any realistic amount; checked arithmetic kept anyway.
            fee = t.paymentAmount * feeBps / 10_000;
            // `from` is the buyer, whose consent to this exact trade `_authorize` verified.
            // slither-disable-next-line arbitrary-send-erc20
            if (fee != 0) payment.safeTransferFrom(t.buyer, recipient, fee);
        }
        // slither-disable-next-line arbitrary-send-erc20
        if (t.paymentAmount != fee) payment.safeTransferFrom(t.buyer, t.seller, t.paymentAmount - fee);
    }

    function _useNonce(address seller, uint256 nonce) private {
        uint256 word = nonce >> 8;
        uint256 bit = 1 << (nonce & 0xff);
        uint256 current = _nonceBits[seller][word];
        if (current & bit != 0) revert NonceAlreadyUsed(seller, nonce);
        _nonceBits[seller][word] = current | bit;
    }
}
