// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IServedCounter} from "../../depin/interfaces/IServedCounter.sol";

/// @notice Stands in for the AIOracle's `servedCount` until the oracle gains it: tests set the counts directly.
contract ServedCounterMock is IServedCounter {
    mapping(address node => uint256) private _served;

    function setServed(address node, uint256 count) external {
        _served[node] = count;
    }

    /// @inheritdoc IServedCounter
    function servedCount(address node) external view returns (uint256) {
        return _served[node];
    }
}
