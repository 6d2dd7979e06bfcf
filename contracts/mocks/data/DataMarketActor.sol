// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A contract account for DataMarket tests: acts through `act`, and on receiving ETH either accepts it,
/// rejects it, or re-enters a target (e.g. `withdraw` or `purchase`) and bubbles the target's revert.
contract DataMarketActor {
    bool public rejectEth;
    address public hookTarget;
    bytes public hookData;

    error DataMarketActorRejectsEth();

    function setRejectEth(bool reject) external {
        rejectEth = reject;
    }

    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    function act(address target, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
        if (!ok) _bubble(ret);
        return ret;
    }

    // The re-entry on receipt is the point of this mock.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (rejectEth) revert DataMarketActorRejectsEth();
        if (hookTarget != address(0)) {
            (bool ok, bytes memory ret) = hookTarget.call(hookData);
            if (!ok) _bubble(ret);
        }
    }

    function _bubble(bytes memory ret) private pure {
        assembly {
            revert(add(ret, 0x20), mload(ret))
        }
    }
}
