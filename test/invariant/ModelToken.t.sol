// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ModelToken} from "../../contracts/imo/ModelToken.sol";
import {MintableTestToken} from "../../contracts/mocks/tokens/MintableTestToken.sol";
import {StdInvariant} from "./StdInvariant.sol";
import {VmBase} from "./Vm.sol";

/// @notice Drives one ModelToken clone as its offering (mints) and as four holders (transfers, claims, redemptions),
/// pushes ETH and ERC-20 revenue and moves time, keeping ghost sums of what went in and what was paid out.
contract ModelTokenHandler is VmBase {
    uint256 public constant HOLDERS = 4;
    uint16 public constant REDEEM_BPS = 1_000;
    address public constant ETH = address(0);

    ModelToken public immutable token;
    MintableTestToken public immutable erc20;
    address[HOLDERS] public holders;

    mapping(address asset => uint256) public ghostToHolders;
    mapping(address asset => uint256) public ghostClaimed;
    mapping(address asset => uint256) public ghostRedeemCredited;
    uint256 public ghostClaimMismatches;
    /// @notice Deposits that slowed what was already streaming (rate dropped, or finish past max(old, now + period)).
    uint256 public ghostDepositDelays;
    /// @notice Handler calls that may each leave < 1 wei of rounding dust in the contract.
    uint256 public ghostCalls;

    error ModelTokenHandlerDepositFailed();

    constructor() {
        ModelToken implementation = new ModelToken();
        token = ModelToken(payable(Clones.clone(address(implementation))));
        token.initialize("Invariant Model", "INV", address(this), 1, 1e30, 1 days, REDEEM_BPS);
        erc20 = new MintableTestToken();
        erc20.approve(address(token), type(uint256).max);
        token.setRevenueAsset(address(erc20), true);
        for (uint256 i; i < HOLDERS; ++i) {
            holders[i] = vm.addr(0xC000 + i);
            token.mint(holders[i], 100 ether * (i + 1));
        }
        token.activate();
    }

    function depositEth(uint256 amount) external {
        _depositEth(bound(amount, 1, 100 ether));
    }

    /// @notice The dust griefer: 1..1000 wei of ETH revenue, which once restarted the whole stream.
    function depositDust(uint256 amount) external {
        _depositEth(bound(amount, 1, 1_000));
    }

    function depositToken(uint256 amount) external {
        amount = bound(amount, 1, 1e30);
        erc20.mint(address(this), amount);
        ModelToken.Stream memory before = token.streamOf(address(erc20));
        token.depositRevenue(address(erc20), amount);
        uint256 toHolders = amount - (amount * REDEEM_BPS) / 10_000;
        _checkNoDelay(before, token.streamOf(address(erc20)), toHolders);
        ghostToHolders[address(erc20)] += toHolders;
        ++ghostCalls;
    }

    /// @notice The last holders leave: everyone redeems everything, so the supply is zero until the next mint.
    function redeemAll() external {
        for (uint256 i; i < HOLDERS; ++i) {
            uint256 balance = token.balanceOf(holders[i]);
            if (balance == 0) continue;
            ghostRedeemCredited[ETH] += token.previewRedeem(ETH, balance);
            ghostRedeemCredited[address(erc20)] += token.previewRedeem(address(erc20), balance);
            vm.prank(holders[i]);
            token.redeem(balance);
        }
        ++ghostCalls;
    }

    function _depositEth(uint256 amount) private {
        vm.deal(address(this), amount);
        ModelToken.Stream memory before = token.streamOf(ETH);
        (bool ok, ) = address(token).call{value: amount}("");
        if (!ok) revert ModelTokenHandlerDepositFailed();
        uint256 toHolders = amount - (amount * REDEEM_BPS) / 10_000;
        _checkNoDelay(before, token.streamOf(ETH), toHolders);
        ghostToHolders[ETH] += toHolders;
        ++ghostCalls;
    }

    /// @dev What was streaming keeps at least its rate, the deposit adds at least its own, and the finish is at most
    /// a period after the deposit or when what was streaming would have ended (a stream paused at zero supply has
    /// `finish − lastUpdate` left).
    function _checkNoDelay(
        ModelToken.Stream memory before,
        ModelToken.Stream memory afterDeposit,
        uint256 added
    ) private {
        uint256 period = token.streamPeriodSeconds();
        uint256 from = token.totalSupply() == 0 ? before.lastUpdate : block.timestamp;
        bool running = before.periodFinish > from;
        uint256 oldRate = running ? before.holderRateScaled : 0;
        uint256 latest = block.timestamp + period;
        if (running && block.timestamp + before.periodFinish - from > latest) {
            latest = block.timestamp + before.periodFinish - from;
        }
        if (afterDeposit.holderRateScaled < oldRate + (added * token.SCALE()) / period) ++ghostDepositDelays;
        if (afterDeposit.periodFinish > latest) ++ghostDepositDelays;
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = holders[fromSeed % HOLDERS];
        uint256 balance = token.balanceOf(from);
        amount = bound(amount, 0, balance);
        vm.prank(from);
        token.transfer(holders[toSeed % HOLDERS], amount);
    }

    function mint(uint256 toSeed, uint256 amount) external {
        amount = bound(amount, 1, 1_000 ether);
        token.mint(holders[toSeed % HOLDERS], amount);
    }

    function claim(uint256 holderSeed, bool eth) external {
        address holder = holders[holderSeed % HOLDERS];
        address asset = eth ? ETH : address(erc20);
        uint256 due = token.claimableOf(asset, holder);
        if (due == 0) return;
        vm.prank(holder);
        uint256 paid = token.claim(asset);
        if (paid != due) ++ghostClaimMismatches;
        ghostClaimed[asset] += paid;
    }

    function redeem(uint256 holderSeed, uint256 amount) external {
        address holder = holders[holderSeed % HOLDERS];
        uint256 balance = token.balanceOf(holder);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        ghostRedeemCredited[ETH] += token.previewRedeem(ETH, amount);
        ghostRedeemCredited[address(erc20)] += token.previewRedeem(address(erc20), amount);
        vm.prank(holder);
        token.redeem(amount);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 3 days));
    }

    function holderAt(uint256 i) external view returns (address) {
        return holders[i];
    }
}

