// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEdgeNodeRegistry} from "../../depin/interfaces/IEdgeNodeRegistry.sol";
import {IOperatorStaking} from "../../staking/interfaces/IOperatorStaking.sol";

/// @notice An edge operator contract that re-enters the registry from its ETH receive hook to claim twice.
contract ReentrantEdgeClaimer {
    IEdgeNodeRegistry public immutable registry;
    uint64 private _epoch;
    uint32 private _uptime;
    bytes32[] private _proof;
    bool private _attacking;

    constructor(IEdgeNodeRegistry registry_) {
        registry = registry_;
    }

    function stake(IOperatorStaking staking, bytes32 service) external payable {
        staking.stake{value: msg.value}(service);
    }

    function register(address signer) external {
        registry.register(signer, bytes2("DE"), 1, new bytes32[](0), "");
    }

    function claim(uint64 epoch, uint32 uptime, bytes32[] calldata proof) external {
        _epoch = epoch;
        _uptime = uptime;
        _proof = proof;
        _attacking = true;
        registry.claimUptime(epoch, uptime, proof);
    }

    receive() external payable {
        _reenter();
    }

    function _reenter() private {
        if (!_attacking) return;
        _attacking = false;
        registry.claimUptime(_epoch, _uptime, _proof);
    }
}
