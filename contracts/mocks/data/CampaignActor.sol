// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ReentrantEthReceiver} from "../ReentrantEthReceiver.sol";

/// @notice A contract account in a collection campaign: funds campaigns and withdraws through `execute`, signs
/// submissions by ERC-1271 (digests it approved), and, once armed, re-enters when paid (ReentrantEthReceiver).
contract CampaignActor is ReentrantEthReceiver, IERC1271 {
    mapping(bytes32 digest => bool) public approved;

    function approveDigest(bytes32 digest) external {
        approved[digest] = true;
    }

    function execute(address target, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    function isValidSignature(bytes32 digest, bytes calldata) external view returns (bytes4) {
        return approved[digest] ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
