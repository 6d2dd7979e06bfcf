// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {OperatorStaking} from "../../contracts/staking/OperatorStaking.sol";
import {Treasury} from "../../contracts/common/Treasury.sol";
import {EdgeNodeRegistry} from "../../contracts/depin/EdgeNodeRegistry.sol";
import {IEdgeNodeRegistry} from "../../contracts/depin/interfaces/IEdgeNodeRegistry.sol";
import {ServedCounterMock} from "../../contracts/mocks/depin/ServedCounterMock.sol";
import {StdInvariant} from "./StdInvariant.sol";
import {VmBase} from "./Vm.sol";

/// @notice Drives the edge reward pool as sponsors, the reporter and three nodes: funding, reports whose counts and
/// totals are arbitrary (totals may understate the counts), finalization, uptime and served claims, and time. Ghost
/// sums track every wei in and out.
contract EdgeNodeRegistryHandler is VmBase {
    uint256 public constant NODES = 3;
    uint32 public constant SLOTS = 6;

    EdgeNodeRegistry public immutable registry;
    ServedCounterMock public immutable served;
    address[NODES] public nodes;

    uint256 public ghostFundedWei;
    uint256 public ghostPaidWei;
    uint256 public ghostClaims;
    mapping(uint64 epoch => uint32[NODES]) private _uptimes;
    uint64[] private _posted;

    constructor(EdgeNodeRegistry registry_, ServedCounterMock served_, address[NODES] memory nodes_) {
        registry = registry_;
        served = served_;
        nodes = nodes_;
    }

    function fund(uint256 amountWei) external {
        amountWei = bound(amountWei, 1, 10 ether);
        vm.deal(address(this), amountWei);
        registry.fund{value: amountWei}(amountWei);
        ghostFundedWei += amountWei;
    }

    function report(uint32 u0, uint32 u1, uint32 u2, uint32 totalSeed) external {
        uint64 current = registry.currentEpoch();
        if (current == 0 || registry.reportOf(current - 1).status != IEdgeNodeRegistry.ReportStatus.None) {
            vm.warp(registry.epochStart(current + 1) + 1);
            current += 1;
        }
        uint64 epoch = current - 1;
        uint32[NODES] memory u = [
            uint32(bound(u0, 0, SLOTS)),
            uint32(bound(u1, 0, SLOTS)),
            uint32(bound(u2, 0, SLOTS))
        ];
        uint32 total = uint32(bound(totalSeed, 1, uint256(u[0]) + u[1] + u[2] + 3));
        _uptimes[epoch] = u;
        vm.prank(nodes[0]);
        registry.postReport(epoch, _root(epoch, u), total);
        _posted.push(epoch);
    }

    function finalize(uint256 seed) external {
        if (_posted.length == 0) return;
        uint64 epoch = _posted[bound(seed, 0, _posted.length - 1)];
        IEdgeNodeRegistry.Report memory r = registry.reportOf(epoch);
        if (r.status != IEdgeNodeRegistry.ReportStatus.Posted) return;
        uint256 closesAt = uint256(r.postedAt) + registry.config().challengeWindowSeconds;
        if (block.timestamp <= closesAt) vm.warp(closesAt + 1);
        registry.finalizeEpoch(epoch);
    }

    function claimUptime(uint256 seed, uint256 nodeSeed) external {
        if (_posted.length == 0) return;
        uint64 epoch = _posted[bound(seed, 0, _posted.length - 1)];
        uint256 i = bound(nodeSeed, 0, NODES - 1);
        IEdgeNodeRegistry.Report memory r = registry.reportOf(epoch);
        if (r.status != IEdgeNodeRegistry.ReportStatus.Finalized || registry.claimed(epoch, nodes[i])) return;
        uint32 uptime = _uptimes[epoch][i];
        uint256 owed = (uint256(r.budgetWei) * uptime) / r.totalUptime;
        uint256 left = r.budgetWei - r.paidWei;
        if ((owed < left ? owed : left) == 0) return;
        uint256 before = nodes[i].balance;
        vm.prank(nodes[i]);
        registry.claimUptime(epoch, uptime, _proof(epoch, i));
        ghostPaidWei += nodes[i].balance - before;
        ++ghostClaims;
    }

    function claimServed(uint256 nodeSeed, uint256 more) external {
        uint256 i = bound(nodeSeed, 0, NODES - 1);
        served.setServed(nodes[i], served.servedCount(nodes[i]) + bound(more, 1, 500));
        (uint256 funded, uint256 allocated, ) = registry.pool();
        uint256 available = funded - allocated;
        if (available < registry.config().servedRewardWei) return;
        uint256 before = nodes[i].balance;
        vm.prank(nodes[i]);
        registry.claimServed();
        ghostPaidWei += nodes[i].balance - before;
        ++ghostClaims;
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + bound(secondsAhead, 1, 2 hours));
    }

    function _leaf(uint64 epoch, uint256 i, uint32 uptime) private view returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(nodes[i], epoch, uptime))));
    }

    /// @dev The three-leaf sorted-pair tree: ((l0, l1), l2).
    function _root(uint64 epoch, uint32[NODES] memory u) private view returns (bytes32) {
        bytes32 left = Hashes.commutativeKeccak256(_leaf(epoch, 0, u[0]), _leaf(epoch, 1, u[1]));
        return Hashes.commutativeKeccak256(left, _leaf(epoch, 2, u[2]));
    }

    function _proof(uint64 epoch, uint256 i) private view returns (bytes32[] memory proof) {
        uint32[NODES] memory u = _uptimes[epoch];
        if (i == 2) {
            proof = new bytes32[](1);
            proof[0] = Hashes.commutativeKeccak256(_leaf(epoch, 0, u[0]), _leaf(epoch, 1, u[1]));
        } else {
            proof = new bytes32[](2);
            proof[0] = _leaf(epoch, 1 - i, u[1 - i]);
            proof[1] = _leaf(epoch, 2, u[2]);
        }
    }
}

