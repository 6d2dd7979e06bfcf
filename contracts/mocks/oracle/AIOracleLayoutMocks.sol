// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AxonUpgradeable} from "../../common/AxonUpgradeable.sol";
import {IAIOracle} from "../../oracle/interfaces/IAIOracle.sol";

/// @notice The AIOracle's storage as it was before the hot slot (the cache layout of issue 13, first step), frozen:
/// the reference the upgrades plugin checks AIOracle's layout against, and a proxy the upgrade test seeds with the
/// state `migrateHotSlot` reads (request count, pause flag, output limit, the cache's `sources` word).
contract AIOracleBeforeHotSlotMock is AxonUpgradeable {
    /// @custom:storage-location erc7201:axon.storage.AIOracle
    struct Layout {
        address registry;
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
        mapping(uint256 requestId => mapping(bool resultValid => address[])) challengeVoters;
        mapping(uint256 modelId => uint256) modelTerms;
        mapping(uint256 modelId => uint256) modelVerification;
        mapping(uint256 modelId => address[]) modelNodes;
        uint256 sources;
    }

    // keccak256(abi.encode(uint256(keccak256("axon.storage.AIOracle")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x644d4b16682ca8ec79740f08bf7a056ce84d41a9a4f9d2dbabd06963a33ee900;

    function initialize(address admin) external initializer {
        __AxonUpgradeable_init(admin, 0);
    }

    /// @notice Writes what an oracle of this layout holds (test set-up only).
    function seed(
        address registry,
        uint96 requestCount,
        IAIOracle.Config calldata config,
        uint256 sources
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Layout storage $;
        assembly {
            $.slot := STORAGE_LOCATION
        }
        $.registry = registry;
        $.requestCount = requestCount;
        $.config = config;
        $.sources = sources;
    }
}

/// @notice A wrong successor of AIOracleBeforeHotSlotMock (a field inserted before the others), so the upgrade test
/// shows the plugin's layout check refuses what it must.
contract AIOracleShiftedLayoutMock is AxonUpgradeable {
    /// @custom:storage-location erc7201:axon.storage.AIOracle
    struct Layout {
        uint256 inserted;
        address registry;
        uint96 requestCount;
    }
}
