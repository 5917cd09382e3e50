// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1643} from "../interfaces/IERC1643.sol";

/// @title Documents
/// @notice Storage and bookkeeping of ERC-1643 documents (prospectus, filing notice, trustee reports).
/// @dev The inheriting token adds the access control and reacts to particular names through {_afterDocumentChange}.
abstract contract Documents is IERC1643 {
    struct Document {
        string uri;
        bytes32 documentHash;
        uint256 timestamp;
    }

    mapping(bytes32 name => Document) private _documents;
    bytes32[] private _documentNames;
    /// @dev Position in `_documentNames` plus one; zero means "no such document".
    mapping(bytes32 name => uint256 indexPlusOne) private _documentIndex;
    /// @dev Regulator's reference of a document (e.g. the CSRC filing number of the "filing" document); 0 if none.
    mapping(bytes32 name => bytes32 ref) private _references;

    /// @notice Latest uri, content hash and time of the document called `name`.
    function getDocument(bytes32 name)
        external
        view
        returns (string memory uri, bytes32 documentHash, uint256 timestamp)
    {
        Document storage d = _documents[name];
        return (d.uri, d.documentHash, d.timestamp);
    }


    /// @notice Names of every recorded document.
    function getAllDocuments() external view returns (bytes32[] memory) {
        return _documentNames;
    }

    /// @dev The regulator's reference recorded with document `name`, or 0.
    function _documentReference(bytes32 name) internal view returns (bytes32) {
        return _references[name];
    }

    function _setDocument(bytes32 name, string calldata uri, bytes32 documentHash) internal {
        if (name == bytes32(0)) revert EmptyDocumentName();
        if (_documentIndex[name] == 0) {
            _documentNames.push(name);
            _documentIndex[name] = _documentNames.length;
        }
        _documents[name] = Document({uri: uri, documentHash: documentHash, timestamp: block.timestamp});
        emit DocumentUpdated(name, uri, documentHash);
        _afterDocumentChange(name, true);
    }

    /// @dev Records the regulator's reference of an existing document (0 clears it).
    function _setDocumentReference(bytes32 name, bytes32 ref) internal {
        if (_documentIndex[name] == 0) revert DocumentNotFound(name);
        _references[name] = ref;
        emit DocumentReferenceSet(name, ref);
    }

    function _removeDocument(bytes32 name) internal {
        uint256 indexPlusOne = _documentIndex[name];
        if (indexPlusOne == 0) revert DocumentNotFound(name);
        uint256 last = _documentNames.length - 1;
        if (indexPlusOne - 1 != last) {
            // Swap-and-pop keeps removal O(1); document order is not meaningful.
            bytes32 moved = _documentNames[last];
            _documentNames[indexPlusOne - 1] = moved;
            _documentIndex[moved] = indexPlusOne;
        }
        _documentNames.pop();
        delete _documentIndex[name];
        Document memory d = _documents[name];
        delete _documents[name];
        delete _references[name];
        emit DocumentRemoved(name, d.uri, d.documentHash);
        _afterDocumentChange(name, false);
    }

    /// @dev Called after a document is set (`present` true) or removed.
    function _afterDocumentChange(bytes32 name, bool present) internal virtual;
}
