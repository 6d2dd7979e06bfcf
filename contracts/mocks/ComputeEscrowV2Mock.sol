// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ComputeEscrow} from "../compute/ComputeEscrow.sol";

/// @title ComputeEscrowV2Mock
/// @notice An upgrade target with the same storage and one new function, for the upgrade test.
/// @custom:oz-upgrades-from contracts/compute/ComputeEscrow.sol:ComputeEscrow
/// @custom:oz-upgrades-unsafe-allow missing-initializer
contract ComputeEscrowV2Mock is ComputeEscrow {
    function version() external pure returns (uint256) {
        return 2;
    }
}
