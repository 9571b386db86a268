/** A small helper for writing ONNX graphs in TypeScript (opset 17, float32). */
import onnxProto from 'onnx-proto';
import { toHalf } from './dtypes';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const FLOAT16 = onnx.TensorProto.DataType.FLOAT16;
const EXTERNAL = onnx.TensorProto.DataLocation.EXTERNAL;
const BOOL = onnx.TensorProto.DataType.BOOL;
const INT64 = onnx.TensorProto.DataType.INT64;

type Dim = number | string;

/**
 * A model's bytes, and its weights beside them as onnxruntime-web's external data: it copies each
 * weight straight into the tensor that holds it (in its heap, or a GPU buffer), where weights
 * inside the model's bytes would be copied into its heap, parsed and copied again.
 */
export interface OnnxModel {
	bytes: Uint8Array;
	externalData: { path: string; data: Uint8Array }[];
}
type Attribute = number | number[] | string;

export class GraphBuilder {
	private nodes: InstanceType<typeof onnx.NodeProto>[] = [];
	private initializers: InstanceType<typeof onnx.TensorProto>[] = [];
	private inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
	private outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
	private external: OnnxModel['externalData'] = [];
	private counter = 0;

	/** `halfMatrices`: matrices are kept in f16 and cast to f32 where a call uses them (see `matrix`). */
	constructor(
		private readonly name: string,
		private readonly halfMatrices = false
	) {}

	input(name: string, dims: Dim[], type: 'float' | 'bool' | 'int64' = 'float'): string {
		this.inputs.push(valueInfo(name, dims, type === 'bool' ? BOOL : type === 'int64' ? INT64 : FLOAT));
		return name;
	}

	output(name: string, dims: Dim[], type: 'float' | 'int64' = 'float'): void {
		this.outputs.push(valueInfo(name, dims, type === 'int64' ? INT64 : FLOAT));
	}

	/** A float constant, held as external data: `data` must not change until the session exists. */
	weight(name: string, dims: number[], data: Float32Array): string {
		return this.externalWeight(name, dims, FLOAT, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
	}

	/**
	 * A MatMul's weights: f32, or where the builder keeps matrices in half precision and the values
	 * fit, f16 with a Cast to f32 that runs with each call, so the session holds half the bytes.
	 */
	matrix(name: string, dims: number[], data: Float32Array): string {
		const bits = this.halfMatrices ? toHalf(data) : null;
		if (!bits) return this.weight(name, dims, data);
		return this.op('Cast', [this.externalWeight(`${name}.f16`, dims, FLOAT16, new Uint8Array(bits.buffer))], { to: FLOAT }, name);
	}

	private externalWeight(name: string, dims: number[], dataType: number, data: Uint8Array): string {
		const externalData = [
			{ key: 'location', value: name },
			{ key: 'offset', value: '0' },
			{ key: 'length', value: String(data.byteLength) }
		];
		this.initializers.push(onnx.TensorProto.create({ name, dims, dataType, dataLocation: EXTERNAL, externalData }));
		this.external.push({ path: name, data });
		return name;
	}

	ints(values: number[]): string {
		const name = `const_${this.counter++}`;
		const data = new BigInt64Array(values.map(BigInt));
		this.initializers.push(onnx.TensorProto.create({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) }));
		return name;
	}

	scalar(value: number): string {
		const name = `const_${this.counter++}`;
		this.initializers.push(onnx.TensorProto.create({ name, dims: [], dataType: FLOAT, rawData: new Uint8Array(Float32Array.of(value).buffer) }));
		return name;
	}

	/** Adds a node; returns its (first) output name, or `output` when given. */
	op(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, output?: string): string {
		const out = output ?? `${opType.toLowerCase()}_${this.counter++}`;
		const attribute = Object.entries(attributes).map(([name, value]) => attributeOf(name, value));
		this.nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: [out], attribute }));
		return out;
	}

	build(): OnnxModel {
		const graph = onnx.GraphProto.create({
			name: this.name,
			node: this.nodes,
			initializer: this.initializers,
			input: this.inputs,
			output: this.outputs
		});
		const model = onnx.ModelProto.create({
			irVersion: 8,
			opsetImport: [{ domain: '', version: 17 }],
			producerName: 'longscope',
			graph
		});
		return { bytes: onnx.ModelProto.encode(model).finish(), externalData: this.external };
	}
}

function valueInfo(name: string, dims: Dim[], elemType: number) {
	return onnx.ValueInfoProto.create({
		name,
		type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } }
	});
}

function attributeOf(name: string, value: Attribute) {
	const type = onnx.AttributeProto.AttributeType;
	if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: type.STRING, s: new TextEncoder().encode(value) });
	if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: type.INTS, ints: value });
	if (Number.isInteger(value)) return onnx.AttributeProto.create({ name, type: type.INT, i: value });
	return onnx.AttributeProto.create({ name, type: type.FLOAT, f: value });
}
