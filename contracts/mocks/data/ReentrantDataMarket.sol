// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {euint256} from "encrypted-types/EncryptedTypes.sol";
import {IDataMarket} from "../../data/interfaces/IDataMarket.sol";

/// @notice A hostile DataMarket for the export and royalty paths: `listFor` and `withdraw` call back into
/// `reentryTarget` with `reentryData` once armed, and record the outcome so a test can prove the re-entry was refused.
/// `withdraw` then pays the caller the ETH funded with `fundCredit`.
contract ReentrantDataMarket {
    address public reentryTarget;
    bytes public reentryData;
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryRevertData;
    mapping(address account => uint256) private _credits;

    error ReentrantDataMarketPayFailed();

    function setReentry(address target_, bytes calldata data_) external {
        reentryTarget = target_;
        reentryData = data_;
        reentered = false;
    }

    function fundCredit(address account) external payable {
        _credits[account] += msg.value;
    }

    function creditOf(address account, address) external view returns (uint256) {
        return _credits[account];
    }

    function withdraw(address) external {
        _reenter();
        uint256 amount = _credits[msg.sender];
        _credits[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert ReentrantDataMarketPayFailed();
    }

    function listFor(address, IDataMarket.ListingParams calldata, euint256) external returns (uint256) {
        _reenter();
        return 1;
    }

    function _reenter() private {
        if (reentryTarget == address(0) || reentered) return;
        reentered = true;
        bytes memory reason;
        (reentrySucceeded, reason) = reentryTarget.call(reentryData);
        reentryRevertData = reason;
    }
}
