/**
 * The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, proto2) this project writes and
 * reads, with the official field numbers and packing, built with protobufjs reflection. Field
 * names stay snake_case as in the .proto file.
 */
import { Root, type Type } from 'protobufjs';
import { AppError } from '../../errors';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface TensorMessage {
  name?: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
  doc_string?: string;
}

export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeMessage {
  input: string[];
  output: string[];
  name?: string;
  op_type: string;
  domain?: string;
  attribute?: AttributeMessage[];
  doc_string?: string;
}

export interface DimensionMessage {
  dim_value?: number;
  dim_param?: string;
}

export interface ValueInfoMessage {
  name: string;
  type: { tensor_type: { elem_type: number; shape?: { dim: DimensionMessage[] } } };
  doc_string?: string;
}

export interface GraphMessage {
  node: NodeMessage[];
  name: string;
  initializer?: TensorMessage[];
  doc_string?: string;
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
  value_info?: ValueInfoMessage[];
}

export interface OperatorSetIdMessage {
  domain: string;
  version: number;
}

export interface ModelMessage {
  ir_version: number;
  opset_import: OperatorSetIdMessage[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph: GraphMessage;
  metadata_props?: Array<{ key: string; value: string }>;
}

const E = { edition: 'proto2' } as const;
const PACKED = { packed: true };
const EXPANDED = { packed: false };

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          ...E,
          fields: {
            name: { type: 'string', id: 1 },
            ref_attr_name: { type: 'string', id: 21 },
            doc_string: { type: 'string', id: 13 },
            type: { type: 'AttributeType', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: { rule: 'repeated', type: 'float', id: 7, options: EXPANDED },
            ints: { rule: 'repeated', type: 'int64', id: 8, options: EXPANDED },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            tensors: { rule: 'repeated', type: 'TensorProto', id: 10 },
            graphs: { rule: 'repeated', type: 'GraphProto', id: 11 },
          },
          nested: {
            AttributeType: {
              ...E,
              values: {
                UNDEFINED: 0,
                FLOAT: 1,
                INT: 2,
                STRING: 3,
                TENSOR: 4,
                GRAPH: 5,
                SPARSE_TENSOR: 11,
                TYPE_PROTO: 13,
                FLOATS: 6,
                INTS: 7,
                STRINGS: 8,
                TENSORS: 9,
                GRAPHS: 10,
                SPARSE_TENSORS: 12,
                TYPE_PROTOS: 14,
              },
            },
          },
        },
        ValueInfoProto: {
          ...E,
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            doc_string: { type: 'string', id: 3 },
          },
        },
        NodeProto: {
          ...E,
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            doc_string: { type: 'string', id: 6 },
          },
        },
        ModelProto: {
          ...E,
          fields: {
            ir_version: { type: 'int64', id: 1 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 },
            doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadata_props: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        StringStringEntryProto: {
          ...E,
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        GraphProto: {
          ...E,
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            doc_string: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            value_info: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        TensorProto: {
          ...E,
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1, options: EXPANDED },
            data_type: { type: 'int32', id: 2 },
            float_data: { rule: 'repeated', type: 'float', id: 4, options: PACKED },
            int32_data: { rule: 'repeated', type: 'int32', id: 5, options: PACKED },
            string_data: { rule: 'repeated', type: 'bytes', id: 6 },
            int64_data: { rule: 'repeated', type: 'int64', id: 7, options: PACKED },
            name: { type: 'string', id: 8 },
            doc_string: { type: 'string', id: 12 },
            raw_data: { type: 'bytes', id: 9 },
            double_data: { rule: 'repeated', type: 'double', id: 10, options: PACKED },
            uint64_data: { rule: 'repeated', type: 'uint64', id: 11, options: PACKED },
          },
        },
        TensorShapeProto: {
          ...E,
          fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } },
          nested: {
            Dimension: {
              ...E,
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: {
                dim_value: { type: 'int64', id: 1 },
                dim_param: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        TypeProto: {
          ...E,
          oneofs: { value: { oneof: ['tensor_type'] } },
          fields: {
            tensor_type: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              ...E,
              fields: {
                elem_type: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        OperatorSetIdProto: {
          ...E,
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
      },
    },
  },
};

let root: Root | undefined;

/** The reflected message type `onnx.<name>` (e.g. 'ModelProto'). */
export function onnxType(name: string): Type {
  root ??= Root.fromJSON(SCHEMA);
  return root.lookupType(`onnx.${name}`);
}

export function encodeModel(model: ModelMessage): Uint8Array {
  const type = onnxType('ModelProto');
  return type.encode(type.fromObject(model as unknown as Record<string, unknown>)).finish();
}

/** Decodes a ModelProto (int64 as numbers); throws a 'bad_request' AppError when the bytes are not one. */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  const type = onnxType('ModelProto');
  try {
    return type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true }) as ModelMessage;
  } catch (err) {
    throw new AppError('bad_request', `not an ONNX model: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** Little-endian float32 bytes, the layout TensorProto.raw_data requires. */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}
