import { onnx } from "onnx-proto";
import type { DenseLayer } from "./mlp";
import { CLASSES, IMAGE_BYTES } from "./mnist";

export const ONNX_OPSET = 13;
export const INPUT_NAME = "input";
export const OUTPUT_NAME = "logits";

function floatTensor(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  // raw_data is little-endian by the ONNX spec; copy so the bytes do not depend on the host's endianness.
  const raw = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => raw.writeFloatLE(v, i * 4));
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: raw };
}

function valueInfo(name: string, elemType: onnx.TensorProto.DataType, width: number): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimParam: "N" }, { dimValue: width }] } } },
  };
}

/**
 * Builds the ONNX graph of an MLP: uint8 input [N, 784] → Cast(float) → Div(255) → (Gemm → Relu)* → Gemm → logits
 * [N, 10]. The preprocessing lives in the graph so every backend (cpu, webgpu, cuda) feeds the same bytes.
 */
export function exportMlp(layers: DenseLayer[], docString: string, options: { floatInput?: boolean } = {}): Uint8Array {
  const initializer: onnx.ITensorProto[] = options.floatInput
    ? []
    : [floatTensor("scale", [], new Float32Array([255]))];
  const preprocessing: onnx.INodeProto[] = [
    {
      opType: "Cast",
      input: [INPUT_NAME],
      output: ["input_f"],
      name: "cast",
      attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }],
    },
    { opType: "Div", input: ["input_f", "scale"], output: ["x0"], name: "normalise" },
  ];
  // A float input takes already-normalised values (the backend divides by 255 itself).
  const node = options.floatInput ? [] : preprocessing;
  let current = options.floatInput ? INPUT_NAME : "x0";
  layers.forEach((layer, l) => {
    const last = l === layers.length - 1;
    initializer.push(floatTensor(`W${l}`, [layer.inputs, layer.outputs], layer.weights));
    initializer.push(floatTensor(`b${l}`, [layer.outputs], layer.bias));
    const gemmOut = last ? OUTPUT_NAME : `z${l}`;
    node.push({ opType: "Gemm", input: [current, `W${l}`, `b${l}`], output: [gemmOut], name: `gemm${l}` });
    if (!last) {
      node.push({ opType: "Relu", input: [gemmOut], output: [`h${l}`], name: `relu${l}` });
      current = `h${l}`;
    }
  });
  const model: onnx.IModelProto = {
    irVersion: 7,
    producerName: "axon-runner model:train",
    producerVersion: "1",
    docString,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    graph: {
      name: "mnist_mlp",
      node,
      initializer,
      input: [
        valueInfo(
          INPUT_NAME,
          options.floatInput ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.UINT8,
          IMAGE_BYTES,
        ),
      ],
      output: [valueInfo(OUTPUT_NAME, onnx.TensorProto.DataType.FLOAT, CLASSES)],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
