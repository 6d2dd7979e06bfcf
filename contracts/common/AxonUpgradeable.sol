// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
// solhint-disable-next-line max-line-length
import {AccessControlDefaultAdminRulesUpgradeable} from "@openzeppelin/contracts-upgradeable/access/extensions/AccessControlDefaultAdminRulesUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title AxonUpgradeable
/// @notice Shared base of every Axon core contract: UUPS upgrades, role-based access whose default admin can only
/// change hands after a delay (AccessControlDefaultAdminRules), pausing, and a transient-storage re-entrancy guard.
/// @dev Each concrete contract keeps its own state in an ERC-7201 namespaced struct; this base adds no storage of its
/// own outside OpenZeppelin's namespaces, so inheriting it never shifts a layout.
abstract contract AxonUpgradeable is
    Initializable,
    UUPSUpgradeable,
    AccessControlDefaultAdminRulesUpgradeable,
    PausableUpgradeable,
    ReentrancyGuardTransient
{
    /// @notice May pause and unpause the contract.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice May upgrade the implementation behind the proxy.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Stops every state-changing entry point guarded by `whenNotPaused`.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resumes the entry points stopped by `pause`.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @param admin Holder of DEFAULT_ADMIN_ROLE, PAUSER_ROLE and UPGRADER_ROLE at deployment.
    /// @param adminDelaySeconds Delay before a default-admin transfer can be accepted.
    // solhint-disable-next-line func-name-mixedcase
    function __AxonUpgradeable_init(address admin, uint48 adminDelaySeconds) internal onlyInitializing {
        __AccessControlDefaultAdminRules_init(adminDelaySeconds, admin);
        __Pausable_init();
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
    }

    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}
}
