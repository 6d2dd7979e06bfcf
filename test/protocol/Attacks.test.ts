import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { termsOf } from "../oracle/fixtures";
import { CALLBACK_GAS, createdRequest, deployProtocol } from "./fixture";

/** Attack classes of docs/THREAT_MODEL.md that no domain suite covered, run against the full protocol. */
describe("Protocol attacks", function () {
  async function requestWithCallback(callback: string) {
    const f = await loadFixture(deployProtocol);
    const fee = await f.oracle.quote(f.modelId, CALLBACK_GAS);
    const resp = await f.oracle
      .connect(f.requester)
      .request(f.modelId, "0x01", callback, CALLBACK_GAS, "0x", { value: fee });
    return { ...f, fee, ...(await createdRequest(f.oracle, resp)) };
  }

  describe("callback griefing", function () {
    it("settles and pays the node when the requester's callback reverts", async function () {
      // The Treasury has no onAIOracleResult and no fallback: every callback into it reverts.
      const f = await requestWithCallback(await (await loadFixture(deployProtocol)).treasury.getAddress());
      const { oracle, node, requestId, req } = f;
      await expect(oracle.connect(node).fulfil(requestId, req, "0x07", 0))
        .to.emit(oracle, "RequestFulfilled")
        .withArgs(requestId, node.address, 0, true, false, 0, ethers.keccak256("0x07"));
      const [state] = await oracle.requestState(requestId);
      expect(state).to.not.equal(1n);
      const t = termsOf(req);
      expect(await oracle.creditOf(node.address)).to.equal(t.nodeFeeWei + t.gasFeeWei);
    });
  });

  describe("front-running and request tampering", function () {
    it("refuses a fulfilment whose request struct differs from the one the requester paid for", async function () {
      const { oracle, node, requestId, req } = await requestWithCallback(ethers.Wallet.createRandom().address);
      // Move the model share into the node share: same total, different split.
      const t = termsOf(req);
      const tampered = {
        ...req,
        receiverFee: BigInt(req.receiverFee) & ((1n << 160n) - 1n),
        fees: BigInt(req.fees) + t.modelFeeWei,
      };
      await expect(oracle.connect(node).fulfil(requestId, tampered, "0x07", 0))
        .to.be.revertedWithCustomError(oracle, "AIOracleRequestMismatch")
        .withArgs(requestId);
    });

    it("refuses a second fulfilment of a settled request", async function () {
      const { oracle, node, requestId, req } = await requestWithCallback(ethers.Wallet.createRandom().address);
      await oracle.connect(node).fulfil(requestId, req, "0x07", 0);
      await expect(oracle.connect(node).fulfil(requestId, req, "0x08", 0))
        .to.be.revertedWithCustomError(oracle, "AIOracleInvalidState")
        .withArgs(requestId, anyValue);
    });
  });

  describe("signature replay", function () {
    it("refuses a ModelToken permit replayed after it was used", async function () {
      const { token, alice, stranger } = await loadFixture(deployProtocol);
      const domain = await token.eip712Domain();
      const value = ethers.parseEther("1");
      const deadline = ethers.MaxUint256;
      const nonce = await token.nonces(alice.address);
      const signature = ethers.Signature.from(
        await alice.signTypedData(
          {
            name: domain.name,
            version: domain.version,
            chainId: domain.chainId,
            verifyingContract: domain.verifyingContract,
          },
          {
            Permit: [
              { name: "owner", type: "address" },
              { name: "spender", type: "address" },
              { name: "value", type: "uint256" },
              { name: "nonce", type: "uint256" },
              { name: "deadline", type: "uint256" },
            ],
          },
          { owner: alice.address, spender: stranger.address, value, nonce, deadline },
        ),
      );
      const permit = () =>
        token.permit(alice.address, stranger.address, value, deadline, signature.v, signature.r, signature.s);
      await expect(permit()).to.emit(token, "Approval").withArgs(alice.address, stranger.address, value);
      await token.connect(stranger).transferFrom(alice.address, stranger.address, value);
      await expect(permit())
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(anyValue, alice.address);
      expect(await token.allowance(alice.address, stranger.address)).to.equal(0n);
    });
  });
});
