import { decodeBase64, encodeBase64, encodeUtf8 } from './base64';

/**
 * The API carries bytes as standard base64 strings; the client's methods take and give bytes.
 * Inputs named here accept a Uint8Array (a Buffer is one) or a string, which is sent as its
 * UTF-8 bytes (never read as base64). Signatures, MACs and ciphertexts are `kms:v<N>:…` strings
 * and pass through unchanged.
 */
export const BINARY_INPUT_FIELDS = ['plaintext', 'associatedData', 'message'] as const;
/** Outputs decoded to Uint8Array: DecryptResult/DataKey/BatchItemResult.plaintext, ExportedKey.keyMaterial. */
export const BINARY_OUTPUT_FIELDS = ['plaintext', 'keyMaterial'] as const;

export type BinaryInputField = (typeof BINARY_INPUT_FIELDS)[number];
export type BinaryOutputField = (typeof BINARY_OUTPUT_FIELDS)[number];

/** Bytes for a binary input: raw bytes, or a string taken as UTF-8. */
export type BinaryInput = Uint8Array | string;

type Scalar = string | number | boolean | bigint | null | undefined;

/** Swaps `string` for `With` in a field's type, keeping null/undefined. */
type SwapString<T, With> = Exclude<T, string> | (string extends T ? With : never);

/** The generated variables type with binary inputs widened to BinaryInput (arrays may be readonly). */
export type WithBinaryInputs<T> = T extends Scalar
  ? T
  : T extends ReadonlyArray<infer E>
    ? ReadonlyArray<WithBinaryInputs<E>>
    : { [K in keyof T]: K extends BinaryInputField ? SwapString<T[K], BinaryInput> : WithBinaryInputs<T[K]> };

/** The generated result type with binary outputs as Uint8Array. */
export type WithBinaryOutputs<T> = T extends Scalar
  ? T
  : T extends ReadonlyArray<infer E>
    ? Array<WithBinaryOutputs<E>>
    : { [K in keyof T]: K extends BinaryOutputField ? SwapString<T[K], Uint8Array> : WithBinaryOutputs<T[K]> };

const INPUTS: ReadonlySet<string> = new Set(BINARY_INPUT_FIELDS);
const OUTPUTS: ReadonlySet<string> = new Set(BINARY_OUTPUT_FIELDS);

/** Realm-independent (a Buffer from another realm or a jest sandbox is still bytes). */
export function isBytes(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Uint8Array]';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Array.isArray(v);
}

/** Variables as the API wants them: binary input fields as base64. */
export function encodeBinaryInputs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(encodeBinaryInputs);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (INPUTS.has(k) && isBytes(v)) out[k] = encodeBase64(v);
    else if (INPUTS.has(k) && typeof v === 'string') out[k] = encodeBase64(encodeUtf8(v));
    else out[k] = encodeBinaryInputs(v);
  }
  return out;
}

/** A result as the caller gets it: binary output fields decoded to bytes. */
export function decodeBinaryOutputs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeBinaryOutputs);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = OUTPUTS.has(k) && typeof v === 'string' ? decodeBase64(v) : decodeBinaryOutputs(v);
  }
  return out;
}