/// @notice ModelToken invariants: Σ claimed + Σ claimable ≤ Σ released, and the token always holds what it owes.
contract ModelTokenInvariants is StdInvariant {
    ModelTokenHandler internal handler;
    ModelToken internal token;

    function setUp() public {
        handler = new ModelTokenHandler();
        token = handler.token();
        targetContract(address(handler));
    }

    function invariant_claimedPlusClaimableWithinReleased() public view {
        _checkReleased(address(0));
        _checkReleased(address(handler.erc20()));
    }

    function invariant_balanceCoversEverythingOwed() public view {
        _checkBalance(address(0), address(token).balance);
        _checkBalance(address(handler.erc20()), handler.erc20().balanceOf(address(token)));
    }

    function invariant_depositsNeverDelayWhatIsStreaming() public view {
        vm.assertEq(handler.ghostDepositDelays(), 0, "no deposit slowed the stream");
    }

    /// @notice Released holder revenue reaches holders (none is lost at zero supply): only rounding dust, < 1 wei per
    /// call and per holder, is released without an owner.
    function invariant_releasedRevenueReachesHolders() public view {
        _checkReachesHolders(address(0));
        _checkReachesHolders(address(handler.erc20()));
    }

    function invariant_claimPaysExactlyTheClaimableView() public view {
        vm.assertEq(handler.ghostClaimMismatches(), 0, "claim paid what claimableOf showed");
    }

    function _checkReleased(address asset) private view {
        (uint256 unreleasedToHolders, ) = token.unreleasedOf(asset);
        uint256 released = handler.ghostToHolders(asset) - unreleasedToHolders + handler.ghostRedeemCredited(asset);
        vm.assertLe(handler.ghostClaimed(asset) + _sumClaimable(asset), released, "claimed + claimable <= released");
    }

    function _checkReachesHolders(address asset) private view {
        (uint256 unreleasedToHolders, ) = token.unreleasedOf(asset);
        uint256 released = handler.ghostToHolders(asset) - unreleasedToHolders + handler.ghostRedeemCredited(asset);
        uint256 slack = handler.ghostCalls() + handler.HOLDERS() + 1;
        vm.assertLe(released, handler.ghostClaimed(asset) + _sumClaimable(asset) + slack, "released reaches holders");
    }

    function _checkBalance(address asset, uint256 held) private view {
        (uint256 toHolders, uint256 toPool) = token.unreleasedOf(asset);
        uint256 owed = _sumClaimable(asset) + toHolders + toPool + token.redeemPoolOf(asset);
        vm.assertGe(held, owed, "token balance >= owed");
    }

    function _sumClaimable(address asset) private view returns (uint256 sum) {
        for (uint256 i; i < handler.HOLDERS(); ++i) sum += token.claimableOf(asset, handler.holderAt(i));
    }
}
