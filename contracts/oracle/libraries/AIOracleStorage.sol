// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAIOracle} from "../interfaces/IAIOracle.sol";

/// @title AIOracleStorage
/// @notice The ERC-7201 namespaced state of the AIOracle, shared by the contract and its linked verification library.
abstract contract AIOracleStorage {
    /// @dev Each commitment slot (`commitmentRing`, else `commitments`) packs [184-bit truncated commitment | 8-bit
    /// state | 24-bit ring lap | 40-bit deadline] (AIOracleCore); each
    /// `credits` slot packs the account's credit, and for a node its served count and cached status (AIOracleCore).
    /// @custom:storage-location erc7201:axon.storage.AIOracle
    struct Layout {
        address registry;
        // Before the hot slot: the request count (now in `hot`; read once by `migrateHotSlot`).
        uint96 requestCount;
        IAIOracle.Config config;
        IAIOracle.FeeConfig feeConfig;
        uint256 protocolFeesWei;
        address staking;
        address treasury;
        mapping(uint256 requestId => uint256) commitments;
        mapping(address account => uint256) credits;
        mapping(address node => uint256) lateness;
        mapping(uint256 requestId => mapping(address node => bytes32)) votes;
        mapping(uint256 requestId => mapping(bytes32 result => uint256)) voteCounts;
        mapping(uint256 requestId => IAIOracle.Proposal) proposals;
        mapping(uint256 requestId => mapping(address node => bool)) challengeVoted;
        // Appended: the voters on each side of a challenge (each bonded `bondWei` of stake), settled with it.
        mapping(uint256 requestId => mapping(bool resultValid => address[])) challengeVoters;
        // Appended (issue 13): the hot-path cache pushed by the registry (model terms, node sets) and by the staking
        // contract (the oracle service and, in each node's `credits` slot, its stake and jail time). Bit layouts in
        // AIOracleCore.
        mapping(uint256 modelId => uint256) modelTerms;
        mapping(uint256 modelId => uint256) modelVerification;
        mapping(uint256 modelId => address[]) modelNodes;
        // Before the hot slot: the cache's source flags (now in `hot`; read once by `migrateHotSlot`).
        uint256 sources;
        // Appended (issue 13, second step): the one slot every request and fulfilment reads first, packing the
        // request count, the pause flag, `maxOutputBytes` and the cache's source flags (bit layout in AIOracleCore).
        uint256 hot;
        // Appended (issue 13, third step): the commitment ring, request `id`'s slot at `id % 4096` (AIOracleCore
        // RING_SIZE) while free, so that steady-state requests rewrite a used slot instead of filling a fresh one.
        uint256[4096] commitmentRing;
    }
}
