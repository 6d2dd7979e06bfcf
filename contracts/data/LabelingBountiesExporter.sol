// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {FHE} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {euint256, externalEuint256} from "encrypted-types/EncryptedTypes.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";
import {ILabelingBounties} from "./interfaces/ILabelingBounties.sol";
import {ILabelingBountiesExporter} from "./interfaces/ILabelingBountiesExporter.sol";
import {LabelingRoyaltySink} from "./LabelingRoyaltySink.sol";

/// @title LabelingBountiesExporter
/// @notice One-call DataMarket listing of finished labelling tasks, with a per-task royalty sink for the labellers.
/// @dev Holds no funds and no state beyond the dataset ids, so it is a plain contract: an admin replaces it by
/// pointing LabelingBounties and the DataMarket's LISTER_ROLE at a new one; existing sinks keep working.
contract LabelingBountiesExporter is ILabelingBountiesExporter, ZamaEthereumConfig, ReentrancyGuardTransient {
    /// @inheritdoc ILabelingBountiesExporter
    address public immutable bounties;
    /// @inheritdoc ILabelingBountiesExporter
    address public immutable market;

    mapping(uint256 taskId => uint256 datasetId) private _datasets;

    constructor(address bounties_, address market_) {
        bounties = bounties_;
        market = market_;
    }

    /// @inheritdoc ILabelingBountiesExporter
    function exportToMarket(
        uint256 taskId,
        IDataMarket.ListingParams calldata params,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) external nonReentrant returns (uint256 datasetId) {
        if (params.paymentAsset != address(0)) {
            revert LabelingBountiesExporterUnsupportedPaymentAsset(params.paymentAsset);
        }
        address sink = royaltySinkOf(taskId);
        uint256 n = params.contributors.length;
        if (n == 0 || params.contributors[n - 1] != sink) {
            revert LabelingBountiesExporterSinkNotLastContributor(taskId, sink);
        }
        // Checks the caller is the requester of a finished task not yet exported, and marks it exported.
        uint256 acceptedLabels = ILabelingBounties(bounties).recordExport(taskId, msg.sender);
        new LabelingRoyaltySink{salt: bytes32(taskId)}(bounties, market, taskId, acceptedLabels);
        // The input is bound to (this contract, msg.sender): nobody else can list another requester's key.
        euint256 key = FHE.fromExternal(encryptedKey, inputProof);
        FHE.allowTransient(key, market);
        datasetId = IDataMarket(market).listFor(msg.sender, params, key);
        _datasets[taskId] = datasetId;
        emit TaskExported(taskId, datasetId, msg.sender, sink);
    }

    /// @inheritdoc ILabelingBountiesExporter
    function royaltySinkOf(uint256 taskId) public view returns (address) {
        // The accepted-label count is final once every item is finalised, which exporting requires.
        uint256 acceptedLabels = ILabelingBounties(bounties).getTask(taskId).acceptedLabels;
        bytes memory initCode = bytes.concat(
            type(LabelingRoyaltySink).creationCode,
            abi.encode(bounties, market, taskId, acceptedLabels)
        );
        return Create2.computeAddress(bytes32(taskId), keccak256(initCode));
    }

    /// @inheritdoc ILabelingBountiesExporter
    function datasetOf(uint256 taskId) external view returns (uint256) {
        return _datasets[taskId];
    }
}
