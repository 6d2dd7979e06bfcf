import type { Address, Hex } from "viem";
import { type AxonContext, type WriteOptions, type WriteResult, accountOf, address, read, write } from "../context.js";
import { AxonConfigError } from "../errors/base.js";
import { dataMarketAbi } from "../generated/abis.js";
import type { ViewReturn, WriteArgs } from "./types.js";

type A = typeof dataMarketAbi;
/** `list` parameters: content and license hashes/URIs, price and payment asset, contributors' royalties, provenance. */
export type ListingParams = WriteArgs<A, "list">[0];
/** `getDataset`: seller, status, key version, royalties, price, and the key's ciphertext handle. */
export type Dataset = ViewReturn<A, "getDataset">;

/** Chains whose fhevm coprocessor and KMS the Zama relayer serves (the dataset key can be decrypted there). */
export const RELAYER_CHAINS: Readonly<Record<number, string>> = { 11155111: "Sepolia" };

/** An FHE-encrypted dataset key as `list` takes it: the handle and proof from the relayer SDK's `createEncryptedInput`. */
export interface EncryptedKey {
  handle: Hex;
  inputProof: Hex;
}

/** Options of `data.decryptKey`. */
export interface DecryptKeyOptions {
  /** The relayer SDK instance config (default: its `SepoliaConfig` with the client's transport URL as network). */
  relayerConfig?: Record<string, unknown>;
  /** How long the user-decryption permit lasts (days, default 1). */
  durationDays?: number;
}

/** The data market: list and buy datasets, decrypt a bought dataset's key through the fhevm relayer. */
export class DataClient {
  readonly abi = dataMarketAbi;
  constructor(private readonly ctx: AxonContext) {}

  get address(): Address {
    return address(this.ctx, "DataMarket");
  }

  /** Lists a dataset whose key is FHE-encrypted for this contract; returns its id. Needs an fhevm network. */
  async list(
    params: ListingParams,
    key: EncryptedKey,
    options?: WriteOptions,
  ): Promise<WriteResult<bigint> & { datasetId: bigint }> {
    const res = await write<bigint>(
      this.ctx,
      { address: this.address, abi: dataMarketAbi, functionName: "list", args: [params, key.handle, key.inputProof] },
      options,
    );
    return { ...res, datasetId: res.result };
  }

  /**
   * Buys a licence at the listed price, paying at most `maxPrice` (default: the current price). ETH datasets are
   * paid with `value`; ERC-20 datasets need an allowance to the market first.
   */
  async buy(datasetId: bigint, maxPrice?: bigint, options?: WriteOptions): Promise<WriteResult<void>> {
    const d = await this.get(datasetId);
    const max = maxPrice ?? d.priceAmount;
    const isEth = d.paymentAsset === "0x0000000000000000000000000000000000000000";
    return write(
      this.ctx,
      {
        address: this.address,
        abi: dataMarketAbi,
        functionName: "purchase",
        args: [datasetId, max],
        ...(isEth ? { value: max } : {}),
      },
      options,
    );
  }

  /** Grants the buyer decryption access to the key once the grant delay passed (anyone). */
  claimAccess(datasetId: bigint, buyer?: Address, options?: WriteOptions): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      {
        address: this.address,
        abi: dataMarketAbi,
        functionName: "claimAccess",
        args: [datasetId, buyer ?? accountOf(this.ctx)],
      },
      options,
    );
  }

  /** Withdraws the account's credit in `asset` (zero address: ETH). */
  withdraw(
    asset: Address = "0x0000000000000000000000000000000000000000",
    options?: WriteOptions,
  ): Promise<WriteResult<void>> {
    return write(
      this.ctx,
      { address: this.address, abi: dataMarketAbi, functionName: "withdraw", args: [asset] },
      options,
    );
  }

  /** A dataset's record. */
  get(datasetId: bigint): Promise<Dataset> {
    return read(this.ctx, { address: this.address, abi: dataMarketAbi, functionName: "getDataset", args: [datasetId] });
  }

  /** Whether `account` (default: the wallet account) may decrypt the dataset's current key. */
  hasAccess(datasetId: bigint, account?: Address): Promise<boolean> {
    return read(this.ctx, {
      address: this.address,
      abi: dataMarketAbi,
      functionName: "hasAccess",
      args: [datasetId, account ?? accountOf(this.ctx)],
    });
  }

  /**
   * Decrypts the dataset's key for the wallet account (which must hold access: `buy`, then `claimAccess` where the
   * market has a grant delay). By default through the Zama relayer (`relayerKeyDecryptor`, `@zama-fhe/relayer-sdk`
   * as an optional peer dependency): a fresh keypair, an EIP-712 permit signed by the wallet, then `userDecrypt`; on a
   * chain the relayer does not serve it throws AxonConfigError before any network call. Pass `decryptor` for another
   * route (a local fhevm mock, a custom KMS client).
   */
  async decryptKey(datasetId: bigint, options: DecryptKeyOptions & { decryptor?: KeyDecryptor } = {}): Promise<bigint> {
    const decryptor = options.decryptor ?? relayerKeyDecryptor(options);
    const wallet = this.ctx.walletClient;
    const account = wallet?.account;
    if (!wallet || !account)
      throw new AxonConfigError("decryptKey signs a decryption permit: pass a walletClient with an account");
    const chainId = this.ctx.addresses.chainId;
    decryptor.check?.(chainId);
    const { key } = await this.get(datasetId);
    return decryptor.decrypt({
      handle: key,
      contractAddress: this.address,
      user: account.address,
      chainId,
      publicClient: this.ctx.publicClient,
      walletClient: wallet,
    });
  }
}

