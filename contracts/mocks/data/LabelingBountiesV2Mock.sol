// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LabelingBounties} from "../../data/LabelingBounties.sol";

/// @notice An upgrade target: the same storage with one added view, to prove state survives an upgrade. It inherits
/// `initialize` unchanged (the proxy is already initialised), hence no initializer of its own.
/// @custom:oz-upgrades-from contracts/data/LabelingBounties.sol:LabelingBounties
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract LabelingBountiesV2Mock is LabelingBounties {
    function version() external pure returns (uint256) {
        return 2;
    }
}
