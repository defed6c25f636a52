/**
 * The gemm micro-kernel as WebAssembly SIMD (f64x2), emitted here as bytes: no toolchain, no binary
 * file in the repository, every instruction readable below.
 *
 * It computes exactly what gemm.ts's JavaScript micro-kernel computes, bit for bit: each lane of an
 * f64x2 accumulator is one element of the 4×4 tile, starting at +0 and adding a_i·b_j in k order, one
 * IEEE double multiply and one double add per step (WebAssembly has no fused multiply-add in its SIMD
 * core, and engines may not contract). Two elements per instruction instead of one is the whole gain.
 *
 * Memory (one module instance per kernel instance, fixed size so JavaScript views never detach):
 *   [A_OFF, +MC·KC doubles)     packed A: ⌈mc/4⌉ panels, each kc steps of 4 values (rows i..i+3)
 *   [B_OFF, +KC·NC doubles)     packed B: panels of kc steps of 4 values (columns j..j+3)
 *   [OUT_OFF, +MC·4 doubles)    the tiles' sums, tile t at OUT_OFF + 128·t, row-major 4×4
 *
 * Export `tiles(kc, ntiles, pa, pb, out)` (byte offsets): for t < ntiles, the 4×4 sums of A panel
 * (pa + t·kc·32) against the B panel at pb, stored at out + 128·t. kc ≥ 1 and ntiles ≥ 1.
 *
 * Not here: packing, edges and adding into C (gemm.ts), threads (gemm-pool.ts).
 */

/** Sizes the kernel's memory is laid out for; gemm.ts's blocking must not exceed them (it checks). */
const WASM_LAYOUT = { MC: 64, KC: 256, NC: 1024 } as const;
const A_OFF = 0;
const B_OFF = A_OFF + WASM_LAYOUT.MC * WASM_LAYOUT.KC * 8;
const OUT_OFF = B_OFF + WASM_LAYOUT.KC * WASM_LAYOUT.NC * 8;
const BYTES = OUT_OFF + WASM_LAYOUT.MC * 4 * 8;
const PAGES = Math.ceil(BYTES / 65536);
/** Where the panels live and how big they may be: what gemm.ts's kernel needs to use an instance. */
export const WASM_LAYOUT_BYTES = {
  aOff: A_OFF, bOff: B_OFF, outOff: OUT_OFF, mc: WASM_LAYOUT.MC, kc: WASM_LAYOUT.KC, nc: WASM_LAYOUT.NC,
} as const;

// ---- a minimal encoder: LEB128, sections, the few instructions the kernel uses ----

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...s].map((ch) => [ch.charCodeAt(0)]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  loop: [0x03, 0x40], end: [0x0b],
  br_if: (depth: number) => [0x0d, ...uleb(depth)],
  get: (i: number) => [0x20, ...uleb(i)], set: (i: number) => [0x21, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  i32_add: [0x6a], i32_sub: [0x6b], i32_mul: [0x6c],
  // SIMD (prefix 0xfd, LEB opcode); memarg = alignment (log2) and offset
  v128_load: (offset: number) => [0xfd, ...uleb(0x00), 3, ...uleb(offset)],
  load64_splat: (offset: number) => [0xfd, ...uleb(0x0a), 3, ...uleb(offset)],
  v128_store: (offset: number) => [0xfd, ...uleb(0x0b), 3, ...uleb(offset)],
  v128_zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f64x2_add: [0xfd, ...uleb(0xf0)], f64x2_mul: [0xfd, ...uleb(0xf2)],
};

/** The body of `tiles`: params 0–4 (kc, ntiles, pa, pb, out), then the locals named below. */
function tilesBody(): number[] {
  const MR = 4; // 4×4 tiles, as gemm.ts; 6×4 measured 0.6× (14 v128 locals spill)
  const [KC, NT, PA, PB, OUT] = [0, 1, 2, 3, 4];
  const [K, P, Q] = [5, 6, 7]; // i32: steps left, running A and B addresses
  const acc = (i: number, half: number) => 8 + 2 * i + half; // v128: row i, columns (2·half, 2·half + 1)
  const [B0, B1] = [8 + 2 * MR, 9 + 2 * MR]; // v128: the B row's two halves
  const locals = vec([[...uleb(3), I32], [...uleb(2 * MR + 2), V128]]);

  const code: number[][] = [];
  const emit = (...xs: number[][]) => code.push(...xs);
  emit(op.loop); // for each tile
  for (let i = 0; i < MR; i++) for (let h = 0; h < 2; h++) emit(op.v128_zero, op.set(acc(i, h)));
  emit(op.get(KC), op.set(K), op.get(PA), op.set(P), op.get(PB), op.set(Q));
  emit(op.loop); // for each k: acc[i][h] += splat(a_i) · b[h]
  emit(op.get(Q), op.v128_load(0), op.set(B0), op.get(Q), op.v128_load(16), op.set(B1));
  for (let i = 0; i < MR; i++) {
    for (const [h, b] of [[0, B0], [1, B1]] as const) {
      emit(op.get(acc(i, h)), op.get(P), op.load64_splat(8 * i), op.get(b), op.f64x2_mul, op.f64x2_add, op.set(acc(i, h)));
    }
  }
  emit(op.get(P), op.i32(8 * MR), op.i32_add, op.set(P), op.get(Q), op.i32(32), op.i32_add, op.set(Q));
  emit(op.get(K), op.i32(1), op.i32_sub, op.set(K), op.get(K), op.br_if(0), op.end);
  for (let i = 0; i < MR; i++) for (let h = 0; h < 2; h++) emit(op.get(OUT), op.get(acc(i, h)), op.v128_store(32 * i + 16 * h));
  // next tile: pa += kc·32, out += 128
  emit(op.get(PA), op.get(KC), op.i32(8 * MR), op.i32_mul, op.i32_add, op.set(PA), op.get(OUT), op.i32(32 * MR), op.i32_add, op.set(OUT));
  emit(op.get(NT), op.i32(1), op.i32_sub, op.set(NT), op.get(NT), op.br_if(0), op.end);
  const body = [...locals, ...code.flat(), ...op.end];
  return [...uleb(body.length), ...body];
}

/** The module's bytes: one memory (exported as `mem`) and the function `tiles`. */
export function gemmWasmBytes(): Uint8Array {
  const fnType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([])];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([fnType])),
    ...section(3, vec([uleb(0)])),
    ...section(5, vec([[0x00, ...uleb(PAGES)]])),
    ...section(7, vec([[...name('tiles'), 0x00, ...uleb(0)], [...name('mem'), 0x02, ...uleb(0)]])),
    ...section(10, vec([tilesBody()])),
  ]);
}

/**
 * The compiled module, or null with the reason when this engine cannot compile it (no SIMD): gemm.ts
 * then keeps its JavaScript micro-kernel, which gives the same numbers.
 */
export function compileGemmWasm(): { module: WebAssembly.Module | null; reason: string | null } {
  try {
    return { module: new WebAssembly.Module(gemmWasmBytes()), reason: null };
  } catch (e) {
    return { module: null, reason: e instanceof Error ? e.message : String(e) };
  }
}
