import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { CollectionCampaigns } from "../../typechain-types";
import { deployCore, deployProxy } from "../helpers/core";
import { ADMIN_DELAY_SECONDS } from "../helpers/constants";
import type { DataMarket } from "../../typechain-types";
import { FEE_BPS } from "./fixtures";
import { itemHash, signSubmission } from "./helpers/campaigns";

const DEEP = !!process.env.DEEP;
const SCHEMA = ethers.id("schema");
const REVIEW_PERIOD = 7 * 24 * 3600;

type Cmd =
  | { kind: "create"; pay: bigint; max: number }
  | { kind: "submit"; campaign: number; contributor: number; content: number }
  | { kind: "review"; campaign: number; item: number; accept: boolean }
  | { kind: "close"; campaign: number; wait: boolean }
  | { kind: "withdraw"; account: number };

interface ModelCampaign {
  pay: bigint;
  max: number;
  deadline: number;
  closed: boolean;
  pending: number;
  accepted: number;
  items: { contributor: string; status: "pending" | "accepted" | "rejected" }[];
}

describe("CollectionCampaigns accounting (fast-check model)", function () {
  async function fixture() {
    const core = await deployCore();
    const [funder, validator, a, b, c] = core.others;
    const market = await deployProxy<DataMarket>("DataMarket", [
      core.admin.address,
      ADMIN_DELAY_SECONDS,
      await core.treasury.getAddress(),
      FEE_BPS,
    ]);
    const campaigns = (await ethers.deployContract("CollectionCampaigns", [
      await market.getAddress(),
    ])) as unknown as CollectionCampaigns;
    return { campaigns, funder, validator, contributors: [a, b, c] };
  }

  it("keeps its balance equal to the credits plus the open escrows, matching a model", async function () {
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({
        kind: fc.constant("create" as const),
        pay: fc.bigInt({ min: 1n, max: 10n ** 15n }),
        max: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({
        kind: fc.constant("submit" as const),
        campaign: fc.nat(3),
        contributor: fc.nat(2),
        content: fc.nat(7),
      }),
      fc.record({ kind: fc.constant("review" as const), campaign: fc.nat(3), item: fc.nat(4), accept: fc.boolean() }),
      fc.record({ kind: fc.constant("close" as const), campaign: fc.nat(3), wait: fc.boolean() }),
      fc.record({ kind: fc.constant("withdraw" as const), account: fc.nat(3) }),
    );

    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: DEEP ? 40 : 14 }), async (cmds) => {
        const f = await loadFixture(fixture);
        const address = await f.campaigns.getAddress();
        const accounts = [f.funder, ...f.contributors];
        const credits = new Map<string, bigint>(accounts.map((s) => [s.address, 0n]));
        const camps: ModelCampaign[] = [];
        const contents = new Set<number>();
        const c = f.campaigns;

        for (const op of cmds) {
          const now = (await time.latest()) + 1;
          if (op.kind === "create") {
            const deadline = now + 3600;
            await c.connect(f.funder).createCampaign(SCHEMA, op.pay, op.max, deadline, [f.validator.address], {
              value: op.pay * BigInt(op.max),
            });
            camps.push({
              pay: op.pay,
              max: op.max,
              deadline,
              closed: false,
              pending: 0,
              accepted: 0,
              items: [],
            });
          } else if (op.kind === "submit") {
            const id = op.campaign + 1;
            const m = camps[op.campaign];
            const who = f.contributors[op.contributor];
            const sig = await signSubmission(c, who, id, itemHash(op.content));
            const tx = c.submit(id, itemHash(op.content), who.address, sig);
            if (!m) await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsUnknownCampaign");
            else if (m.closed || now > m.deadline)
              await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsSubmissionsClosed");
            else if (m.accepted + m.pending >= m.max)
              await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsCampaignFull");
            else if (contents.has(op.content))
              await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsDuplicateItem");
            else {
              await tx;
              contents.add(op.content);
              m.items.push({ contributor: who.address, status: "pending" });
              m.pending++;
            }
          } else if (op.kind === "review") {
            const id = op.campaign + 1;
            const m = camps[op.campaign];
            const tx = c.connect(f.validator).review(id, op.item + 1, op.accept);
            const item = m?.items[op.item];
            if (!m) await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsUnknownCampaign");
            else if (m.closed) await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsClosed");
            else if (item?.status !== "pending")
              await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsItemNotPending");
            else {
              await tx;
              m.pending--;
              item.status = op.accept ? "accepted" : "rejected";
              if (op.accept) {
                m.accepted++;
                credits.set(item.contributor, credits.get(item.contributor)! + m.pay);
              }
            }
          } else if (op.kind === "close") {
            const id = op.campaign + 1;
            const m = camps[op.campaign];
            if (m && op.wait) await time.increaseTo(Math.max(now, m.deadline + REVIEW_PERIOD));
            const at = (await time.latest()) + 1;
            const tx = c.close(id);
            if (!m) await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsUnknownCampaign");
            else if (m.closed) await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsClosed");
            else if (at < (m.pending === 0 ? m.deadline + 1 : m.deadline + REVIEW_PERIOD))
              await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsCloseTooEarly");
            else {
              await expect(tx)
                .to.emit(c, "CampaignClosed")
                .withArgs(id, BigInt(m.max - m.accepted) * m.pay);
              m.closed = true;
              credits.set(f.funder.address, credits.get(f.funder.address)! + BigInt(m.max - m.accepted) * m.pay);
            }
          } else {
            const who = accounts[op.account];
            const owed = credits.get(who.address)!;
            const tx = c.connect(who).withdraw();
            if (owed === 0n) await expect(tx).to.be.revertedWithCustomError(c, "CollectionCampaignsNothingToWithdraw");
            else {
              await expect(tx).to.changeEtherBalance(who, owed);
              credits.set(who.address, 0n);
            }
          }

          let owed = 0n;
          for (const s of accounts) {
            expect(await c.creditOf(s.address), `credit of ${s.address}`).to.equal(credits.get(s.address));
            owed += credits.get(s.address)!;
          }
          for (let i = 0; i < camps.length; i++) {
            const m = camps[i];
            const onChain = await c.getCampaign(i + 1);
            expect([onChain.pending, onChain.accepted, onChain.closed]).to.deep.equal([
              BigInt(m.pending),
              BigInt(m.accepted),
              m.closed,
            ]);
            if (!m.closed) owed += BigInt(m.max - m.accepted) * m.pay;
          }
          expect(await ethers.provider.getBalance(address), "balance = credits + open escrows").to.equal(owed);
        }
      }),
      { numRuns: DEEP ? 200 : 12, seed: 0xc011 },
    );
  });
});
