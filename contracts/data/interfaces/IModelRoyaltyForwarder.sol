// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IModelRoyaltyForwarder
/// @notice The DataMarket royalty contributor of one model's synthetic datasets. DataMarket pays contributors by pull
/// credit, which a ModelToken cannot withdraw itself; the forwarder withdraws its ETH credit and sends everything it
/// holds to the model's current revenue receiver (ModelRegistry) as plain ETH, which a ModelToken's `receive()`
/// accounts as holder revenue. One forwarder per model (a clone deployed by SyntheticProvenance); ownerless.
interface IModelRoyaltyForwarder {
    /// @notice `amountWei` was sent to the model's revenue receiver `receiver`.
    event RoyaltyForwarded(uint256 indexed modelId, address indexed receiver, uint256 amountWei);

    /// @notice Neither a DataMarket credit nor a balance is there to forward.
    error ModelRoyaltyForwarderNothingToForward(uint256 modelId);

    /// @notice Withdraws the forwarder's ETH credit from the DataMarket (if any) and sends its whole balance to the
    /// model's revenue receiver. Callable by anyone; if the receiver refuses ETH the call reverts and nothing moves.
    /// @return amountWei What was forwarded.
    function forward() external returns (uint256 amountWei);

    /// @notice The model whose revenue receiver is paid.
    function modelId() external view returns (uint256);

    /// @notice The ModelRegistry naming the revenue receiver.
    function registry() external view returns (address);

    /// @notice The DataMarket crediting this forwarder.
    function market() external view returns (address);

    /// @notice What `forward` would send now (DataMarket credit plus balance).
    function pendingWei() external view returns (uint256);
}
