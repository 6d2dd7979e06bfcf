/**
 * Which ONNX Runtime execution providers actually start on this host, and the environment WebGPU needs on a
 * headless NVIDIA host: ORT's WebGPU EP is Dawn over Vulkan, so it needs the Vulkan loader (libvulkan.so.1) and an
 * NVIDIA ICD. The driver's stock ICD json names libGLX_nvidia.so.0, which finds no device without an X display; the
 * same driver's libEGL_nvidia.so.0 works headless, so we point VK_ICD_FILENAMES at a copy naming it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as ort from "onnxruntime-node";
import type { ExecutionProvider } from "./backends/types";

export const EXECUTION_PROVIDERS: readonly ExecutionProvider[] = ["cpu", "webgpu", "cuda"];
export const BUNDLED_MODEL_FILE = "mnist-mlp.onnx";
export const STOCK_ICD_PATHS = ["/usr/share/vulkan/icd.d/nvidia_icd.json", "/etc/vulkan/icd.d/nvidia_icd.json"];
const HEADLESS_NVIDIA_LIBRARY = "libEGL_nvidia.so.0";
const LIBRARY_DIRS = ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib"];

/** Finds offchain/models/<file> from this module, whether it runs from src/ (ts-node) or from a dist/ layout. */
export function bundledModelPath(file = BUNDLED_MODEL_FILE): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, "models", file);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`bundled model ${file} not found above ${__dirname}`);
  }
}

/** Where a shared library would be found: LD_LIBRARY_PATH first, then the usual system directories. */
export function findSharedLibrary(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.LD_LIBRARY_PATH ?? "").split(":").filter(Boolean), ...LIBRARY_DIRS];
  return dirs.map((dir) => join(dir, name)).find((path) => existsSync(path));
}

export interface WebGpuEnvironmentOptions {
  env?: NodeJS.ProcessEnv;
  /** Directory the headless ICD json is written to. */
  stateDir?: string;
  stockIcdPaths?: string[];
  /** Whether the NVIDIA driver is present; default: /proc/driver/nvidia/version exists or libEGL_nvidia is found. */
  nvidiaDriver?: boolean;
}

export interface WebGpuEnvironment {
  vulkanLoader?: string;
  icdFile?: string;
  /** True when this call set VK_ICD_FILENAMES. */
  icdWritten: boolean;
  notes: string[];
}

let prepared: WebGpuEnvironment | undefined;

/**
 * Makes the Vulkan ICD usable headless (idempotent per process when called without options): if
 * VK_ICD_FILENAMES is unset and the stock NVIDIA ICD names libGLX_nvidia (or there is a driver but no ICD json),
 * writes an ICD json naming libEGL_nvidia.so.0 into stateDir and sets VK_ICD_FILENAMES before any session exists.
 */
