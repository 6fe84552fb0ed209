/// <reference types="@webgpu/types" />
import type { VectorMetric } from '../../engine/query/vector-scoring';

// The vector scoring kernel on WebGPU: one invocation per row, the same arithmetic as the CPU
// kernel (vector-scoring.ts) in float32. Tabs whose browser gives a WebGPU adapter (headless
// Chromium gives SwiftShader with --enable-unsafe-webgpu) advertise "webgpu" and get vector work.

const WORKGROUP = 64;
/** Rows per dispatch row: WebGPU allows at most 65535 workgroups per dimension. */
const ROWS_PER_Y = 65_535 * WORKGROUP;

const SHADER = /* wgsl */ `
struct Params { rows: u32, dim: u32, metric: u32, queryNorm: f32 }
@group(0) @binding(0) var<storage, read> vectors: array<f32>;
@group(0) @binding(1) var<storage, read> query: array<f32>;
@group(0) @binding(2) var<storage, read_write> scores: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let r = id.x + id.y * ${ROWS_PER_Y}u;
  if (r >= params.rows) { return; }
  let base = r * params.dim;
  var dot = 0.0;
  var norm = 0.0;
  var dist = 0.0;
  for (var j = 0u; j < params.dim; j = j + 1u) {
    let v = vectors[base + j];
    let q = query[j];
    dot = dot + v * q;
    norm = norm + v * v;
    let d = v - q;
    dist = dist + d * d;
  }
  if (params.metric == 0u) {
    let denominator = sqrt(norm) * params.queryNorm;
    scores[r] = select(dot / denominator, 0.0, denominator == 0.0);
  } else if (params.metric == 1u) {
    scores[r] = dot;
  } else {
    scores[r] = sqrt(dist);
  }
}`;

const METRIC_CODES: Record<VectorMetric, number> = { cosine: 0, dot: 1, l2: 2 };

export class WebGpuVectorKernel {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPUComputePipeline,
  ) {}

  /** The kernel on this worker's WebGPU adapter, or undefined when there is none. */
  static async create(): Promise<WebGpuVectorKernel | undefined> {
    const gpu = (globalThis.navigator as Navigator & { gpu?: GPU }).gpu;
    const adapter = await gpu?.requestAdapter().catch(() => null);
    if (!adapter) return undefined;
    const device = await adapter.requestDevice();
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' } });
    return new WebGpuVectorKernel(device, pipeline);
  }

  /** Every row's score against `query`, as the CPU kernel computes it (float32). */
  async score(vectors: Float32Array, dimension: number, query: Float32Array, metric: VectorMetric): Promise<Float32Array> {
    const rows = Math.floor(vectors.length / dimension);
    if (rows === 0) return new Float32Array(0);
    const { device } = this;
    const storage = (data: Float32Array): GPUBuffer => {
      const buffer = device.createBuffer({ size: Math.max(16, data.byteLength), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      return buffer;
    };
    let queryNorm = 0;
    for (const value of query) queryNorm += value * value;
    const params = new ArrayBuffer(16);
    new Uint32Array(params, 0, 3).set([rows, dimension, METRIC_CODES[metric]]);
    new Float32Array(params, 12, 1)[0] = Math.sqrt(queryNorm);
    const vectorBuffer = storage(vectors);
    const queryBuffer = storage(query);
    const scoreBuffer = device.createBuffer({ size: rows * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const paramBuffer = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(paramBuffer, 0, params);
    const readBuffer = device.createBuffer({ size: rows * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const bindGroup = device.createBindGroup({
        layout: this.pipeline.getBindGroupLayout(0),
        entries: [vectorBuffer, queryBuffer, scoreBuffer, paramBuffer].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, bindGroup);
      const groups = Math.ceil(rows / WORKGROUP);
      pass.dispatchWorkgroups(Math.min(groups, 65_535), Math.ceil(groups / 65_535));
      pass.end();
      encoder.copyBufferToBuffer(scoreBuffer, 0, readBuffer, 0, rows * 4);
      device.queue.submit([encoder.finish()]);
      await readBuffer.mapAsync(GPUMapMode.READ);
      return new Float32Array(readBuffer.getMappedRange().slice(0));
    } finally {
      for (const buffer of [vectorBuffer, queryBuffer, scoreBuffer, paramBuffer, readBuffer]) buffer.destroy();
    }
  }
}
