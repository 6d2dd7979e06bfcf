// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ModelOffering} from "../../imo/ModelOffering.sol";

/// @notice Upgrade target for the layout test: same storage, one more view.
/// @custom:oz-upgrades-from contracts/imo/ModelOffering.sol:ModelOffering
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract ModelOfferingV2 is ModelOffering {
    function version() external pure returns (uint256) {
        return 2;
    }
}
