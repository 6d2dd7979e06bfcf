// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Transfers revert with `RevertingTokenTransferBlocked` while `blocked` is set (it is at deployment).
contract RevertingToken is ERC20 {
    bool public blocked = true;

    error RevertingTokenTransferBlocked(address from, address to, uint256 value);

    constructor() ERC20("Reverting", "REVERT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(bool blocked_) external {
        blocked = blocked_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked && from != address(0)) revert RevertingTokenTransferBlocked(from, to, value);
        super._update(from, to, value);
    }
}
