// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Behaves until `setBlocked(true)`, then reverts every transfer (a blocklist or a paused token).
contract RevertingTransferToken is ERC20 {
    bool public blocked;

    error RevertingTransferTokenBlocked();

    constructor() ERC20("Reverting Transfer Token", "RVT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(bool blocked_) external {
        blocked = blocked_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked) revert RevertingTransferTokenBlocked();
        super._update(from, to, value);
    }
}