/** What a `KeyDecryptor` is asked to decrypt: a dataset key's ciphertext handle, for `user`, under `contractAddress`. */
export interface KeyDecryptRequest {
  /** The euint256 ciphertext handle (`Dataset.key`). */
  handle: Hex;
  /** The contract holding the ACL permission (the DataMarket). */
  contractAddress: Address;
  /** The buyer, whose wallet signs the decryption permit. */
  user: Address;
  chainId: number;
  publicClient: AxonContext["publicClient"];
  walletClient: NonNullable<AxonContext["walletClient"]>;
}

/**
 * Decrypts an FHE-encrypted dataset key for its buyer: the data client's pluggable route to the fhevm KMS. The SDK
 * ships `relayerKeyDecryptor` (Zama's relayer, public testnets); tests on the Hardhat fhevm mock plug in
 * `fhevm.userDecryptEuint` (see docs/INTEGRATING.md).
 */
export interface KeyDecryptor {
  /** Throws (before any network call) when this decryptor cannot serve `chainId`. */
  check?(chainId: number): void;
  /** The key as a 256-bit integer. */
  decrypt(request: KeyDecryptRequest): Promise<bigint>;
}

/** The Zama relayer decryptor (`@zama-fhe/relayer-sdk`, an optional peer dependency), for `RELAYER_CHAINS`. */
export function relayerKeyDecryptor(options: DecryptKeyOptions = {}): KeyDecryptor {
  return {
    check(chainId) {
      if (!RELAYER_CHAINS[chainId])
        throw new AxonConfigError(
          `decrypting a dataset key needs the Zama fhevm relayer, which serves ${Object.entries(RELAYER_CHAINS)
            .map(([id, n]) => `${n} (${id})`)
            .join(
              ", ",
            )}; chain ${chainId} has none (on a local fhevm mock, pass a \`decryptor\` backed by the Hardhat fhevm plugin)`,
        );
    },
    async decrypt({ handle, contractAddress, user, publicClient, walletClient }) {
      const sdk = (await import("@zama-fhe/relayer-sdk/node")) as unknown as RelayerSdk;
      const url = (publicClient.transport as { url?: string }).url;
      const instance = await sdk.createInstance({ ...sdk.SepoliaConfig, network: url, ...options.relayerConfig });
      const keypair = instance.generateKeypair();
      const start = Math.floor(Date.now() / 1000);
      const days = options.durationDays ?? 1;
      const eip712 = instance.createEIP712(keypair.publicKey, [contractAddress], start, days);
      const signature = await walletClient.signTypedData({
        account: walletClient.account!,
        domain: eip712.domain,
        types: { UserDecryptRequestVerification: eip712.types.UserDecryptRequestVerification },
        primaryType: "UserDecryptRequestVerification",
        message: eip712.message,
      } as never);
      const out = await instance.userDecrypt(
        [{ handle, contractAddress }],
        keypair.privateKey,
        keypair.publicKey,
        signature.replace(/^0x/, ""),
        [contractAddress],
        user,
        start,
        days,
      );
      return BigInt(out[handle] as bigint | string);
    },
  };
}

/** The part of the relayer SDK decryptKey uses. @internal */
interface RelayerSdk {
  SepoliaConfig: Record<string, unknown>;
  createInstance(config: Record<string, unknown>): Promise<{
    generateKeypair(): { publicKey: string; privateKey: string };
    createEIP712(
      publicKey: string,
      contracts: string[],
      start: number,
      days: number,
    ): {
      domain: Record<string, unknown>;
      types: Record<string, unknown>;
      message: Record<string, unknown>;
    };
    userDecrypt(
      handles: { handle: string; contractAddress: string }[],
      privateKey: string,
      publicKey: string,
      signature: string,
      contracts: string[],
      user: string,
      start: number,
      days: number,
    ): Promise<Record<string, unknown>>;
  }>;
}

/** `IDataMarket.DatasetStatus`. */
export const DatasetStatus = { None: 0, Listed: 1, Delisted: 2 } as const;
