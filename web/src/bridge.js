// The only code that touches WebAssembly memory. It loads the core (a
// standalone wasm module with two imports), copies bytes in and out, and
// zero-fills every buffer it hands back before freeing it.

const DEFAULT_WASM_URL = new URL('../dist/vaultlink.wasm', import.meta.url);

const isNode = typeof process !== 'undefined' && !!(process.versions && process.versions.node);

/** Reads the module bytes: fs in Node for file: URLs, fetch everywhere else. */
async function readWasm(url) {
  if (isNode && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`vaultlink: could not load ${url.href} (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

let compiled; // Promise<WebAssembly.Module> for the default URL, shared by every vault

/**
 * Compiles (once) the module from `source`: a WebAssembly.Module, bytes, or a URL.
 * @param {WebAssembly.Module|BufferSource|URL|string} [source]
 */
export function compileCore(source) {
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return WebAssembly.compile(source);
  if (source) return readWasm(new URL(source, import.meta.url)).then((b) => WebAssembly.compile(b));
  if (!compiled) compiled = readWasm(DEFAULT_WASM_URL).then((b) => WebAssembly.compile(b));
  return compiled;
}

/** The two imports the core needs, bound to `core`'s memory. */
function coreImports(core) {
  return {
    env: {
      // The core's only entropy source (getentropy()).
      getentropy(ptr, len) {
        globalThis.crypto.getRandomValues(new Uint8Array(core.memory.buffer, ptr, len));
        return 0;
      },
      emscripten_notify_memory_growth() {},
    },
  };
}

/** A fresh instance of the core with its own linear memory. */
export async function loadCore(source) {
  const module = await compileCore(source);
  const core = new Core();
  core.attach(await WebAssembly.instantiate(module, coreImports(core)), module);
  return core;
}

/**
 * A fresh instance of an already compiled core, synchronously (a page restored
 * from the back/forward cache re-initialises its vault inside the `pageshow`
 * handler). `module` is the WebAssembly.Module a previous loadCore() used.
 * @param {WebAssembly.Module} module
 */
export function loadCoreSync(module) {
  if (!(module instanceof WebAssembly.Module)) throw new TypeError('loadCoreSync(module): a compiled WebAssembly.Module is required');
  const core = new Core();
  core.attach(new WebAssembly.Instance(module, coreImports(core)), module);
  return core;
}

export class Core {
  attach(instance, module) {
    this.module = module; // kept after destroy(): compiled code, no state
    this.x = instance.exports;
    this.memory = this.x.memory;
    this.x._initialize();
    this.outbox = this.x.vl_w_outbox() >>> 0;
  }

  /** A fresh view: memory growth detaches old ones. */
  u8() {
    if (!this.u8View || this.u8View.buffer !== this.memory.buffer) this.u8View = new Uint8Array(this.memory.buffer);
    return this.u8View;
  }

  out(i) {
    // One view, made again only after memory growth detached the old one.
    if (!this.outView || this.outView.buffer !== this.memory.buffer) {
      this.outView = new Uint32Array(this.memory.buffer, this.outbox, 5);
    }
    return this.outView[i];
  }

  /** Copies bytes into a new core allocation; returns its address. */
  put(bytes) {
    const ptr = this.x.vl_alloc(bytes.length) >>> 0;
    if (!ptr) throw new Error('vaultlink: out of memory in the core');
    this.u8().set(bytes, ptr);
    return ptr;
  }

  /** Frees an allocation made by put() or returned by the core. vl_free()
   * zero-fills the whole block before releasing it (the core's allocator is
   * size-prefixed for exactly this), so no byte survives in the heap. */
  release(ptr) {
    if (ptr) this.x.vl_free(ptr);
  }

  /** Copies len bytes out of the core, then wipes and frees them. */
  take(ptr, len) {
    const copy = this.u8().slice(ptr, ptr + len);
    this.release(ptr, len);
    return copy;
  }

  /** Reads a NUL-terminated C string (never secret: errors and codes). */
  cstr(ptr) {
    const u8 = this.u8();
    let end = ptr;
    while (u8[end]) end++;
    return new TextDecoder().decode(u8.subarray(ptr, end));
  }

  /** Zero-fills the whole linear memory and drops the instance. */
  destroy() {
    if (!this.memory) return;
    this.u8().fill(0);
    this.x = null;
    this.memory = null;
    this.outView = null;
    this.u8View = null;
  }
}
