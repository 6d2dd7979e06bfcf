// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {externalEuint256} from "encrypted-types/EncryptedTypes.sol";
import {IDataMarket} from "./IDataMarket.sol";

/// @title ICollectionCampaigns
/// @notice Paid data collection. A funder escrows `payPerItemWei * maxItems` for a campaign (a schema hash, a
/// submission deadline, a validator set); contributors submit items (a content hash signed EIP-712 by the
/// contributor, so a relayer may submit for them); a content hash is accepted once across all campaigns and
/// contributors. Any named validator accepts or rejects a pending item; an accepted item credits its contributor the
/// per-item pay (pull, `withdraw`). After the deadline (and once no item is pending, or the review period is over)
/// anyone closes the campaign, crediting the unused escrow back to the funder. The funder may then list the collected
/// dataset on the DataMarket with a royalty sink (a LabelingRoyaltySink reading `acceptedLabelsOf`) that splits the
/// contributors' royalty in proportion to accepted items. Invariant: balance == Σ credits + Σ open escrows.
interface ICollectionCampaigns {
    /// @notice A campaign as stored.
    struct Campaign {
        address funder;
        uint64 deadline;
        bool closed;
        uint96 payPerItemWei;
        uint32 maxItems;
        uint32 submitted;
        uint32 pending;
        uint32 accepted;
        bytes32 schemaHash;
    }

    /// @notice An item's review state.
    enum ItemStatus {
        None,
        Pending,
        Accepted,
        Rejected
    }

    /// @notice A submitted item (`itemId` from 1 within its campaign).
    struct Item {
        address contributor;
        ItemStatus status;
        bytes32 contentHash;
    }

    /// @notice Campaign `campaignId` was created and funded with `payPerItemWei * maxItems`.
    event CampaignCreated(
        uint256 indexed campaignId,
        address indexed funder,
        bytes32 schemaHash,
        uint96 payPerItemWei,
        uint32 maxItems,
        uint64 deadline,
        address[] validators
    );
    /// @notice `contributor`'s item `contentHash` was submitted by `submitter` (the contributor or a relayer).
    event ItemSubmitted(
        uint256 indexed campaignId,
        uint256 indexed itemId,
        address indexed contributor,
        bytes32 contentHash,
        address submitter
    );
    /// @notice `validator` accepted (paying `payWei` to the contributor's credit) or rejected an item.
    event ItemReviewed(
        uint256 indexed campaignId,
        uint256 indexed itemId,
        address indexed validator,
        bool accepted,
        uint256 payWei
    );
    /// @notice The campaign was closed; `refundWei` of unused escrow was credited to the funder.
    event CampaignClosed(uint256 indexed campaignId, uint256 refundWei);
    /// @notice The collected dataset was listed on the DataMarket with `sink` as the contributors' royalty receiver.
    event CampaignListed(uint256 indexed campaignId, uint256 indexed datasetId, address sink);
    /// @notice A pull credit was paid out.
    event CreditWithdrawn(address indexed account, uint256 amountWei);

    /// @notice Pay per item, item cap or schema hash is zero.
    error CollectionCampaignsInvalidTerms(uint256 payPerItemWei, uint256 maxItems, bytes32 schemaHash);
    /// @notice The deadline is not in the future.
    error CollectionCampaignsDeadlineInPast(uint256 deadline, uint256 nowSeconds);
    /// @notice The validator set is empty or larger than `MAX_VALIDATORS`.
    error CollectionCampaignsInvalidValidatorCount(uint256 count, uint256 maxCount);
    /// @notice A validator is the zero address.
    error CollectionCampaignsZeroValidator(uint256 index);
    /// @notice The ETH sent is not `payPerItemWei * maxItems`.
    error CollectionCampaignsWrongFunding(uint256 expectedWei, uint256 sentWei);
    /// @notice No campaign has this id.
    error CollectionCampaignsUnknownCampaign(uint256 campaignId);
    /// @notice Submissions ended at `deadline` (or the campaign is closed).
    error CollectionCampaignsSubmissionsClosed(uint256 campaignId, uint64 deadline);
    /// @notice Accepted plus pending items already reach the cap (the escrow covers no more).
    error CollectionCampaignsCampaignFull(uint256 campaignId, uint32 maxItems);
    /// @notice The content hash is zero or the contributor is the zero address.
    error CollectionCampaignsInvalidItem(bytes32 contentHash, address contributor);
    /// @notice This content was already submitted (to campaign `campaignId` as item `itemId`).
    error CollectionCampaignsDuplicateItem(bytes32 contentHash, uint256 campaignId, uint256 itemId);
    /// @notice The signature is not the contributor's over this submission.
    error CollectionCampaignsInvalidSignature(address contributor);
    /// @notice The caller is not one of the campaign's validators.
    error CollectionCampaignsNotValidator(uint256 campaignId, address caller);
    /// @notice The item is not pending review.
    error CollectionCampaignsItemNotPending(uint256 campaignId, uint256 itemId, ItemStatus status);
    /// @notice The campaign is closed.
    error CollectionCampaignsClosed(uint256 campaignId);
    /// @notice The campaign cannot be closed before `closableAt`.
    error CollectionCampaignsCloseTooEarly(uint256 campaignId, uint256 closableAt);
    /// @notice Only the funder may do this.
    error CollectionCampaignsNotFunder(uint256 campaignId, address caller);
    /// @notice The campaign must be closed with at least one accepted item, and not listed yet.
    error CollectionCampaignsNotListable(uint256 campaignId, bool closed, uint32 accepted, uint256 datasetId);
    /// @notice Only ETH-priced datasets are supported (the royalty sink splits ETH).
    error CollectionCampaignsUnsupportedPaymentAsset(address asset);
    /// @notice The last contributor of the listing must be the campaign's royalty sink.
    error CollectionCampaignsSinkNotLastContributor(uint256 campaignId, address sink);
    /// @notice Nothing is credited to the account.
    error CollectionCampaignsNothingToWithdraw(address account);

