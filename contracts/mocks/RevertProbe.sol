// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RevertProbe
/// @notice Fails in every way a contract can, so the SDK's revert decoding is tested against real reverts.
contract RevertProbe {
    error Refused(address who, uint256 amount, string why);

    uint256 public value;

    /// @notice Stores `newValue`; reverts with a require string when it is zero.
    function setValue(uint256 newValue) external {
        require(newValue != 0, "value must be non-zero");
        value = newValue;
    }

    /// @notice Always reverts with a custom error carrying arguments.
    function refuse(uint256 amount) external view {
        revert Refused(msg.sender, amount, "probe");
    }

    /// @notice Divides by `divisor`: a zero divisor panics (0x12).
    function divide(uint256 divisor) external view returns (uint256) {
        return value / divisor;
    }

    /// @notice Reverts with no data at all.
    function bare() external pure {
        revert();
    }
}
