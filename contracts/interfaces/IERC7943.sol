// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title IERC7943FungibleEvents
/// @notice The events and errors of ERC-7943's fungible interface, apart from its functions so that a contract can
/// emit them without implementing the interface (the interface id covers the functions only).
interface IERC7943FungibleEvents {
    /// @notice Tokens were taken from `from` and given to `to` by an enforcement action.
    event ForcedTransfer(address indexed from, address indexed to, uint256 amount);
    /// @notice `account`'s frozen amount is now `amount` (the value after the change).
    event Frozen(address indexed account, uint256 amount);

    error ERC7943CannotSend(address account);
    error ERC7943CannotReceive(address account);
    error ERC7943CannotTransfer(address from, address to, uint256 amount);
    /// @notice A transfer of `amount` (at most the balance) exceeds the `unfrozen` part of `account`'s balance.
    error ERC7943InsufficientUnfrozenBalance(address account, uint256 amount, uint256 unfrozen);
}

/// @title IERC7943Fungible
/// @notice ERC-7943 (uRWA), the fungible interface, as the Final text defines it (ERC-165 id 0x3edbb4c4).
interface IERC7943Fungible is IERC7943FungibleEvents, IERC165 {
    function forcedTransfer(address from, address to, uint256 amount) external returns (bool result);
    function setFrozenTokens(address account, uint256 amount) external returns (bool result);
    function canSend(address account) external view returns (bool allowed);
    function canReceive(address account) external view returns (bool allowed);
    function getFrozenTokens(address account) external view returns (uint256 amount);
    function canTransfer(address from, address to, uint256 amount) external view returns (bool allowed);
}