    /// @notice Creates and funds a campaign (`msg.value == payPerItemWei * maxItems`); the caller is its funder.
    /// @param schemaHash Hash of the item schema contributors must follow; non-zero.
    /// @param payPerItemWei Pay credited per accepted item; non-zero.
    /// @param maxItems Most items that can be accepted; non-zero.
    /// @param deadline Last second at which items may be submitted.
    /// @param validators Accounts that may review items (1 to `MAX_VALIDATORS`, non-zero).
    /// @return campaignId The new campaign's id (sequential from 1).
    function createCampaign(
        bytes32 schemaHash,
        uint96 payPerItemWei,
        uint32 maxItems,
        uint64 deadline,
        address[] calldata validators
    ) external payable returns (uint256 campaignId);

    /// @notice Submits `contributor`'s item; anyone may relay it. Refused after the deadline, when the cap is
    /// reached by accepted plus pending items, and for a content hash submitted before (in any campaign).
    /// @param campaignId The campaign.
    /// @param contentHash Hash of the item's content; non-zero.
    /// @param contributor Who is paid if it is accepted.
    /// @param signature The contributor's EIP-712 signature of `Submission(campaignId, contentHash, contributor)`
    /// (ERC-1271 for contract accounts).
    /// @return itemId The item's id in the campaign (sequential from 1).
    function submit(
        uint256 campaignId,
        bytes32 contentHash,
        address contributor,
        bytes calldata signature
    ) external returns (uint256 itemId);

    /// @notice Accepts (crediting the contributor `payPerItemWei`) or rejects a pending item; a campaign validator
    /// only, until the campaign is closed.
    function review(uint256 campaignId, uint256 itemId, bool accept) external;

    /// @notice Closes the campaign and credits the unused escrow to the funder. Anyone, after the deadline once no
    /// item is pending, or after the deadline plus `REVIEW_PERIOD_SECONDS` (items still pending stay unpaid).
    function close(uint256 campaignId) external;

    /// @notice Lists the collected dataset on the DataMarket (seller: the funder), deploying the campaign's royalty
    /// sink, which must be the last contributor. Funder only, once closed with accepted items; ETH only.
    function listDataset(
        uint256 campaignId,
        IDataMarket.ListingParams calldata params,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) external returns (uint256 datasetId);

    /// @notice Pays the caller everything credited to it.
    function withdraw() external;

    /// @notice The campaign (all zero if unknown).
    function getCampaign(uint256 campaignId) external view returns (Campaign memory);

    /// @notice Item `itemId` of the campaign (all zero if unknown).
    function getItem(uint256 campaignId, uint256 itemId) external view returns (Item memory);

    /// @notice Where `contentHash` was submitted (zeros if never).
    function itemOfContent(bytes32 contentHash) external view returns (uint256 campaignId, uint256 itemId);

    /// @notice Whether `account` is a validator of the campaign.
    function isValidator(uint256 campaignId, address account) external view returns (bool);

    /// @notice Accepted items of `contributor` in the campaign (the royalty sink's share numerator).
    function acceptedLabelsOf(uint256 campaignId, address contributor) external view returns (uint256);

    /// @notice The DataMarket dataset of the campaign (0 if not listed).
    function datasetOf(uint256 campaignId) external view returns (uint256);

    /// @notice The campaign's royalty sink address (deployed at listing).
    function royaltySinkOf(uint256 campaignId) external view returns (address);

    /// @notice What `account` can withdraw.
    function creditOf(address account) external view returns (uint256);

    /// @notice The EIP-712 digest a contributor signs for a submission.
    function submissionDigest(
        uint256 campaignId,
        bytes32 contentHash,
        address contributor
    ) external view returns (bytes32);

    /// @notice Number of campaigns created so far (the last id).
    function campaignCount() external view returns (uint256);
}
