// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A well-behaved ERC-20 anyone can mint: the control case next to the weird tokens.
contract MintableTestToken is ERC20 {
    constructor() ERC20("Mintable Test Token", "MTT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
