// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {IDataMarket} from "./interfaces/IDataMarket.sol";

/// @title LabelingRoyaltySink
/// @notice The DataMarket royalty contributor of one exported labelling task. DataMarket pools an account's credits
/// across datasets, so each exported task gets its own sink: what the sink receives belongs to that task's labellers
/// and is forwarded, on request, to the LabelingBounties contract that created it.
contract LabelingRoyaltySink {
    /// @notice The LabelingBounties contract that deployed this sink and receives its funds.
    address public immutable bounties;
    /// @notice The DataMarket crediting this sink.
    IDataMarket public immutable market;

    /// @notice Only the deploying LabelingBounties may pull.
    error LabelingRoyaltySinkNotBounties(address caller);

    constructor(IDataMarket market_) {
        bounties = msg.sender;
        market = market_;
    }

    /// @notice Accepts the DataMarket's ETH payouts (and any other ETH, which is forwarded the same way).
    receive() external payable {}

    /// @notice Withdraws this sink's ETH credit from the DataMarket and forwards its whole balance to `bounties`.
    /// @return amountWei The ETH forwarded.
    function pull() external returns (uint256 amountWei) {
        if (msg.sender != bounties) revert LabelingRoyaltySinkNotBounties(msg.sender);
        if (market.creditOf(address(this), address(0)) != 0) market.withdraw(address(0));
        amountWei = address(this).balance;
        if (amountWei != 0) Address.sendValue(payable(bounties), amountWei);
    }
}
