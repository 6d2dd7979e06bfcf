import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  ETH,
  FEE_BPS,
  PRICE,
  TOKEN_PRICE,
  expectedSplit,
  listedFixture,
  listingParams,
  marketFixture,
} from "./fixtures";

const DEEP = !!process.env.DEEP;

type Cmd =
  | { kind: "buy"; buyer: number; dataset: 1 | 2 }
  | { kind: "setPrice"; dataset: 1 | 2; price: bigint }
  | { kind: "withdraw"; account: number; asset: "eth" | "token" }
  | { kind: "sweep"; asset: "eth" | "token" };

describe("DataMarket escrow accounting (fast-check model)", function () {
  it("keeps every asset's balance equal to the credits and fees it owes, matching a model", async function () {
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({
        kind: fc.constant("buy" as const),
        buyer: fc.nat(3),
        dataset: fc.constantFrom(1 as const, 2 as const),
      }),
      fc.record({
        kind: fc.constant("setPrice" as const),
        dataset: fc.constantFrom(1 as const, 2 as const),
        price: fc.bigInt({ min: 1n, max: 10n ** 18n }),
      }),
      fc.record({
        kind: fc.constant("withdraw" as const),
        account: fc.nat(6),
        asset: fc.constantFrom("eth" as const, "token" as const),
      }),
      fc.record({ kind: fc.constant("sweep" as const), asset: fc.constantFrom("eth" as const, "token" as const) }),
    );

    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: DEEP ? 40 : 12 }), async (cmds) => {
        const f = await loadFixture(listedFixture);
        const buyers = [f.buyer, f.buyer2, f.stranger, f.keeper];
        // Accounts that can hold credits: buyers (ETH overpayment is never sent here), seller, contributors.
        const accounts = [f.seller, f.contributorA, f.contributorB, ...buyers];
        const assetOf = { eth: ETH, token: f.tokenAddress };
        const datasetAsset: Record<1 | 2, string> = { 1: ETH, 2: f.tokenAddress };
        const contributorBps: Record<1 | 2, bigint[]> = { 1: [1_000n, 500n], 2: [] };
        const price: Record<1 | 2, bigint> = { 1: PRICE, 2: TOKEN_PRICE };
        const credits = new Map<string, bigint>();
        const fees = new Map<string, bigint>([
          [ETH, 0n],
          [f.tokenAddress, 0n],
        ]);
        const licensed = new Set<string>();
        const key = (a: string, asset: string) => `${a}:${asset}`;
        const add = (a: string, asset: string, v: bigint) =>
          credits.set(key(a, asset), (credits.get(key(a, asset)) ?? 0n) + v);
        await f.token.connect(f.keeper).approve(f.marketAddress, ethers.MaxUint256);
        for (const s of buyers) await f.token.mint(s.address, 10n ** 24n);

        for (const c of cmds) {
          if (c.kind === "buy") {
            const buyer = buyers[c.buyer];
            const asset = datasetAsset[c.dataset];
            const p = price[c.dataset];
            const tx = f.market.connect(buyer).purchase(c.dataset, p, asset === ETH ? { value: p } : {});
            if (licensed.has(`${c.dataset}:${buyer.address}`)) {
              await expect(tx).to.be.revertedWithCustomError(f.market, "DataMarketAlreadyLicensed");
              continue;
            }
            await tx;
            licensed.add(`${c.dataset}:${buyer.address}`);
            const split = expectedSplit(p, FEE_BPS, contributorBps[c.dataset]);
            add(f.seller.address, asset, split.seller);
            if (c.dataset === 1) {
              add(f.contributorA.address, asset, split.royalties[0]);
              add(f.contributorB.address, asset, split.royalties[1]);
            }
            fees.set(asset, fees.get(asset)! + split.fee);
          } else if (c.kind === "setPrice") {
            // Keep token prices within what buyers hold.
            const p = c.dataset === 2 ? (c.price % 10n ** 20n) + 1n : c.price;
            await f.market.connect(f.seller).setPrice(c.dataset, p);
            price[c.dataset] = p;
          } else if (c.kind === "withdraw") {
            const account = accounts[c.account];
            const asset = assetOf[c.asset];
            const owed = credits.get(key(account.address, asset)) ?? 0n;
            const tx = f.market.connect(account).withdraw(asset);
            if (owed === 0n) {
              await expect(tx).to.be.revertedWithCustomError(f.market, "DataMarketNothingToWithdraw");
            } else {
              await expect(tx).to.emit(f.market, "CreditWithdrawn").withArgs(account.address, asset, owed);
              credits.set(key(account.address, asset), 0n);
            }
          } else {
            const asset = assetOf[c.asset];
            const tx = f.market.sweepProtocolFees(asset);
            if (fees.get(asset) === 0n) {
              await expect(tx).to.be.revertedWithCustomError(f.market, "DataMarketNothingToWithdraw");
            } else {
              await tx;
              fees.set(asset, 0n);
            }
          }

          for (const asset of [ETH, f.tokenAddress]) {
            let owed = fees.get(asset)!;
            for (const a of accounts) {
              const onChain = await f.market.creditOf(a.address, asset);
              expect(onChain, `credit of ${a.address} in ${asset}`).to.equal(credits.get(key(a.address, asset)) ?? 0n);
              owed += onChain;
            }
            expect(await f.market.protocolFeesOf(asset)).to.equal(fees.get(asset));
            const balance =
              asset === ETH
                ? await ethers.provider.getBalance(f.marketAddress)
                : await f.token.balanceOf(f.marketAddress);
            expect(balance, `balance = credits + fees in ${asset}`).to.equal(owed);
          }
        }
      }),
      { numRuns: DEEP ? 200 : 25, seed: 0xda7a },
    );
  });

  it("splits any price exactly: floored shares, dust to the protocol, sum equal to the price", async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: (1n << 96n) - 1n }),
        fc.integer({ min: 0, max: 1_000 }),
        fc.array(fc.integer({ min: 1, max: 1_000 }), { maxLength: 8 }),
        async (price, feeBps, bps) => {
          const f = await loadFixture(marketFixture);
          await f.market.setProtocolFeeBps(feeBps);
          const contributors = f.others.slice(7, 7 + bps.length).map((s) => s.address);
          await f.list(listingParams({ priceAmount: price, contributors, contributorBps: bps }));
          await ethers.provider.send("hardhat_setBalance", [f.buyer.address, ethers.toQuantity(price + 10n ** 18n)]);
          await f.market.connect(f.buyer).purchase(1, price, { value: price });
          const split = expectedSplit(
            price,
            BigInt(feeBps),
            bps.map((b) => BigInt(b)),
          );
          expect(await f.market.creditOf(f.seller.address, ETH)).to.equal(split.seller);
          for (let i = 0; i < bps.length; i++) {
            expect(await f.market.creditOf(contributors[i], ETH)).to.equal(split.royalties[i]);
          }
          const fee = await f.market.protocolFeesOf(ETH);
          expect(fee).to.equal(split.fee);
          // The protocol gets its floored fee plus at most one unit of dust per floored share.
          expect(fee - (price * BigInt(feeBps)) / 10_000n).to.be.lte(BigInt(bps.length + 1));
          expect(split.seller + split.royalty + fee).to.equal(price);
        },
      ),
      { numRuns: DEEP ? 300 : 40, seed: 0x5917 },
    );
  });
});
