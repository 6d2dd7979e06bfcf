// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {FHE} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {euint256, externalEuint256} from "encrypted-types/EncryptedTypes.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";
import {ICollectionCampaigns} from "./interfaces/ICollectionCampaigns.sol";
import {LabelingRoyaltySink} from "./LabelingRoyaltySink.sol";

/// @title CollectionCampaigns
/// @notice Funded data-collection campaigns: signed submissions, validator review, pull pay, and a DataMarket listing
/// whose contributors' royalty is split by accepted items.
/// @dev A plain contract (like LabelingBountiesExporter); it needs the DataMarket's LISTER_ROLE to list.
contract CollectionCampaigns is ICollectionCampaigns, EIP712, ZamaEthereumConfig, ReentrancyGuardTransient {
    /// @notice Most validators per campaign.
    uint256 public constant MAX_VALIDATORS = 16;
    /// @notice After the deadline, how long validators have to review pending items before anyone may close.
    uint256 public constant REVIEW_PERIOD_SECONDS = 7 days;
    /// @notice EIP-712 type hash of a submission.
    bytes32 public constant SUBMISSION_TYPEHASH = keccak256(
        "Submission(uint256 campaignId,bytes32 contentHash,address contributor)"
    );

    /// @notice The DataMarket listing collected datasets.
    IDataMarket public immutable market;

    uint256 private _campaignCount;
    mapping(uint256 campaignId => Campaign) private _campaigns;
    mapping(uint256 campaignId => mapping(uint256 itemId => Item)) private _items;
    mapping(uint256 campaignId => mapping(address account => bool)) private _validators;
    mapping(uint256 campaignId => mapping(address contributor => uint256)) private _accepted;
    mapping(uint256 campaignId => uint256 datasetId) private _datasets;
    mapping(bytes32 contentHash => uint256 packed) private _contentRefs;
    mapping(address account => uint256 amountWei) private _credits;

    /// @param market_ The DataMarket proxy.
    constructor(IDataMarket market_) EIP712("Axon CollectionCampaigns", "1") {
        market = market_;
    }

    /// @inheritdoc ICollectionCampaigns
    function createCampaign(
        bytes32 schemaHash,
        uint96 payPerItemWei,
        uint32 maxItems,
        uint64 deadline,
        address[] calldata validators
    ) external payable returns (uint256 campaignId) {
        if (payPerItemWei == 0 || maxItems == 0 || schemaHash == bytes32(0)) {
            revert CollectionCampaignsInvalidTerms(payPerItemWei, maxItems, schemaHash);
        }
        if (deadline <= block.timestamp) revert CollectionCampaignsDeadlineInPast(deadline, block.timestamp);
        uint256 count = validators.length;
        if (count == 0 || count > MAX_VALIDATORS) {
            revert CollectionCampaignsInvalidValidatorCount(count, MAX_VALIDATORS);
        }
        uint256 escrowWei = uint256(payPerItemWei) * maxItems;
        if (msg.value != escrowWei) revert CollectionCampaignsWrongFunding(escrowWei, msg.value);
        campaignId = ++_campaignCount;
        for (uint256 i; i < count; ++i) {
            if (validators[i] == address(0)) revert CollectionCampaignsZeroValidator(i);
            _validators[campaignId][validators[i]] = true;
        }
        _campaigns[campaignId] = Campaign({
            funder: msg.sender,
            deadline: deadline,
            closed: false,
            payPerItemWei: payPerItemWei,
            maxItems: maxItems,
            submitted: 0,
            pending: 0,
            accepted: 0,
            schemaHash: schemaHash
        });
        emit CampaignCreated(campaignId, msg.sender, schemaHash, payPerItemWei, maxItems, deadline, validators);
    }

    /// @inheritdoc ICollectionCampaigns
    function submit(
        uint256 campaignId,
        bytes32 contentHash,
        address contributor,
        bytes calldata signature
    ) external returns (uint256 itemId) {
        Campaign storage c = _existing(campaignId);
        if (c.closed || block.timestamp > c.deadline)
            revert CollectionCampaignsSubmissionsClosed(campaignId, c.deadline);
        if (uint256(c.accepted) + c.pending >= c.maxItems)
            revert CollectionCampaignsCampaignFull(campaignId, c.maxItems);
        if (contentHash == bytes32(0) || contributor == address(0)) {
            revert CollectionCampaignsInvalidItem(contentHash, contributor);
        }
        uint256 ref = _contentRefs[contentHash];
        if (ref != 0) revert CollectionCampaignsDuplicateItem(contentHash, ref >> 128, uint128(ref));
        if (
            !SignatureChecker.isValidSignatureNow(
                contributor,
                submissionDigest(campaignId, contentHash, contributor),
                signature
            )
        ) revert CollectionCampaignsInvalidSignature(contributor);

        // submitted < maxItems + rejected items: bounded by the number of submissions, far below 2^32 in practice;
        // the checked increment reverts rather than wrap.
        itemId = ++c.submitted;
        ++c.pending;
        // campaignId and itemId each fit in 128 bits for any realistic lifetime (itemId is a uint32).
        _contentRefs[contentHash] = (campaignId << 128) | itemId;
        _items[campaignId][itemId] = Item({
            contributor: contributor,
            status: ItemStatus.Pending,
            contentHash: contentHash
        });
        emit ItemSubmitted(campaignId, itemId, contributor, contentHash, msg.sender);
    }

    /// @inheritdoc ICollectionCampaigns
    function review(uint256 campaignId, uint256 itemId, bool accept) external {
        Campaign storage c = _existing(campaignId);
        if (!_validators[campaignId][msg.sender]) revert CollectionCampaignsNotValidator(campaignId, msg.sender);
        if (c.closed) revert CollectionCampaignsClosed(campaignId);
        Item storage item = _items[campaignId][itemId];
        if (item.status != ItemStatus.Pending) {
            revert CollectionCampaignsItemNotPending(campaignId, itemId, item.status);
        }
        --c.pending;
        uint256 payWei;
        if (accept) {
            item.status = ItemStatus.Accepted;
            ++c.accepted;
            payWei = c.payPerItemWei;
            address contributor = item.contributor;
            ++_accepted[campaignId][contributor];
            _credits[contributor] += payWei;
        } else {
            item.status = ItemStatus.Rejected;
        }
        emit ItemReviewed(campaignId, itemId, msg.sender, accept, payWei);
    }

    /// @inheritdoc ICollectionCampaigns
    function close(uint256 campaignId) external {
        Campaign storage c = _existing(campaignId);
        if (c.closed) revert CollectionCampaignsClosed(campaignId);
        uint256 closableAt = c.pending == 0 ? uint256(c.deadline) + 1 : uint256(c.deadline) + REVIEW_PERIOD_SECONDS;
        if (block.timestamp < closableAt) revert CollectionCampaignsCloseTooEarly(campaignId, closableAt);
        c.closed = true;
        // accepted <= maxItems (submit keeps accepted + pending below the cap).
        uint256 refundWei = uint256(c.maxItems - c.accepted) * c.payPerItemWei;
        if (refundWei != 0) _credits[c.funder] += refundWei;
        emit CampaignClosed(campaignId, refundWei);
    }

    /// @inheritdoc ICollectionCampaigns
    function listDataset(
        uint256 campaignId,
        IDataMarket.ListingParams calldata params,
        externalEuint256 encryptedKey,
        bytes calldata inputProof
    ) external nonReentrant returns (uint256 datasetId) {
        Campaign storage c = _existing(campaignId);
        if (c.funder != msg.sender) revert CollectionCampaignsNotFunder(campaignId, msg.sender);
        uint32 accepted = c.accepted;
        if (!c.closed || accepted == 0 || _datasets[campaignId] != 0) {
            revert CollectionCampaignsNotListable(campaignId, c.closed, accepted, _datasets[campaignId]);
        }
        if (params.paymentAsset != address(0)) revert CollectionCampaignsUnsupportedPaymentAsset(params.paymentAsset);
        address sink = royaltySinkOf(campaignId);
        uint256 n = params.contributors.length;
        if (n == 0 || params.contributors[n - 1] != sink) {
            revert CollectionCampaignsSinkNotLastContributor(campaignId, sink);
        }
        new LabelingRoyaltySink{salt: bytes32(campaignId)}(address(this), address(market), campaignId, accepted);
        // The input is bound to (this contract, msg.sender): nobody else can list another funder's key.
        euint256 key = FHE.fromExternal(encryptedKey, inputProof);
        FHE.allowTransient(key, address(market));
        datasetId = market.listFor(msg.sender, params, key);
        _datasets[campaignId] = datasetId;
        emit CampaignListed(campaignId, datasetId, sink);
    }

    /// @inheritdoc ICollectionCampaigns
    function withdraw() external nonReentrant {
        uint256 amountWei = _credits[msg.sender];
        if (amountWei == 0) revert CollectionCampaignsNothingToWithdraw(msg.sender);
        _credits[msg.sender] = 0;
        emit CreditWithdrawn(msg.sender, amountWei);
        Address.sendValue(payable(msg.sender), amountWei);
    }

    /// @inheritdoc ICollectionCampaigns
    function getCampaign(uint256 campaignId) external view returns (Campaign memory) {
        return _campaigns[campaignId];
    }

    /// @inheritdoc ICollectionCampaigns
    function getItem(uint256 campaignId, uint256 itemId) external view returns (Item memory) {
        return _items[campaignId][itemId];
    }

    /// @inheritdoc ICollectionCampaigns
    function itemOfContent(bytes32 contentHash) external view returns (uint256 campaignId, uint256 itemId) {
        uint256 ref = _contentRefs[contentHash];
        return (ref >> 128, uint128(ref));
    }

    /// @inheritdoc ICollectionCampaigns
    function isValidator(uint256 campaignId, address account) external view returns (bool) {
        return _validators[campaignId][account];
    }

    /// @inheritdoc ICollectionCampaigns
    function acceptedLabelsOf(uint256 campaignId, address contributor) external view returns (uint256) {
        return _accepted[campaignId][contributor];
    }

    /// @inheritdoc ICollectionCampaigns
    function datasetOf(uint256 campaignId) external view returns (uint256) {
        return _datasets[campaignId];
    }

    /// @inheritdoc ICollectionCampaigns
    function royaltySinkOf(uint256 campaignId) public view returns (address) {
        bytes memory initCode = bytes.concat(
            type(LabelingRoyaltySink).creationCode,
            abi.encode(address(this), address(market), campaignId, uint256(_campaigns[campaignId].accepted))
        );
        return Create2.computeAddress(bytes32(campaignId), keccak256(initCode));
    }

    /// @inheritdoc ICollectionCampaigns
    function creditOf(address account) external view returns (uint256) {
        return _credits[account];
    }

    /// @inheritdoc ICollectionCampaigns
    function submissionDigest(
        uint256 campaignId,
        bytes32 contentHash,
        address contributor
    ) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(SUBMISSION_TYPEHASH, campaignId, contentHash, contributor)));
    }

    /// @inheritdoc ICollectionCampaigns
    function campaignCount() external view returns (uint256) {
        return _campaignCount;
    }

    function _existing(uint256 campaignId) private view returns (Campaign storage c) {
        c = _campaigns[campaignId];
        if (c.funder == address(0)) revert CollectionCampaignsUnknownCampaign(campaignId);
    }
}
