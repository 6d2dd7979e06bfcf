// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Receives ETH (by plain transfer or any call, e.g. `depositETH()`) and, once armed, calls back into
/// `reentryTarget` with `reentryData` before returning. It records the revert data of that call so a test can prove
/// the re-entry was refused.
contract ReentrantEthReceiver {
    address public reentryTarget;
    bytes public reentryData;
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryRevertData;

    function setReentry(address target_, bytes calldata data_) external {
        reentryTarget = target_;
        reentryData = data_;
        reentered = false;
    }

    receive() external payable {
        _reenter();
    }

    fallback() external payable {
        _reenter();
    }

    function _reenter() private {
        if (reentryTarget == address(0) || reentered) return;
        reentered = true;
        bytes memory reason;
        (reentrySucceeded, reason) = reentryTarget.call(reentryData);
        reentryRevertData = reason;
    }
}
