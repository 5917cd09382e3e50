// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IERC1643
/// @notice ERC-1643 document management (part of the ERC-1400 family).
interface IERC1643 {
    event DocumentUpdated(bytes32 indexed _name, string _uri, bytes32 _documentHash);
    event DocumentRemoved(bytes32 indexed _name, string _uri, bytes32 _documentHash);
    /// @notice The regulator's reference of document `_name` (e.g. a CSRC filing number).
    event DocumentReferenceSet(bytes32 indexed _name, bytes32 _reference);

    error EmptyDocumentName();
    error DocumentNotFound(bytes32 name);

    function setDocument(bytes32 name, string calldata uri, bytes32 documentHash) external;
    function removeDocument(bytes32 name) external;
    function getDocument(bytes32 name) external view returns (string memory uri, bytes32 documentHash, uint256 timestamp);
    function getAllDocuments() external view returns (bytes32[] memory);
}
