/** A small helper for writing ONNX graphs in TypeScript (opset 17, float32). */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const BOOL = onnx.TensorProto.DataType.BOOL;
const INT64 = onnx.TensorProto.DataType.INT64;

type Dim = number | string;
type Attribute = number | number[] | string;

export class GraphBuilder {
	private nodes: InstanceType<typeof onnx.NodeProto>[] = [];
	private initializers: InstanceType<typeof onnx.TensorProto>[] = [];
	private inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
	private outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
	private counter = 0;

	constructor(private readonly name: string) {}

	input(name: string, dims: Dim[], type: 'float' | 'bool' | 'int64' = 'float'): string {
		this.inputs.push(valueInfo(name, dims, type === 'bool' ? BOOL : type === 'int64' ? INT64 : FLOAT));
		return name;
	}

	output(name: string, dims: Dim[]): void {
		this.outputs.push(valueInfo(name, dims, FLOAT));
	}

	/** A float constant baked into the graph. */
	weight(name: string, dims: number[], data: Float32Array): string {
		const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
		this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData: bytes }));
		return name;
	}

	ints(values: number[]): string {
		const name = `const_${this.counter++}`;
		const data = new BigInt64Array(values.map(BigInt));
		this.initializers.push(onnx.TensorProto.create({ name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(data.buffer) }));
		return name;
	}

	scalar(value: number): string {
		return this.weight(`const_${this.counter++}`, [], new Float32Array([value]));
	}

	/** Adds a node; returns its (first) output name, or `output` when given. */
	op(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, output?: string): string {
		const out = output ?? `${opType.toLowerCase()}_${this.counter++}`;
		const attribute = Object.entries(attributes).map(([name, value]) => attributeOf(name, value));
		this.nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: [out], attribute }));
		return out;
	}

	build(): Uint8Array {
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
		return onnx.ModelProto.encode(model).finish();
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
