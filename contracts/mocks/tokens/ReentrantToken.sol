// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice An ERC-20 that, like an ERC-777 hook, calls back into `reentryTarget` with `reentryData` in the middle of
/// its next transfer, once. It records the revert data of that call so a test can prove the re-entry was refused.
contract ReentrantToken is ERC20 {
    address public reentryTarget;
    bytes public reentryData;
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryRevertData;

    constructor() ERC20("Reentrant", "REENTER") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setReentry(address target_, bytes calldata data_) external {
        reentryTarget = target_;
        reentryData = data_;
        reentered = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && reentryTarget != address(0) && !reentered) {
            reentered = true;
            bytes memory reason;
            (reentrySucceeded, reason) = reentryTarget.call(reentryData);
            reentryRevertData = reason;
        }
        super._update(from, to, value);
    }
}
