import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import { ANYONE, custom, role, shouldEnforceAccessMatrix, AXON_UPGRADEABLE_GUARDS } from "../helpers/accessMatrix";
import { DEFAULT_ADMIN_ROLE, PAUSER_ROLE, UPGRADER_ROLE } from "../helpers/constants";
import { LISTER_ROLE, PRICE, listingParams, purchasedFixture } from "./fixtures";

type State = "unknown" | "listed" | "delisted";
type Caller = "seller" | "licensedBuyer" | "stranger";
type Action = "purchase" | "setPrice" | "delist" | "rotateKey" | "reclaimAccess";

// Expected outcome of each action by each caller in each dataset state: "ok" or the custom error's name.
const TABLE: Record<State, Record<Action, Record<Caller, string>>> = {
  unknown: {
    purchase: {
      seller: "DataMarketUnknownDataset",
      licensedBuyer: "DataMarketUnknownDataset",
      stranger: "DataMarketUnknownDataset",
    },
    setPrice: {
      seller: "DataMarketUnknownDataset",
      licensedBuyer: "DataMarketUnknownDataset",
      stranger: "DataMarketUnknownDataset",
    },
    delist: {
      seller: "DataMarketUnknownDataset",
      licensedBuyer: "DataMarketUnknownDataset",
      stranger: "DataMarketUnknownDataset",
    },
    rotateKey: {
      seller: "DataMarketUnknownDataset",
      licensedBuyer: "DataMarketUnknownDataset",
      stranger: "DataMarketUnknownDataset",
    },
    reclaimAccess: {
      seller: "DataMarketNotLicensed",
      licensedBuyer: "DataMarketNotLicensed",
      stranger: "DataMarketNotLicensed",
    },
  },
  listed: {
    purchase: { seller: "ok", licensedBuyer: "DataMarketAlreadyLicensed", stranger: "ok" },
    setPrice: { seller: "ok", licensedBuyer: "DataMarketNotSeller", stranger: "DataMarketNotSeller" },
    delist: { seller: "ok", licensedBuyer: "DataMarketNotSeller", stranger: "DataMarketNotSeller" },
    rotateKey: { seller: "ok", licensedBuyer: "DataMarketNotSeller", stranger: "DataMarketNotSeller" },
    reclaimAccess: {
      seller: "DataMarketNotLicensed",
      licensedBuyer: "DataMarketAccessAlreadyGranted",
      stranger: "DataMarketNotLicensed",
    },
  },
  delisted: {
    purchase: { seller: "DataMarketNotListed", licensedBuyer: "DataMarketNotListed", stranger: "DataMarketNotListed" },
    setPrice: { seller: "DataMarketNotListed", licensedBuyer: "DataMarketNotSeller", stranger: "DataMarketNotSeller" },
    delist: { seller: "DataMarketNotListed", licensedBuyer: "DataMarketNotSeller", stranger: "DataMarketNotSeller" },
    rotateKey: { seller: "ok", licensedBuyer: "DataMarketNotSeller", stranger: "DataMarketNotSeller" },
    reclaimAccess: {
      seller: "DataMarketNotLicensed",
      licensedBuyer: "DataMarketAccessAlreadyGranted",
      stranger: "DataMarketNotLicensed",
    },
  },
};

