// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";
import {ILabelingBounties} from "./interfaces/ILabelingBounties.sol";
import {ILabelingRoyaltySink} from "./interfaces/ILabelingRoyaltySink.sol";

/// @title LabelingRoyaltySink
/// @notice Collects one exported task's DataMarket royalties and splits them by accepted labels.
/// @dev Deployed once per task by the LabelingBountiesExporter; immutable and ownerless.
contract LabelingRoyaltySink is ILabelingRoyaltySink, ReentrancyGuardTransient {
    uint256 private constant PRECISION = 1e18;

    /// @inheritdoc ILabelingRoyaltySink
    address public immutable bounties;
    /// @inheritdoc ILabelingRoyaltySink
    address public immutable market;
    /// @inheritdoc ILabelingRoyaltySink
    uint256 public immutable taskId;
    /// @inheritdoc ILabelingRoyaltySink
    uint256 public immutable acceptedLabels;

    /// @inheritdoc ILabelingRoyaltySink
    uint256 public royaltyPerLabel;
    /// @inheritdoc ILabelingRoyaltySink
    uint256 public receivedWei;
    /// @inheritdoc ILabelingRoyaltySink
    uint256 public paidWei;
    /// @inheritdoc ILabelingRoyaltySink
    mapping(address labeller => uint256) public paidTo;

    /// @param bounties_ The LabelingBounties holding the task.
    /// @param market_ The DataMarket crediting this sink.
    /// @param taskId_ The task.
    /// @param acceptedLabels_ The task's accepted labels (non-zero, final at export).
    constructor(address bounties_, address market_, uint256 taskId_, uint256 acceptedLabels_) {
        bounties = bounties_;
        market = market_;
        taskId = taskId_;
        acceptedLabels = acceptedLabels_;
    }

    /// @notice Accepts the DataMarket's payouts; any other ETH is shared the same way at the next `collect`.
    receive() external payable {}

    /// @inheritdoc ILabelingRoyaltySink
    function collect() external nonReentrant {
        if (IDataMarket(market).creditOf(address(this), address(0)) != 0) IDataMarket(market).withdraw(address(0));
        uint256 newWei = address(this).balance + paidWei - receivedWei;
        if (newWei == 0) revert LabelingRoyaltySinkNothingToCollect();
        receivedWei += newWei;
        uint256 acc = royaltyPerLabel + Math.mulDiv(newWei, PRECISION, acceptedLabels);
        royaltyPerLabel = acc;
        emit RoyaltiesCollected(newWei, acc);
    }

    /// @inheritdoc ILabelingRoyaltySink
    function withdraw() external nonReentrant {
        uint256 owedWei = owedTo(msg.sender);
        if (owedWei == 0) revert LabelingRoyaltySinkNothingOwed(msg.sender);
        paidTo[msg.sender] += owedWei;
        paidWei += owedWei;
        emit RoyaltyWithdrawn(msg.sender, owedWei);
        Address.sendValue(payable(msg.sender), owedWei);
    }

    /// @inheritdoc ILabelingRoyaltySink
    function owedTo(address labeller) public view returns (uint256) {
        // Accepted counts and the accumulator only grow, and the counts sum to at most acceptedLabels, so the
        // shares owed never exceed what was received (each rounded down).
        uint256 accepted = ILabelingBounties(bounties).acceptedLabelsOf(taskId, labeller);
        return Math.mulDiv(accepted, royaltyPerLabel, PRECISION) - paidTo[labeller];
    }
}
