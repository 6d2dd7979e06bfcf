// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AIOracle} from "../../oracle/AIOracle.sol";
import {ModelRegistry} from "../../models/ModelRegistry.sol";

/// @notice A V2 of the oracle that only adds a function, for upgrade tests.
/// @custom:oz-upgrades-unsafe-allow external-library-linking
/// @custom:oz-upgrades-from AIOracle
contract AIOracleV2Mock is AIOracle {
    function version() external pure returns (uint256) {
        return 2;
    }
}

/// @notice A V2 of the registry that only adds a function, for upgrade tests.
/// @custom:oz-upgrades-from ModelRegistry
contract ModelRegistryV2Mock is ModelRegistry {
    function version() external pure returns (uint256) {
        return 2;
    }
}
