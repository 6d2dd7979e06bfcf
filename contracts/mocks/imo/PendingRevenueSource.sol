// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Stands for revenue accrued elsewhere that anyone may push into a model token (like the oracle's model
/// fee credit): forwards its whole balance with the oracle's 60k gas cap and no calldata.
contract PendingRevenueSource {
    error PendingRevenueSourcePushFailed();

    receive() external payable {}

    function push(address token) external {
        (bool ok, ) = token.call{value: address(this).balance, gas: 60_000}("");
        if (!ok) revert PendingRevenueSourcePushFailed();
    }
}
