// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title RevertingTransferToken
/// @notice An ERC-20 whose transfers revert once `frozen` is switched on.
contract RevertingTransferToken is ERC20 {
    bool public frozen;

    error RevertingTransferTokenFrozen();

    constructor() ERC20("Reverting", "REV") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setFrozen(bool frozen_) external {
        frozen = frozen_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (frozen) revert RevertingTransferTokenFrozen();
        super._update(from, to, value);
    }
}
