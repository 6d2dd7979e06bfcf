// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface IModelTokenBorrower {
    function onModelTokenLoan(IERC20 token, uint256 amount) external;
}

/// @notice Lends its ModelTokens inside one transaction and insists on getting them back before it returns.
contract ModelTokenFlashLender {
    error ModelTokenFlashLenderNotRepaid(uint256 balance, uint256 expected);

    function flashLoan(IERC20 token, uint256 amount, IModelTokenBorrower borrower) external {
        uint256 before = token.balanceOf(address(this));
        token.transfer(address(borrower), amount);
        borrower.onModelTokenLoan(token, amount);
        uint256 afterLoan = token.balanceOf(address(this));
        if (afterLoan < before) revert ModelTokenFlashLenderNotRepaid(afterLoan, before);
    }
}
