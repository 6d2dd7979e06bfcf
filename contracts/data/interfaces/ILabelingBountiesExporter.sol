// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {externalEuint256} from "encrypted-types/EncryptedTypes.sol";
import {IDataMarket} from "./IDataMarket.sol";

/// @title ILabelingBountiesExporter
/// @notice Lists a finished LabelingBounties task on the DataMarket in one call. The requester becomes the seller;
/// the task's LabelingRoyaltySink (deployed here with CREATE2, salt = taskId) is the labellers' contributor and splits
/// what it collects by the task's accepted labels. The dataset key arrives as an fhevm encrypted input created for
/// (this contract, the requester): it is verified here and handed to the DataMarket, which grants it to paid buyers.
/// Kept apart from LabelingBounties so that contract stays under the EIP-170 size limit; it needs the DataMarket's
/// LISTER_ROLE and must be LabelingBounties' `exporter`.
interface ILabelingBountiesExporter {
    /// @notice A task was listed as dataset `datasetId` with `sink` as its labellers' royalty contributor.
    event TaskExported(uint256 indexed taskId, uint256 indexed datasetId, address indexed requester, address sink);

    /// @notice The listing's last contributor must be the task's royalty sink (`royaltySinkOf(taskId)`).
    error LabelingBountiesExporterSinkNotLastContributor(uint256 taskId, address sink);
    /// @notice Exported datasets must be priced in ETH: royalties are accounted in ETH.
    error LabelingBountiesExporterUnsupportedPaymentAsset(address asset);

    /// @notice Lists the caller's finished task `taskId` on the DataMarket.
    /// @param taskId The task: the caller is its requester, every item is finalised, at least one label accepted.
    /// @param params The listing: `paymentAsset` must be ETH (`address(0)`) and the last contributor must be
    /// `royaltySinkOf(taskId)`, whose bps is the labellers' share of every sale.
    /// @param encryptedKey The dataset's decryption key, encrypted for (this contract, the caller).
    /// @param inputProof The proof of `encryptedKey`.
    /// @return datasetId The DataMarket dataset id.
    function exportToMarket(
        uint256 taskId,
        IDataMarket.ListingParams calldata params,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) external returns (uint256 datasetId);

    /// @notice The address the royalty sink of `taskId` has once exported (computed from the task's accepted-label
    /// count, final once every item is finalised).
    function royaltySinkOf(uint256 taskId) external view returns (address);

    /// @notice The DataMarket dataset id of an exported task (0 if not exported through this exporter).
    function datasetOf(uint256 taskId) external view returns (uint256);

    /// @notice The LabelingBounties whose tasks this exporter lists.
    function bounties() external view returns (address);

    /// @notice The DataMarket this exporter lists on.
    function market() external view returns (address);
}
