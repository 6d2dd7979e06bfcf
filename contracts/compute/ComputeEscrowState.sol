// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOperatorStaking} from "../staking/interfaces/IOperatorStaking.sol";
import {IComputeEscrow} from "./interfaces/IComputeEscrow.sol";

/// @title ComputeEscrowState
/// @notice The ERC-7201 namespaced storage of ComputeEscrow, shared with the ComputeEscrowLib library that runs its
/// cold paths (settlement, housekeeping, pricing) through delegatecall so the contract stays under the size limit.
abstract contract ComputeEscrowState {
    /// @custom:storage-location erc7201:axon.storage.ComputeEscrow
    struct ComputeEscrowStorage {
        IOperatorStaking staking;
        address treasury;
        IComputeEscrow.Settings settings;
        IComputeEscrow.FeedConfig feed;
        uint64 nextJobId;
        uint64 expiryCursor;
        uint8 tokenCount;
        mapping(uint8 assetId => address) assetTokens;
        mapping(address token => TokenInfo) tokens;
        mapping(uint256 jobId => JobRecord) jobs;
        mapping(uint256 jobId => bytes32) results;
        mapping(uint256 jobId => ReplicaSet) replicaSets;
        mapping(address provider => IComputeEscrow.Offer) offers;
        mapping(address account => mapping(address token => uint256)) credits;
        mapping(address token => uint256) fees;
    }

    /// @dev A job's three storage slots (IComputeEscrow.Job without the result hash, which is kept apart so that
    /// posting writes exactly three slots in one store each).
    struct JobRecord {
        address requester;
        IComputeEscrow.JobStatus status;
        IComputeEscrow.VerificationMode mode;
        uint8 redundancy;
        uint8 assetId;
        uint32 deadline;
        uint32 maxDurationSeconds;
        address provider;
        bytes8 gpuModel;
        uint16 gpuCount;
        uint16 memoryGiB;
        uint16 feeBps;
        uint112 bondWei;
        uint128 amount;
    }

    /// @dev Asset id 0 is ETH; a token's id is assigned once and never reused.
    struct TokenInfo {
        uint8 assetId;
        bool allowed;
    }

    /// @dev The replicas of one redundancy-mode job; `positionOf` is index + 1 (0: not a replica).
    struct ReplicaSet {
        uint8 claimed;
        uint8 submitted;
        mapping(address provider => uint8) positionOf;
        mapping(uint256 index => IComputeEscrow.Replica) replicas;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.ComputeEscrow")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x5b2e2ece64c1ebb513c8089859dbd9b1fefbb839c8501f927f336f1dd69c9c00;

    function _s() internal pure returns (ComputeEscrowStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
