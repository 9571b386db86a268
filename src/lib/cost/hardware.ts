/**
 * Hardware presets for the roofline: dense FP16 peak, memory bandwidth and capacity, and the
 * link to host memory that KV offloading crosses. Vendor figures unless marked approximate.
 */
export interface HardwarePreset {
	id: string;
	name: string;
	/** Dense FP16 (tensor) FLOP/s. */
	peakFlops: number;
	/** Bytes/s of the memory the weights and KV live in. */
	bandwidth: number;
	/** Bytes of that memory. */
	memory: number;
	/** Bytes/s to the memory KV spills to (PCIe to host, or SSD for unified memory). */
	hostBandwidth: number;
	source: string;
	approximate: boolean;
}

const G = 1e9;
const T = 1e12;

export const HARDWARE_PRESETS: readonly HardwarePreset[] = [
	{ id: 'phone', name: 'Phone (Snapdragon 8 Gen 3 NPU)', peakFlops: 17 * T, bandwidth: 68.3 * G, memory: 12 * G, hostBandwidth: 4 * G, source: 'Qualcomm product brief (LPDDR5X-8533 × 64-bit = 68.3 GB/s); FP16 ≈ half the NPU INT8 TOPS, UFS 4.0 ≈ 4 GB/s', approximate: true },
	{ id: 'laptop', name: 'Laptop GPU (RTX 4060 Laptop)', peakFlops: 30 * T, bandwidth: 256 * G, memory: 8 * G, hostBandwidth: 16 * G, source: 'NVIDIA spec (128-bit GDDR6 at 16 Gbps = 256 GB/s, 8 GB); FP16 tensor rate estimated; PCIe 4.0 ×8', approximate: true },
	{ id: 'm3-max', name: 'Apple M3 Max (40-core GPU)', peakFlops: 14.2 * T, bandwidth: 400 * G, memory: 128 * G, hostBandwidth: 6 * G, source: 'Apple M3 Max spec (400 GB/s unified memory); ≈14.2 TFLOPS GPU FP32, FP16 at the same rate; spills to SSD', approximate: true },
	{ id: 'rtx-4090', name: 'NVIDIA RTX 4090', peakFlops: 165.2 * T, bandwidth: 1008 * G, memory: 24 * G, hostBandwidth: 32 * G, source: 'NVIDIA Ada whitepaper: FP16 tensor (FP32 accumulate) 165.2 TFLOPS, 1008 GB/s GDDR6X, PCIe 4.0 ×16', approximate: false },
	{ id: 'a100', name: 'NVIDIA A100 80GB SXM', peakFlops: 312 * T, bandwidth: 2039 * G, memory: 80 * G, hostBandwidth: 32 * G, source: 'NVIDIA A100 datasheet (312 TFLOPS FP16 dense, 2039 GB/s HBM2e); PCIe 4.0 ×16; same as LLM-Viewer', approximate: false },
	{ id: 'h100', name: 'NVIDIA H100 SXM', peakFlops: 989.5 * T, bandwidth: 3350 * G, memory: 80 * G, hostBandwidth: 64 * G, source: 'NVIDIA H100 datasheet (989.5 TFLOPS FP16 dense, 3.35 TB/s HBM3); PCIe 5.0 ×16', approximate: false }
];

export function findHardware(id: string): HardwarePreset | undefined {
	return HARDWARE_PRESETS.find((h) => h.id === id);
}
