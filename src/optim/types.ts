/**
 * The minimal view of a trainable parameter that the optimizer and gradient clipping need.
 *
 * What it is: a structural interface, so `src/optim` depends on no tensor class. The Tensor class of
 * `src/tensor` satisfies it (its `data` and `grad.data` are its own contiguous row-major storage).
 * What it is not: a tensor. Nothing here reads strides or views; `data` must be the parameter's whole,
 * contiguous storage, and `grad.data` must have the same length.
 */

/** The element storage of a parameter or its gradient. */
export type FloatArray = Float32Array | Float64Array;

/** A parameter as the optimizer sees it: values, shape, and the accumulated gradient (null: none this step). */
export interface ParamLike {
  readonly data: FloatArray;
  grad: { readonly data: FloatArray } | null;
  readonly shape: readonly number[];
}

/**
 * Parameters handed to an optimizer or to `clipGradNorm`: named (a record, the stable dotted names a
 * module exposes; names appear in error messages and in the optimizer's state dict) or positional.
 */
export type Params = Readonly<Record<string, ParamLike>> | readonly ParamLike[];

/** [name, param] pairs in a fixed order: record keys in insertion order, arrays as "0", "1", …. */
export function namedParams(params: Params): Array<[string, ParamLike]> {
  if (Array.isArray(params)) return (params as readonly ParamLike[]).map((p, i) => [String(i), p]);
  return Object.entries(params as Readonly<Record<string, ParamLike>>);
}
