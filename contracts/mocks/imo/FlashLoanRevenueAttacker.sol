// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IModelToken} from "../../imo/interfaces/IModelToken.sol";
import {IModelTokenBorrower, ModelTokenFlashLender} from "./ModelTokenFlashLender.sol";
import {PendingRevenueSource} from "./PendingRevenueSource.sol";

/// @notice Borrows half the supply, pushes pending revenue in, tries to claim it, and repays: all in one transaction.
contract FlashLoanRevenueAttacker is IModelTokenBorrower {
    ModelTokenFlashLender public immutable lender;
    PendingRevenueSource public immutable source;
    /// @notice ETH this contract received by claiming during the loan.
    uint256 public gainedWei;

    constructor(ModelTokenFlashLender lender_, PendingRevenueSource source_) {
        lender = lender_;
        source = source_;
    }

    receive() external payable {}

    function attack(IERC20 token, uint256 amount) external {
        lender.flashLoan(token, amount, this);
    }

    function onModelTokenLoan(IERC20 token, uint256 amount) external {
        source.push(address(token));
        uint256 before = address(this).balance;
        try IModelToken(address(token)).claim(address(0)) {} catch {}
        gainedWei += address(this).balance - before;
        token.transfer(address(lender), amount);
    }
}
