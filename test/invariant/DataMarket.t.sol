// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {euint256, externalEuint256} from "encrypted-types/EncryptedTypes.sol";
import {DataMarket} from "../../contracts/data/DataMarket.sol";
import {IDataMarket} from "../../contracts/data/interfaces/IDataMarket.sol";
import {Treasury} from "../../contracts/common/Treasury.sol";
import {WeirdERC20} from "../../contracts/mocks/tokens/WeirdERC20.sol";
import {StdInvariant} from "./StdInvariant.sol";
import {VmBase} from "./Vm.sol";

/// @notice DataMarket with its four FHE hooks replaced by plain bookkeeping, since forge has no fhevm coprocessor:
/// the accounting under test (prices, splits, credits, fees, licenses) is the production code unchanged.
contract DataMarketHarness is DataMarket {
    uint256 private _nextHandle;
    mapping(bytes32 handle => mapping(address account => bool)) public granted;

    function _importKey(externalEuint256 encryptedKey, bytes calldata) internal override returns (euint256) {
        return euint256.wrap(keccak256(abi.encode(externalEuint256.unwrap(encryptedKey), ++_nextHandle)));
    }

    function _adoptKey(euint256) internal pure override {}

    function _grantKey(euint256 key, address account) internal override {
        granted[euint256.unwrap(key)][account] = true;
    }

    function _isKeyAllowed(euint256 key, address account) internal view override returns (bool) {
        return granted[euint256.unwrap(key)][account];
    }
}

