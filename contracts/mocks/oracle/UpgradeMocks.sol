// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AIOracle} from "../../oracle/AIOracle.sol";
import {ModelRegistry} from "../../models/ModelRegistry.sol";

/// @notice A V2 of the oracle for upgrade tests: same storage, one new function, no initializer (V2 adds no state).
/// @custom:oz-upgrades-from AIOracle
/// @custom:oz-upgrades-unsafe-allow missing-initializer external-library-linking
contract AIOracleV2Mock is AIOracle {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice A V2 of the registry for upgrade tests: same storage, one new function, no initializer (V2 adds no state).
/// @custom:oz-upgrades-from ModelRegistry
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract ModelRegistryV2Mock is ModelRegistry {
    function version() external pure returns (uint256) {
        return 2;
    }
}
