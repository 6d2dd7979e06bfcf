// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title NoReturnValueToken
/// @notice A USDT-style token whose `transfer`, `transferFrom` and `approve` return nothing.
contract NoReturnValueToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    error NoReturnValueTokenInsufficient();

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    function transferFrom(address from, address to, uint256 amount) external {
        if (allowance[from][msg.sender] < amount) revert NoReturnValueTokenInsufficient();
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        if (balanceOf[from] < amount) revert NoReturnValueTokenInsufficient();
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}
