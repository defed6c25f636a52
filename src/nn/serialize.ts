/**
 * A module's parameters to and from safetensors: one tensor per dotted parameter name, F32 for float32
 * parameters and F64 for float64, so `safetensors.numpy.load_file` in Python sees the same names and
 * shapes (PyTorch layouts: Linear weight (out, in)). Saving writes atomically (src/io).
 *
 * Loading is strict: the file must hold exactly the module's names with the module's dtypes and shapes
 * (a missing, unexpected, reshaped or retyped tensor is an error naming it), and a truncated or
 * corrupted file fails in the safetensors reader with the path and the problem. Nothing is written into
 * the module until the whole file has been checked. Values are copied bytewise: the round trip is exact.
 *
 * Not here: optimiser state and RNG state (the trainer's checkpoint adds those beside these tensors).
 */
import {
  type SafetensorsDtype,
  type TensorRecord,
  type TensorSpec,
  loadSafetensors,
  loadSafetensorsFile,
  saveSafetensors,
  saveSafetensorsFile,
} from '../io/safetensors.js';
import type { DType } from '../tensor/index.js';
import { type Module, checkSameSpec } from './module.js';

const TO_SAFETENSORS: Record<DType, SafetensorsDtype> = { float32: 'F32', float64: 'F64' };

/** Copies of the parameters as safetensors records, by dotted name in parameter order. */
export function moduleTensors(m: Module): Record<string, TensorRecord> {
  const out: Record<string, TensorRecord> = {};
  for (const [n, p] of m.namedParameters()) out[n] = { dtype: TO_SAFETENSORS[p.dtype], shape: p.shape.slice(), data: p.data.slice() };
  return out;
}

/** What a file must hold to load into `m`: each parameter's dtype and shape. */
export function moduleSpecs(m: Module): Record<string, TensorSpec> {
  const out: Record<string, TensorSpec> = {};
  for (const [n, p] of m.namedParameters()) out[n] = { dtype: TO_SAFETENSORS[p.dtype], shape: p.shape };
  return out;
}

/**
 * Copy `tensors` (e.g. the `tensors` of a loaded file) into the parameters: exactly the module's names,
 * dtypes and shapes; checked completely before anything is written.
 */
export function loadModuleTensors(m: Module, tensors: Readonly<Record<string, TensorRecord>>): void {
  const where = 'loadModuleTensors';
  const named = m.namedParameters();
  const own = new Set(named.map(([n]) => n));
  for (const n of Object.keys(tensors)) {
    if (!own.has(n)) throw new Error(`${where}: tensor "${n}" is unexpected (the module has ${own.size} parameters, none by that name)`);
  }
  for (const [n, p] of named) {
    const t = Object.prototype.hasOwnProperty.call(tensors, n) ? tensors[n] : undefined;
    if (t === undefined) throw new Error(`${where}: tensor "${n}" is missing (expected ${TO_SAFETENSORS[p.dtype]} [${p.shape.join(', ')}])`);
    checkSameSpec(where, n, t.shape, t.dtype, p.shape, TO_SAFETENSORS[p.dtype]);
    const ctor = p.dtype === 'float32' ? Float32Array : Float64Array;
    if (!(t.data instanceof ctor) || t.data.length !== p.size) {
      throw new Error(`${where}: tensor "${n}" data is not a ${ctor.name} of ${p.size} elements`);
    }
  }
  for (const [n, p] of named) (p.data as Float32Array | Float64Array).set(tensors[n].data as Float32Array | Float64Array);
}

/** The bytes of a .safetensors file holding the parameters (and optional string metadata). */
export function moduleToBytes(m: Module, metadata?: Readonly<Record<string, string>>): Uint8Array {
  return saveSafetensors(moduleTensors(m), metadata);
}

/** Load parameters from .safetensors bytes (strict, see the header); returns the file's metadata. */
export function moduleFromBytes(m: Module, bytes: Uint8Array): Record<string, string> | null {
  const file = loadSafetensors(bytes, moduleSpecs(m));
  loadModuleTensors(m, file.tensors);
  return file.metadata;
}

/** Write the parameters to `path` atomically. */
export function saveModule(m: Module, path: string, metadata?: Readonly<Record<string, string>>): void {
  saveSafetensorsFile(path, moduleTensors(m), metadata);
}

/** Load the parameters from `path` (strict; errors name the path and the tensor); returns the metadata. */
export function loadModule(m: Module, path: string): Record<string, string> | null {
  const file = loadSafetensorsFile(path, moduleSpecs(m));
  loadModuleTensors(m, file.tensors);
  return file.metadata;
}
