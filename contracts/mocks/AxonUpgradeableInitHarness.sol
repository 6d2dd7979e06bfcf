// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AxonUpgradeable} from "../common/AxonUpgradeable.sol";

/// @notice A minimal AxonUpgradeable whose author wrongly exposes the base initializer outside `initialize`, to prove
/// the base refuses to run (and re-grant its roles) once initialisation is over.
contract AxonUpgradeableInitHarness is AxonUpgradeable {
    function initialize(address admin, uint48 adminDelaySeconds) external initializer {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
    }

    function initBaseAgain(address admin, uint48 adminDelaySeconds) external {
        __AxonUpgradeable_init(admin, adminDelaySeconds);
    }
}
