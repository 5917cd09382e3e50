// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title SignatureChecker, for chains without MCOPY
/// @notice Stands in for OpenZeppelin's `SignatureChecker` in the build for shanghai-level chains: the library's
/// ERC-7913 part uses `Bytes.slice`, whose MCOPY such chains lack. The compiler's shanghai pass remaps the import
/// here. Only the check the contracts use, with the same name and meaning: an EOA's ECDSA signature, or a contract
/// wallet's ERC-1271 answer.
library SignatureChecker {
    /// @dev Whether `signature` is `signer`'s over `hash`: ECDSA for an account without code, ERC-1271 otherwise.
    function isValidSignatureNow(address signer, bytes32 hash, bytes memory signature) internal view returns (bool) {
        if (signer.code.length == 0) {
            (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
            return err == ECDSA.RecoverError.NoError && recovered == signer;
        }
        (bool ok, bytes memory answer) =
            signer.staticcall(abi.encodeCall(IERC1271.isValidSignature, (hash, signature)));
        return ok && answer.length >= 32 && abi.decode(answer, (bytes32)) == bytes32(IERC1271.isValidSignature.selector);
    }
}