contract EdgeNodeRegistryInvariants is StdInvariant {
    bytes32 internal constant EDGE = keccak256("axon.service.edge");
    EdgeNodeRegistry internal registry;
    EdgeNodeRegistryHandler internal handler;

    function setUp() public {
        Treasury treasury = Treasury(
            payable(
                new ERC1967Proxy(address(new Treasury()), abi.encodeCall(Treasury.initialize, (address(this), 2 days)))
            )
        );
        OperatorStaking staking = OperatorStaking(
            address(
                new ERC1967Proxy(
                    address(new OperatorStaking()),
                    abi.encodeCall(OperatorStaking.initialize, (address(this), 2 days, address(treasury)))
                )
            )
        );
        staking.setService(EDGE, 1 ether, 7 days, true);
        IEdgeNodeRegistry.Config memory config = _config();
        registry = EdgeNodeRegistry(
            address(
                new ERC1967Proxy(
                    address(new EdgeNodeRegistry()),
                    abi.encodeCall(
                        EdgeNodeRegistry.initialize,
                        (address(this), 2 days, address(staking), EDGE, address(0), config)
                    )
                )
            )
        );
        staking.setModule(EDGE, address(registry), true);
        ServedCounterMock served = new ServedCounterMock();
        registry.setServedSource(address(served));
        address[3] memory nodes = _stakeAndRegister(staking);
        handler = new EdgeNodeRegistryHandler(registry, served, nodes);

        bytes4[] memory selectors = new bytes4[](6);
        selectors[0] = EdgeNodeRegistryHandler.fund.selector;
        selectors[1] = EdgeNodeRegistryHandler.report.selector;
        selectors[2] = EdgeNodeRegistryHandler.finalize.selector;
        selectors[3] = EdgeNodeRegistryHandler.claimUptime.selector;
        selectors[4] = EdgeNodeRegistryHandler.claimServed.selector;
        selectors[5] = EdgeNodeRegistryHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    function _config() private pure returns (IEdgeNodeRegistry.Config memory) {
        return
            IEdgeNodeRegistry.Config({
                epochSeconds: 3600,
                slotSeconds: 600,
                reportDeadlineSeconds: 3600,
                challengeWindowSeconds: 1800,
                answerWindowSeconds: 1800,
                reporterBondWei: 0.5 ether,
                challengeBondWei: 0.1 ether,
                epochRewardWei: 1 ether,
                servedRewardWei: 0.01 ether
            });
    }

    function _stakeAndRegister(OperatorStaking staking) private returns (address[3] memory nodes) {
        for (uint256 i; i < 3; ++i) {
            nodes[i] = vm.addr(0xE000 + i);
            // Node 0 also reports: its stake covers the bonds of every report a campaign can leave pending.
            uint256 stakeWei = i == 0 ? 1000 ether : 2 ether;
            vm.deal(nodes[i], stakeWei);
            vm.prank(nodes[i]);
            staking.stake{value: stakeWei}(EDGE);
            vm.prank(nodes[i]);
            registry.register(nodes[i], bytes2("DE"), 1, new bytes32[](0), "");
        }
    }

    /// @notice Σ rewards paid ≤ Σ funded, and the pool holds exactly what was funded and not yet paid.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: deep.invariant.fail-on-revert = true
    function invariant_paidNeverExceedsFunded() public view {
        (uint256 funded, uint256 allocated, uint256 paid) = registry.pool();
        vm.assertEq(funded, handler.ghostFundedWei(), "funded matches the ghost sum");
        vm.assertEq(paid, handler.ghostPaidWei(), "paid matches what the nodes received");
        vm.assertLe(paid, funded, "paid <= funded");
        vm.assertLe(allocated, funded, "allocated <= funded");
        vm.assertLe(paid, allocated, "paid <= allocated");
        vm.assertEq(address(registry).balance, funded - paid, "the pool holds funded - paid");
    }
}
