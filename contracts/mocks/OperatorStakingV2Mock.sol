// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OperatorStaking} from "../staking/OperatorStaking.sol";

/// @notice A next version of OperatorStaking for upgrade tests: same storage, one new function, and no
/// initializer because the proxy is already initialised and V2 adds no state.
/// @custom:oz-upgrades-from OperatorStaking
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract OperatorStakingV2Mock is OperatorStaking {
    function version() external pure returns (uint256) {
        return 2;
    }
}
