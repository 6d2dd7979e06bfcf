// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Treasury} from "../common/Treasury.sol";

/// @notice A next version of Treasury for upgrade tests: same storage, one new function, and no
/// initializer because the proxy is already initialised and V2 adds no state.
/// @custom:oz-upgrades-from Treasury
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract TreasuryV2Mock is Treasury {
    function version() external pure returns (uint256) {
        return 2;
    }
}
