// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IERC1404
/// @notice ERC-1404 (simple restricted token). The standard defines no ERC-165 id; tokens here answer this
/// interface's Solidity id, 0xab84a5c8 (the XOR of its two selectors).
interface IERC1404 {
    function detectTransferRestriction(address from, address to, uint256 amount) external view returns (uint8);
    function messageForTransferRestriction(uint8 restrictionCode) external view returns (string memory);
}
