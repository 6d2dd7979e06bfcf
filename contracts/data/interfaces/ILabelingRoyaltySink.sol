// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ILabelingRoyaltySink
/// @notice The DataMarket royalty contributor of one exported labelling task, and the splitter of what it collects.
/// DataMarket pools an account's credits across datasets, so each exported task gets its own sink. `collect` pulls
/// the sink's ETH credit from the DataMarket (and counts any other ETH that arrived) into an accumulator of royalty
/// per accepted label; each labeller then withdraws accepted labels (LabelingBounties' `acceptedLabelsOf`) times the
/// accumulator, less what it already withdrew. Every call is O(1). Labels accepted by a later LabelingBounties
/// `claim` earn the whole history. Invariant: balance >= receivedWei - paidWei (the difference is rounding dust and
/// unclaimed shares).
interface ILabelingRoyaltySink {
    /// @notice `amountWei` new royalties were counted; `royaltyPerLabel` (scaled by 1e18) is the new accumulator.
    event RoyaltiesCollected(uint256 amountWei, uint256 royaltyPerLabel);
    /// @notice A labeller withdrew its royalty share.
    event RoyaltyWithdrawn(address indexed labeller, uint256 amountWei);

    /// @notice Nothing new arrived since the last collection.
    error LabelingRoyaltySinkNothingToCollect();
    /// @notice The labeller has no unpaid royalty share.
    error LabelingRoyaltySinkNothingOwed(address labeller);

    /// @notice Withdraws the sink's ETH credit from the DataMarket (if any) and adds every wei not yet counted to the
    /// accumulator. Callable by anyone.
    function collect() external;

    /// @notice Pays the caller its royalty share.
    function withdraw() external;

    /// @notice What `labeller` could withdraw now.
    function owedTo(address labeller) external view returns (uint256);

    /// @notice The LabelingBounties contract whose task this sink serves.
    function bounties() external view returns (address);

    /// @notice The DataMarket crediting this sink.
    function market() external view returns (address);

    /// @notice The task this sink serves.
    function taskId() external view returns (uint256);

    /// @notice The task's accepted labels, the split's denominator (final at export).
    function acceptedLabels() external view returns (uint256);

    /// @notice Royalty per accepted label received so far, scaled by 1e18.
    function royaltyPerLabel() external view returns (uint256);

    /// @notice Royalties counted so far.
    function receivedWei() external view returns (uint256);

    /// @notice Royalties paid to labellers so far.
    function paidWei() external view returns (uint256);

    /// @notice What `labeller` was paid so far.
    function paidTo(address labeller) external view returns (uint256);
}