/// @notice Drives the market as sellers, buyers, contributors, a keeper and the admin, in ETH, a standard token and a
/// fee-on-transfer token, with ghost sums of every unit that went in and out.
contract DataMarketHandler is VmBase {
    uint256 public constant SELLERS = 2;
    uint256 public constant CONTRIBUTORS = 2;
    uint256 public constant BUYERS = 3;
    uint256 public constant MAX_DATASETS = 12;

    DataMarketHarness public immutable market;
    address public immutable admin;
    address[3] public assets;
    address[] public accounts;

    mapping(address asset => uint256) public ghostIn;
    mapping(address asset => uint256) public ghostWithdrawn;
    mapping(address asset => uint256) public ghostSwept;

    constructor(DataMarketHarness market_, address admin_, WeirdERC20 standard, WeirdERC20 feeOnTransfer) {
        market = market_;
        admin = admin_;
        assets = [address(0), address(standard), address(feeOnTransfer)];
        for (uint256 i; i < SELLERS + CONTRIBUTORS + BUYERS; ++i) accounts.push(vm.addr(0xD000 + i));
        for (uint256 i; i < BUYERS; ++i) {
            address buyer = _buyer(i);
            standard.mint(buyer, type(uint128).max);
            feeOnTransfer.mint(buyer, type(uint128).max);
            vm.startPrank(buyer);
            standard.approve(address(market_), type(uint256).max);
            feeOnTransfer.approve(address(market_), type(uint256).max);
            vm.stopPrank();
        }
    }

    function list(
        uint256 sellerSeed,
        uint256 assetSeed,
        uint96 priceAmount,
        uint256 contributorMask,
        uint256 bpsSeed
    ) external {
        if (_datasetCount() >= MAX_DATASETS) return;
        uint256 n = (contributorMask % 4 == 3) ? 2 : (contributorMask % 4 == 0 ? 0 : 1);
        address[] memory contributors = new address[](n);
        uint16[] memory bps = new uint16[](n);
        for (uint256 i; i < n; ++i) {
            contributors[i] = accounts[SELLERS + (n == 1 ? (contributorMask % 4) - 1 : i)];
            bps[i] = uint16(bound(uint256(keccak256(abi.encode(bpsSeed, i))), 1, 4_000));
        }
        IDataMarket.ListingParams memory params = IDataMarket.ListingParams({
            contentHash: keccak256(abi.encode(sellerSeed, priceAmount)),
            metadataURI: "ipfs://meta",
            licenseHash: keccak256("license"),
            licenseURI: "ipfs://license",
            priceAmount: uint96(bound(priceAmount, 1, 1e24)),
            paymentAsset: assets[assetSeed % 3],
            contributors: contributors,
            contributorBps: bps,
            provenance: IDataMarket.Provenance({generatorModelId: 0, oracleRequestId: 0})
        });
        vm.prank(accounts[sellerSeed % SELLERS]);
        market.list(params, externalEuint256.wrap(bytes32(sellerSeed)), "");
    }

    function purchase(uint256 buyerSeed, uint256 datasetSeed, uint256 extraWei) external {
        uint256 count = _datasetCount();
        if (count == 0) return;
        uint256 id = bound(datasetSeed, 1, count);
        address buyer = _buyer(buyerSeed % BUYERS);
        IDataMarket.Dataset memory d = market.getDataset(id);
        if (d.status != IDataMarket.DatasetStatus.Listed || market.licenseOf(id, buyer).purchasedAt != 0) return;
        address asset = d.paymentAsset;
        if (asset == address(0)) {
            uint256 sent = d.priceAmount + bound(extraWei, 0, 1 ether);
            vm.deal(buyer, sent);
            vm.prank(buyer);
            market.purchase{value: sent}(id, d.priceAmount);
            ghostIn[asset] += sent;
        } else {
            uint256 before = WeirdERC20(asset).balanceOf(address(market));
            vm.prank(buyer);
            market.purchase(id, d.priceAmount);
            ghostIn[asset] += WeirdERC20(asset).balanceOf(address(market)) - before;
        }
    }

    function setPrice(uint256 datasetSeed, uint96 priceAmount) external {
        uint256 count = _datasetCount();
        if (count == 0) return;
        uint256 id = bound(datasetSeed, 1, count);
        IDataMarket.Dataset memory d = market.getDataset(id);
        if (d.status != IDataMarket.DatasetStatus.Listed) return;
        vm.prank(d.seller);
        market.setPrice(id, uint96(bound(priceAmount, 1, 1e24)));
    }

    function delist(uint256 datasetSeed) external {
        uint256 count = _datasetCount();
        // Delisting is final: do it on one call in eight so that most datasets stay on sale.
        if (count == 0 || datasetSeed % 8 != 0) return;
        uint256 id = bound(datasetSeed, 1, count);
        IDataMarket.Dataset memory d = market.getDataset(id);
        if (d.status != IDataMarket.DatasetStatus.Listed) return;
        vm.prank(d.seller);
        market.delist(id);
    }

    function rotateKey(uint256 datasetSeed, bytes32 newKey) external {
        uint256 count = _datasetCount();
        if (count == 0) return;
        uint256 id = bound(datasetSeed, 1, count);
        vm.prank(market.getDataset(id).seller);
        market.rotateKey(id, externalEuint256.wrap(newKey), "");
    }

    function claimAccess(uint256 buyerSeed, uint256 datasetSeed, uint256 waitSeconds) external {
        uint256 count = _datasetCount();
        if (count == 0) return;
        uint256 id = bound(datasetSeed, 1, count);
        address buyer = _buyer(buyerSeed % BUYERS);
        IDataMarket.License memory lic = market.licenseOf(id, buyer);
        vm.warp(block.timestamp + bound(waitSeconds, 0, 2 hours));
        bool ready = lic.purchasedAt != 0 && block.timestamp >= lic.grantableAt;
        if (!ready || lic.grantedKeyVersion == market.getDataset(id).keyVersion) vm.expectRevert();
        market.claimAccess(id, buyer);
    }

    function withdraw(uint256 accountSeed, uint256 assetSeed) external {
        address account = accounts[accountSeed % accounts.length];
        address asset = assets[assetSeed % 3];
        uint256 credit = market.creditOf(account, asset);
        if (credit == 0) return;
        vm.prank(account);
        market.withdraw(asset);
        ghostWithdrawn[asset] += credit;
    }

    function sweep(uint256 assetSeed) external {
        address asset = assets[assetSeed % 3];
        uint256 fees = market.protocolFeesOf(asset);
        if (fees == 0) return;
        market.sweepProtocolFees(asset);
        ghostSwept[asset] += fees;
    }

    function setProtocolFeeBps(uint16 feeBps) external {
        vm.prank(admin);
        market.setProtocolFeeBps(uint16(bound(feeBps, 0, 1_000)));
    }

    function setGrantDelay(uint32 delaySeconds) external {
        vm.prank(admin);
        market.setGrantDelay(uint32(bound(delaySeconds, 0, 1 hours)));
    }

    function _datasetCount() private view returns (uint256 count) {
        (, , , count) = market.marketConfig();
    }

    function accountCount() external view returns (uint256) {
        return accounts.length;
    }

    function _buyer(uint256 i) private view returns (address) {
        return accounts[SELLERS + CONTRIBUTORS + i];
    }
}

