// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A buyer contract that forwards calls (with value) to a target and, once armed, re-enters the target with a
/// prepared call when it receives ETH (e.g. the refund of an overpayment). It records the outcome of that call so a
/// test can prove the re-entry was refused.
contract ReentrantOfferingBuyer {
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

    function exec(address target, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (reentryTarget == address(0) || reentered) return;
        reentered = true;
        bytes memory reason;
        (reentrySucceeded, reason) = reentryTarget.call(reentryData);
        reentryRevertData = reason;
    }
}
