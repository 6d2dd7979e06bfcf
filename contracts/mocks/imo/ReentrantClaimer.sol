// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IModelToken} from "../../imo/interfaces/IModelToken.sol";

/// @notice A holder whose ETH receipt re-enters `claim` (or, when told, deposits the ETH back as revenue).
contract ReentrantClaimer {
    IModelToken public immutable token;
    bool public depositBack;

    error ReentrantClaimerDepositFailed();

    constructor(IModelToken token_) {
        token = token_;
    }

    function setDepositBack(bool depositBack_) external {
        depositBack = depositBack_;
    }

    function claim() external {
        token.claim(address(0));
    }

    receive() external payable {
        if (depositBack) {
            (bool ok, ) = address(token).call{value: msg.value}("");
            if (!ok) revert ReentrantClaimerDepositFailed();
        } else {
            token.claim(address(0));
        }
    }
}