/// @notice Invariants of DataMarket's non-FHE accounting: every unit held is owed to someone, nothing is created or
/// lost, and a key is only ever granted to an account holding a paid license.
contract DataMarketInvariantTest is StdInvariant {
    DataMarketHarness internal market;
    DataMarketHandler internal handler;
    Treasury internal treasury;
    address internal admin = vm.addr(0xAD);

    function setUp() public {
        Treasury treasuryImpl = new Treasury();
        treasury = Treasury(
            payable(new ERC1967Proxy(address(treasuryImpl), abi.encodeCall(Treasury.initialize, (admin, 0))))
        );
        DataMarketHarness impl = new DataMarketHarness();
        market = DataMarketHarness(
            payable(
                new ERC1967Proxy(
                    address(impl),
                    abi.encodeCall(DataMarket.initialize, (admin, 0, address(treasury), 250))
                )
            )
        );
        WeirdERC20 standard = new WeirdERC20();
        WeirdERC20 feeOnTransfer = new WeirdERC20();
        feeOnTransfer.setMode(WeirdERC20.Mode.FeeOnTransfer);
        vm.startPrank(admin);
        market.setPaymentAssetAllowed(address(standard), true);
        market.setPaymentAssetAllowed(address(feeOnTransfer), true);
        treasury.setTokenAllowed(address(standard), true);
        treasury.setTokenAllowed(address(feeOnTransfer), true);
        vm.stopPrank();
        handler = new DataMarketHandler(market, admin, standard, feeOnTransfer);
        targetContract(address(handler));
    }

    /// @notice Each asset's balance equals the credits plus the unswept protocol fees it owes.
    function invariant_balanceEqualsCredits() public view {
        for (uint256 a; a < 3; ++a) {
            address asset = handler.assets(a);
            uint256 owed = market.protocolFeesOf(asset);
            for (uint256 i; i < handler.accountCount(); ++i) owed += market.creditOf(handler.accounts(i), asset);
            vm.assertEq(_balance(asset), owed, "balance == credits + fees");
        }
    }

    /// @notice What came in equals what was paid out, swept, or is still held.
    function invariant_conservation() public view {
        for (uint256 a; a < 3; ++a) {
            address asset = handler.assets(a);
            vm.assertEq(
                handler.ghostIn(asset),
                handler.ghostWithdrawn(asset) + handler.ghostSwept(asset) + _balance(asset),
                "in == withdrawn + swept + held"
            );
        }
    }

    /// @notice Only licensed accounts ever hold access to a dataset's current key.
    function invariant_grantOnlyToPaid() public view {
        (, , , uint256 count) = market.marketConfig();
        for (uint256 id = 1; id <= count; ++id) {
            for (uint256 i; i < handler.accountCount(); ++i) {
                address account = handler.accounts(i);
                if (market.hasAccess(id, account)) {
                    vm.assertTrue(market.licenseOf(id, account).purchasedAt != 0, "access implies a paid license");
                }
            }
        }
    }

    function _balance(address asset) private view returns (uint256) {
        return asset == address(0) ? address(market).balance : WeirdERC20(asset).balanceOf(address(market));
    }
}
