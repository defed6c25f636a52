/**
 * The slice of the WebAssembly JavaScript API that this project uses (gemm-wasm.ts, gemm.ts, gpu/probe.ts). Node has it as a
 * global; TypeScript declares it only in the DOM and web-worker libs, which this project does not load.
 */
declare namespace WebAssembly {
  function validate(bytes: Uint8Array): boolean;
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, unknown>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
  }
}
