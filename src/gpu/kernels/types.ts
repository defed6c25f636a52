/**
 * The `this` a gpu.js kernel function sees, typed for our kernels: the thread's output coordinates and
 * the compiled-in constants. Kernel functions are plain functions in gpu.js's kernel language (a subset of
 * JavaScript: numbers, loops with static bounds, no closures, no method calls but Math.*); gpu.js parses
 * their source text, so they must not capture anything from the enclosing module.
 */
export interface KernelThis<C> {
  readonly thread: { readonly x: number; readonly y: number; readonly z: number };
  readonly constants: C;
}

/** Where operand element (t, r, c) lives in its flat storage: off + t·bs + r·rs + c·cs. */
export interface Layout {
  readonly off: number;
  /** Batch stride (0 broadcasts one matrix over the batch). */
  readonly bs: number;
  readonly rs: number;
  readonly cs: number;
}

export const rowMajor = (rows: number, cols: number): Layout => ({ off: 0, bs: rows * cols, rs: cols, cs: 1 });
/** The transpose of a row-major (cols × rows) matrix, read as rows × cols. */
export const transposed = (rows: number, cols: number): Layout => ({ off: 0, bs: rows * cols, rs: 1, cs: rows });

/**
 * Float32 represents every integer up to 2^24 exactly; GL kernels do their index arithmetic in float, so
 * a flat index past that would silently read the wrong element. Checked before a kernel is built.
 */
export const MAX_FLAT_INDEX = 2 ** 24;

export function checkIndexRange(kernel: string, n: number): void {
  if (!(n <= MAX_FLAT_INDEX)) {
    throw new Error(`${kernel}: ${n} elements exceed 2^24, the largest count whose flat indices float32 (GL index arithmetic) represents exactly`);
  }
}