describe("DataMarket state x action x caller", function () {
  for (const [state, actions] of Object.entries(TABLE) as [State, Record<Action, Record<Caller, string>>][]) {
    for (const [action, callers] of Object.entries(actions) as [Action, Record<Caller, string>][]) {
      for (const [caller, expected] of Object.entries(callers) as [Caller, string][]) {
        it(`${state} dataset: ${action} by ${caller} -> ${expected}`, async function () {
          const f = await loadFixture(purchasedFixture);
          if (state === "delisted") await f.market.connect(f.seller).delist(1);
          const id = state === "unknown" ? 99n : 1n;
          const signer: Signer = { seller: f.seller, licensedBuyer: f.buyer, stranger: f.stranger }[caller];
          const address = await signer.getAddress();
          const m = f.market.connect(signer);
          const run = async () => {
            switch (action) {
              case "purchase":
                return m.purchase(id, PRICE, { value: PRICE });
              case "setPrice":
                return m.setPrice(id, PRICE * 3n);
              case "delist":
                return m.delist(id);
              case "rotateKey": {
                const enc = await f.encryptKey({ address }, 7n);
                return m.rotateKey(id, enc.handles[0], enc.inputProof);
              }
              case "reclaimAccess":
                return m.reclaimAccess(id);
            }
          };
          if (expected === "ok") {
            await expect(run()).to.not.be.reverted;
          } else {
            await expect(run()).to.be.revertedWithCustomError(f.market, expected);
          }
        });
      }
    }
  }
});

shouldEnforceAccessMatrix("DataMarket", async () => {
  const f = await loadFixture(purchasedFixture);
  const implementation = await (await ethers.deployContract("DataMarket")).getAddress();
  const enc = await f.encryptKey(f.seller, 7n);
  return {
    contract: f.market,
    callers: { admin: f.admin, seller: f.seller, stranger: f.stranger },
    roleHolders: {
      [DEFAULT_ADMIN_ROLE]: ["admin"],
      [PAUSER_ROLE]: ["admin"],
      [UPGRADER_ROLE]: ["admin"],
      [LISTER_ROLE]: [],
    },
    guards: {
      ...AXON_UPGRADEABLE_GUARDS,
      "renounceRole(bytes32,address)": custom("AccessControlBadConfirmation", ["admin"]),
      "initialize(address,uint48,address,uint16)": ANYONE,
      "setPaymentAssetAllowed(address,bool)": role(DEFAULT_ADMIN_ROLE),
      "setProtocolFeeBps(uint16)": role(DEFAULT_ADMIN_ROLE),
      "setGrantDelay(uint32)": role(DEFAULT_ADMIN_ROLE),
      "setTreasury(address)": role(DEFAULT_ADMIN_ROLE),
      "listFor(address,(bytes32,string,bytes32,string,uint96,address,address[],uint16[],(uint256,uint256)),bytes32)":
        role(LISTER_ROLE),
      "setPrice(uint256,uint96)": custom("DataMarketNotSeller", ["seller"]),
      "delist(uint256)": custom("DataMarketNotSeller", ["seller"]),
      "rotateKey(uint256,bytes32,bytes)": custom("DataMarketNotSeller", ["seller"]),
      "list((bytes32,string,bytes32,string,uint96,address,address[],uint16[],(uint256,uint256)),bytes32,bytes)": ANYONE,
      "purchase(uint256,uint256)": ANYONE,
      "claimAccess(uint256,address)": ANYONE,
      "reclaimAccess(uint256)": ANYONE,
      "withdraw(address)": ANYONE,
      "sweepProtocolFees(address)": ANYONE,
    },
    args: {
      "grantRole(bytes32,address)": [PAUSER_ROLE, f.stranger.address],
      "revokeRole(bytes32,address)": [PAUSER_ROLE, f.admin.address],
      "renounceRole(bytes32,address)": [PAUSER_ROLE, f.admin.address],
      "upgradeToAndCall(address,bytes)": [implementation, "0x"],
      "setTreasury(address)": [f.stranger.address],
      "setPaymentAssetAllowed(address,bool)": [f.stranger.address, true],
      "listFor(address,(bytes32,string,bytes32,string,uint96,address,address[],uint16[],(uint256,uint256)),bytes32)": [
        f.seller.address,
        listingParams(),
        ethers.ZeroHash,
      ],
      "setPrice(uint256,uint96)": [1n, 5n],
      "delist(uint256)": [1n],
      "rotateKey(uint256,bytes32,bytes)": [1n, enc.handles[0], enc.inputProof],
    },
  };
});
