// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IPaymentTokenPolicy} from "../interfaces/IPaymentTokenPolicy.sol";

/// @title PaymentTokenPolicy
/// @notice The offering's list of ERC-20 payment tokens, each tagged with its currency, and the currency rules
/// applied before a token may be used: RMB-pegged tokens (CNY, CNH) are refused unless explicitly marked approved,
/// following the February 2026 PBoC/CSRC notice on RMB-pegged stablecoins (context/, see DESIGN.md), and the
/// admin may refuse any other currency outright.
/// @dev Inherited by the Distributor so that the hot claim path reads the payment token from local storage
/// (an external policy contract would add a cold account access to every creation).
/// Fee-on-transfer and rebasing tokens must never be allowed: the cash-flow contracts account in nominal units.
abstract contract PaymentTokenPolicy is AccessControl, IPaymentTokenPolicy {
    /// @dev Packed into one slot: read once per distribution creation.
    struct PaymentTokenConfig {
        bytes8 currency;
        bool allowed;
        bool rmbApproved;
    }

    mapping(address paymentToken => PaymentTokenConfig) private _paymentTokenConfigs;
    mapping(bytes8 currency => bool) private _refusedCurrencies;

    /// @notice A payment token was allowed (or its settings changed).
    event PaymentTokenAllowed(address indexed paymentToken, bytes8 indexed currency, bool rmbApproved);
    /// @notice A payment token may no longer be used for new payments; open distributions still pay out.
    event PaymentTokenDisallowed(address indexed paymentToken);
    /// @notice A currency was refused (or accepted again) by the offering's policy.
    event CurrencyRefusalSet(bytes8 indexed currency, bool refused);

    /// @dev The payment token is RMB-pegged (CNY/CNH) and was not marked approved.
    error RmbPeggedCurrencyNotApproved(address paymentToken, bytes8 currency);
    /// @dev The offering's policy refuses this currency.
    error CurrencyRefused(bytes8 currency);
    /// @dev Currency codes are 3 to 8 upper-case ASCII letters, left aligned and zero padded.
    error InvalidCurrencyCode(bytes8 currency);
    /// @dev The payment token address is zero.
    error InvalidPaymentToken(address paymentToken);
    /// @dev The token is not (or no longer) allowed for this offering.
    error PaymentTokenNotAllowed(address paymentToken);

    /// @notice Allows `paymentToken` for the offering's payments and records its currency.
    /// @dev Calling it again for a registered token updates its currency and approval and re-allows it.
    /// Upper case is enforced so "cnh" cannot slip past the RMB rule.
    /// @param paymentToken The ERC-20 payment token (a stablecoin).
    /// @param currency ISO-4217 code, e.g. bytes8("USD"), bytes8("HKD"), bytes8("CNH").
    /// @param approvedRmb Must be true to allow a CNY/CNH (RMB-pegged) token: set only with the approval on file.
    function allowPaymentToken(address paymentToken, bytes8 currency, bool approvedRmb)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        if (paymentToken == address(0)) revert InvalidPaymentToken(paymentToken);
        _requireCurrencyCode(currency);
        if (_refusedCurrencies[currency]) revert CurrencyRefused(currency);
        if (isRmbPegged(currency) && !approvedRmb) revert RmbPeggedCurrencyNotApproved(paymentToken, currency);

        // Only meaningful for RMB tokens; stored false otherwise so the flag never claims an approval that isn't needed.
        bool rmbApproved = approvedRmb && isRmbPegged(currency);
        _paymentTokenConfigs[paymentToken] =
            PaymentTokenConfig({currency: currency, allowed: true, rmbApproved: rmbApproved});
        emit PaymentTokenAllowed(paymentToken, currency, rmbApproved);
    }

    /// @notice Stops `paymentToken` from being used for new payments.
    /// @dev Distributions already funded in it keep paying out: stranding holders' money would be worse.
    function disallowPaymentToken(address paymentToken) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!_paymentTokenConfigs[paymentToken].allowed) revert PaymentTokenNotAllowed(paymentToken);
        _paymentTokenConfigs[paymentToken].allowed = false;
        emit PaymentTokenDisallowed(paymentToken);
    }

    /// @notice Refuses (or accepts again) a currency for future `allowPaymentToken` calls.
    /// @dev Tokens already allowed in that currency are not touched: disallow them explicitly.
    function setCurrencyRefused(bytes8 currency, bool refused) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _requireCurrencyCode(currency);
        _refusedCurrencies[currency] = refused;
        emit CurrencyRefusalSet(currency, refused);
    }

    /// @inheritdoc IPaymentTokenPolicy
    function isPaymentTokenAllowed(address paymentToken) public view returns (bool) {
        return _paymentTokenConfigs[paymentToken].allowed;
    }

    /// @inheritdoc IPaymentTokenPolicy
    function paymentTokenCurrency(address paymentToken) external view returns (bytes8) {
        return _paymentTokenConfigs[paymentToken].currency;
    }

    /// @notice Full policy record of `paymentToken`.
    /// @return currency ISO-4217 code.
    /// @return allowed Usable for new payments.
    /// @return rmbApproved Marked approved as an RMB-pegged token.
    function paymentTokenConfig(address paymentToken)
        external
        view
        returns (bytes8 currency, bool allowed, bool rmbApproved)
    {
        PaymentTokenConfig memory config = _paymentTokenConfigs[paymentToken];
        return (config.currency, config.allowed, config.rmbApproved);
    }

    /// @notice Whether the policy refuses `currency` outright.
    function isCurrencyRefused(bytes8 currency) external view returns (bool) {
        return _refusedCurrencies[currency];
    }

    /// @notice Whether `currency` is an RMB code the February 2026 notice covers (CNY onshore, CNH offshore).
    function isRmbPegged(bytes8 currency) public pure returns (bool) {
        return currency == bytes8("CNY") || currency == bytes8("CNH");
    }

    /// @dev Reverts unless `paymentToken` is allowed.
    function _requireAllowedPaymentToken(address paymentToken) internal view {
        if (!_paymentTokenConfigs[paymentToken].allowed) revert PaymentTokenNotAllowed(paymentToken);
    }

    function _requireCurrencyCode(bytes8 currency) private pure {
        uint256 letters = 0;
        for (uint256 i; i < 8; ++i) {
            bytes1 c = currency[i];
            if (c == 0) break;
            if (c < "A" || c > "Z") revert InvalidCurrencyCode(currency);
            ++letters;
        }
        if (letters < 3) revert InvalidCurrencyCode(currency);
        // Anything after the first zero byte must be zero too, or two spellings would name one currency.
        if (letters < 8 && (uint256(uint64(currency)) & ((uint256(1) << (8 * (8 - letters))) - 1)) != 0) {
            revert InvalidCurrencyCode(currency);
        }
    }
}