export function prepareWebGpuEnvironment(options?: WebGpuEnvironmentOptions): WebGpuEnvironment {
  if (!options && prepared) return prepared;
  const env = options?.env ?? process.env;
  const notes: string[] = [];
  const result: WebGpuEnvironment = { icdWritten: false, notes };
  result.vulkanLoader = findSharedLibrary("libvulkan.so.1", env);
  notes.push(
    result.vulkanLoader
      ? `Vulkan loader found: ${result.vulkanLoader}`
      : "Vulkan loader libvulkan.so.1 not found: WebGPU (Dawn over Vulkan) cannot start. Install it (apt-get install " +
          "libvulkan1) or use the GPU bundle built with --with-vulkan, whose launcher puts its lib/ on LD_LIBRARY_PATH " +
          "(the dynamic loader reads LD_LIBRARY_PATH only at process start).",
  );
  if (env.VK_ICD_FILENAMES) {
    result.icdFile = env.VK_ICD_FILENAMES;
    notes.push(`VK_ICD_FILENAMES is already set (${env.VK_ICD_FILENAMES}); left as it is`);
  } else {
    const stock = (options?.stockIcdPaths ?? STOCK_ICD_PATHS).find((path) => existsSync(path));
    const headlessLib = findSharedLibrary(HEADLESS_NVIDIA_LIBRARY, env);
    const driver = options?.nvidiaDriver ?? (existsSync("/proc/driver/nvidia/version") || headlessLib !== undefined);
    let icd: { file_format_version: string; ICD: { library_path: string; api_version: string } } | undefined;
    if (stock) {
      const parsed = JSON.parse(readFileSync(stock, "utf8"));
      const library: string = parsed?.ICD?.library_path ?? "";
      if (library.includes("libGLX_nvidia")) {
        notes.push(
          `stock NVIDIA ICD ${stock} names ${library}, which needs an X display; a headless copy names ${HEADLESS_NVIDIA_LIBRARY}`,
        );
        icd = { ...parsed, ICD: { ...parsed.ICD, library_path: HEADLESS_NVIDIA_LIBRARY } };
      } else {
        notes.push(`NVIDIA ICD ${stock} names ${library}; used as it is`);
      }
    } else if (driver) {
      notes.push(`NVIDIA driver present but no Vulkan ICD json; writing one that names ${HEADLESS_NVIDIA_LIBRARY}`);
      icd = { file_format_version: "1.0.0", ICD: { library_path: HEADLESS_NVIDIA_LIBRARY, api_version: "1.3.0" } };
    } else {
      notes.push("no NVIDIA driver or Vulkan ICD found: WebGPU has no GPU adapter on this host");
    }
    if (icd) {
      const dir = options?.stateDir ?? join(tmpdir(), "axon-runner");
      mkdirSync(dir, { recursive: true });
      const file = join(dir, "nvidia_icd_headless.json");
      writeFileSync(file, JSON.stringify(icd, null, 2) + "\n");
      env.VK_ICD_FILENAMES = file;
      result.icdFile = file;
      result.icdWritten = true;
      notes.push(`set VK_ICD_FILENAMES=${file}`);
      if (!headlessLib) notes.push(`warning: ${HEADLESS_NVIDIA_LIBRARY} was not found in the library path`);
    }
  }
  if (!options) prepared = result;
  return result;
}

export interface ProviderProbe {
  provider: ExecutionProvider;
  available: boolean;
  /** One line: why it is (not) available. */
  detail: string;
  /** Further explanations, e.g. the Vulkan loader and ICD handling for WebGPU. */
  notes: string[];
  /** Milliseconds to create the session and run one inference. */
  ms?: number;
}

/** Tries each execution provider on a model (default: the bundled digit model) by creating a session and running it. */
export async function probeExecutionProviders(
  modelPath: string = bundledModelPath(),
  providers: readonly ExecutionProvider[] = EXECUTION_PROVIDERS,
): Promise<ProviderProbe[]> {
  const probes: ProviderProbe[] = [];
  for (const provider of providers) {
    const notes = provider === "webgpu" ? prepareWebGpuEnvironment().notes : [];
    if (provider === "cuda")
      notes.push(
        "the CUDA EP needs CUDA 12 runtime libraries and onnxruntime-node's CUDA binaries (installed only when ONNXRUNTIME_NODE_INSTALL is not skip)",
      );
    const started = Date.now();
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: [provider],
        logSeverityLevel: 4,
      });
      try {
        const meta = session.inputMetadata[0];
        const dims = meta && meta.isTensor ? meta.shape.map((d) => (typeof d === "number" ? d : 1)) : [1, 784];
        const size = dims.reduce((a, b) => a * b, 1);
        const type = meta && meta.isTensor && meta.type === "float32" ? "float32" : "uint8";
        const data = type === "float32" ? new Float32Array(size) : new Uint8Array(size);
        await session.run({ [session.inputNames[0]]: new ort.Tensor(type, data, dims) });
      } finally {
        await session.release();
      }
      probes.push({
        provider,
        available: true,
        detail: `${provider} started and ran the model`,
        notes,
        ms: Date.now() - started,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      probes.push({
        provider,
        available: false,
        detail: `${provider} cannot start: ${reason}`,
        notes,
        ms: Date.now() - started,
      });
    }
  }
  return probes;
}
