// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VmBase} from "./Vm.sol";

/// @title StdInvariant
/// @notice The part of forge-std's `StdInvariant` that forge's invariant runner reads: forge calls the public getters
/// (`targetContracts()`, `targetSelectors()`, `targetSenders()`, `excludeContracts()`, `excludeSenders()`) on the test
/// contract after `setUp()` to decide which calls to fuzz. Suites inherit this and call the internal setters in setUp.
/// Usage (see OperatorStaking.t.sol): deploy the system and a handler in `setUp()`, then
/// `targetContract(address(handler))` and optionally `targetSelector(FuzzSelector({addr: ..., selectors: ...}))`;
/// write `function invariant_x() public view` checks with `vm.assertEq(...)` (a failed check reverts, which forge
/// reports). An invariant whose handler never reverts on purpose can set fail-on-revert through a forge-config inline
/// comment (as OperatorStaking.t.sol does). Run: `node scripts/forge.mjs test --match-contract <Name>`.
abstract contract StdInvariant is VmBase {
    /// @notice A contract and the selectors of it to fuzz (same layout as forge-std's FuzzSelector).
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targetedContracts;
    address[] private _targetedSenders;
    address[] private _excludedContracts;
    address[] private _excludedSenders;
    FuzzSelector[] private _targetedSelectors;

    /// @notice Forge reads this to mark the contract as a test (forge-std's DSTest has it too).
    bool public IS_TEST = true;

    function targetContract(address newTargetedContract) internal {
        _targetedContracts.push(newTargetedContract);
    }

    function targetSelector(FuzzSelector memory newTargetedSelector) internal {
        _targetedSelectors.push(newTargetedSelector);
    }

    function targetSender(address newTargetedSender) internal {
        _targetedSenders.push(newTargetedSender);
    }

    function excludeContract(address newExcludedContract) internal {
        _excludedContracts.push(newExcludedContract);
    }

    function excludeSender(address newExcludedSender) internal {
        _excludedSenders.push(newExcludedSender);
    }

    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    function targetSenders() public view returns (address[] memory) {
        return _targetedSenders;
    }

    function excludeContracts() public view returns (address[] memory) {
        return _excludedContracts;
    }

    function excludeSenders() public view returns (address[] memory) {
        return _excludedSenders;
    }
}
