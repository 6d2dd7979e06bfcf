// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILabelingBounties} from "../../data/interfaces/ILabelingBounties.sol";

/// @notice Adversarial requester or labeller contract: forwards any call to the bounties, and on receiving ETH either
/// accepts it, reverts, or re-enters `withdraw`.
contract LabelingBountiesActor {
    enum Mode {
        Accept,
        Revert,
        Reenter
    }

    ILabelingBounties public immutable bounties;
    Mode public mode;
    bool public reentryBlocked;

    error LabelingBountiesActorRejected();

    constructor(ILabelingBounties bounties_) {
        bounties = bounties_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function exec(bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = address(bounties).call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        if (mode == Mode.Revert) revert LabelingBountiesActorRejected();
        if (mode == Mode.Reenter) {
            // The re-entrant withdraw must fail; record that it did so the test can assert it.
            try bounties.withdraw() {
                reentryBlocked = false;
            } catch {
                reentryBlocked = true;
            }
        }
    }
}
