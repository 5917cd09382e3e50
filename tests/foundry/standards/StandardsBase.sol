// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {TokenFixture} from "../TokenFixture.t.sol";
import {RecordedLog} from "../utils/Vm.sol";

/// @notice The forge cheatcodes the standards tests need beyond tests/foundry/utils/Vm.sol (same cheatcode address).
interface VmEmit {
    /// @notice The next event the contract under test emits must match the one the test emits next (all topics and
    /// data); successive expectations must be met in order.
    function expectEmit() external;
    /// @notice As {expectEmit}, the emitter must be `emitter`.
    function expectEmit(address emitter) external;
}

/// @notice The token fixture plus event expectations and equality helpers for strings, addresses and bytes32.
abstract contract StandardsBase is TokenFixture {
    VmEmit internal constant vme = VmEmit(address(uint160(uint256(keccak256("hevm cheat code")))));

    function _expectEmit() internal {
        vme.expectEmit();
    }

    function _expectEmitFrom(address emitter) internal {
        vme.expectEmit(emitter);
    }

    function assertEqAddr(address a, address b, string memory what) internal pure {
        assertEq(uint256(uint160(a)), uint256(uint160(b)), what);
    }

    function assertEqB32(bytes32 a, bytes32 b, string memory what) internal pure {
        assertEq(uint256(a), uint256(b), what);
    }

    function assertEqStr(string memory a, string memory b, string memory what) internal pure {
        assertTrue(keccak256(bytes(a)) == keccak256(bytes(b)), what);
    }

    function assertFalse(bool ok, string memory what) internal pure {
        assertTrue(!ok, what);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    /// @dev How many of the logs recorded since `vm.recordLogs()` have `topic0`.
    function _countLogs(bytes32 topic0) internal returns (uint256 n) {
        RecordedLog[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics.length != 0 && logs[i].topics[0] == topic0) ++n;
        }
    }
}
