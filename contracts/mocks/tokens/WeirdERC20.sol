// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice One ERC-20 with every misbehaviour a payment path must survive, switchable at run time: standard, fee on
/// transfer (1% burnt), no return value, `false` return, reverting transfers, and a call-back into `hookTarget`
/// during transfers (re-entrancy).
contract WeirdERC20 is ERC20 {
    enum Mode {
        Standard,
        FeeOnTransfer,
        NoReturnValue,
        FalseReturn,
        RevertOnTransfer,
        ReenterOnTransfer
    }

    uint256 public constant FEE_BPS = 100;

    Mode public mode;
    address public hookTarget;
    bytes public hookData;

    error WeirdERC20TransferBlocked();

    constructor() ERC20("Weird ERC20", "WEIRD") {}

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function setHook(address target, bytes calldata data) external {
        hookTarget = target;
        hookData = data;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        return _weirdTransfer(msg.sender, to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _spendAllowance(from, msg.sender, value);
        return _weirdTransfer(from, to, value);
    }

    function _weirdTransfer(address from, address to, uint256 value) private returns (bool) {
        Mode m = mode;
        if (m == Mode.RevertOnTransfer) revert WeirdERC20TransferBlocked();
        if (m == Mode.FalseReturn) return false;
        if (m == Mode.ReenterOnTransfer) {
            (bool ok, bytes memory ret) = hookTarget.call(hookData);
            if (!ok) {
                assembly {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
        if (m == Mode.FeeOnTransfer) {
            uint256 fee = (value * FEE_BPS) / 10_000;
            _burn(from, fee);
            value -= fee;
        }
        _transfer(from, to, value);
        if (m == Mode.NoReturnValue) {
            assembly {
                return(0, 0)
            }
        }
        return true;
    }
}
