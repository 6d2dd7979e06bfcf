import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  bundledModelPath,
  findSharedLibrary,
  prepareWebGpuEnvironment,
  probeExecutionProviders,
} from "../../src/providers";

const stockIcd = (libraryPath: string): string => {
  const dir = mkdtempSync(join(tmpdir(), "axon-icd-"));
  const path = join(dir, "nvidia_icd.json");
  writeFileSync(
    path,
    JSON.stringify({ file_format_version: "1.0.0", ICD: { library_path: libraryPath, api_version: "1.3.277" } }),
  );
  return path;
};

describe("WebGPU environment on a headless NVIDIA host", () => {
  it("writes a copy of the stock ICD naming libEGL_nvidia and sets VK_ICD_FILENAMES", () => {
    const env: NodeJS.ProcessEnv = {};
    const stateDir = mkdtempSync(join(tmpdir(), "axon-state-"));
    const result = prepareWebGpuEnvironment({ env, stateDir, stockIcdPaths: [stockIcd("libGLX_nvidia.so.0")] });
    assert.equal(result.icdWritten, true);
    assert.equal(env.VK_ICD_FILENAMES, join(stateDir, "nvidia_icd_headless.json"));
    const written = JSON.parse(readFileSync(env.VK_ICD_FILENAMES!, "utf8"));
    assert.deepEqual(written, {
      file_format_version: "1.0.0",
      ICD: { library_path: "libEGL_nvidia.so.0", api_version: "1.3.277" },
    });
    assert.ok(result.notes.some((n) => /libGLX_nvidia.so.0, which needs an X display/.test(n)));
  });

  it("uses an ICD that already names a headless library as it is", () => {
    const env: NodeJS.ProcessEnv = {};
    const result = prepareWebGpuEnvironment({
      env,
      stateDir: mkdtempSync(join(tmpdir(), "axon-state-")),
      stockIcdPaths: [stockIcd("libEGL_nvidia.so.0")],
    });
    assert.equal(result.icdWritten, false);
    assert.equal(env.VK_ICD_FILENAMES, undefined);
  });

  it("writes an ICD when the driver is present but no ICD json is installed", () => {
    const env: NodeJS.ProcessEnv = {};
    const stateDir = mkdtempSync(join(tmpdir(), "axon-state-"));
    const result = prepareWebGpuEnvironment({ env, stateDir, stockIcdPaths: [], nvidiaDriver: true });
    assert.equal(result.icdWritten, true);
    assert.equal(JSON.parse(readFileSync(env.VK_ICD_FILENAMES!, "utf8")).ICD.library_path, "libEGL_nvidia.so.0");
  });

  it("leaves a VK_ICD_FILENAMES set by the operator alone", () => {
    const env: NodeJS.ProcessEnv = { VK_ICD_FILENAMES: "/opt/my_icd.json" };
    const result = prepareWebGpuEnvironment({ env, stockIcdPaths: [stockIcd("libGLX_nvidia.so.0")] });
    assert.equal(env.VK_ICD_FILENAMES, "/opt/my_icd.json");
    assert.equal(result.icdWritten, false);
  });

  it("explains that there is no GPU when there is neither driver nor ICD", () => {
    const env: NodeJS.ProcessEnv = {};
    const result = prepareWebGpuEnvironment({ env, stockIcdPaths: [], nvidiaDriver: false });
    assert.equal(result.icdWritten, false);
    assert.ok(result.notes.some((n) => /no NVIDIA driver or Vulkan ICD/.test(n)));
  });

  it("finds the Vulkan loader through LD_LIBRARY_PATH or explains how to get it", () => {
    const dir = mkdtempSync(join(tmpdir(), "axon-lib-"));
    writeFileSync(join(dir, "libvulkan.so.1"), "");
    assert.equal(findSharedLibrary("libvulkan.so.1", { LD_LIBRARY_PATH: dir }), join(dir, "libvulkan.so.1"));
    const result = prepareWebGpuEnvironment({ env: { LD_LIBRARY_PATH: dir }, stockIcdPaths: [], nvidiaDriver: false });
    assert.equal(result.vulkanLoader, join(dir, "libvulkan.so.1"));
    if (!findSharedLibrary("libvulkan.so.1", {})) {
      const missing = prepareWebGpuEnvironment({ env: {}, stockIcdPaths: [], nvidiaDriver: false });
      assert.ok(missing.notes.some((n) => /libvulkan.so.1 not found.*--with-vulkan/.test(n)));
    }
  });
});

describe("execution provider probe", () => {
  it("finds the bundled model", () => {
    assert.ok(existsSync(bundledModelPath()));
  });

  it("reports cpu as available and says why any other provider is not", async () => {
    const probes = await probeExecutionProviders();
    assert.deepEqual(
      probes.map((p) => p.provider),
      ["cpu", "webgpu", "cuda"],
    );
    assert.equal(probes[0].available, true);
    for (const p of probes) {
      assert.match(p.detail, p.available ? /started and ran the model/ : /cannot start: .+/);
    }
    assert.ok(probes[1].notes.length > 0, "webgpu carries the Vulkan explanation");
  });
});
