import { MAX_PAGES, PAGE_BYTES } from './kernels.js';

/** A block of WASM memory: byte address and the byte size of its size class. */
export interface Block {
  readonly ptr: number;
  readonly classBytes: number;
}

/** Blocks are 64-byte aligned, so f32x4 loads never straddle a cache line needlessly. */
const ALIGN = 64;
/**
 * Bytes kept free past the last block: SIMD kernels may read (never write) up to 28 bytes past
 * the end of an operand (see assembly/gemm.ts), which must not run off the memory.
 */
const GUARD = 64;
/** Grow in steps of at least 16 MiB, or half the current size, so steady state never grows. */
const MIN_GROW_PAGES = 256;

/**
 * Size class of a request: quarter steps between powers of two (64, 80, 96, 112, 128, 160, ...),
 * so at most 25 % of a block is slack.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= ALIGN) return ALIGN;
  const pow = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = Math.max(ALIGN, pow / 4);
  return Math.ceil(bytes / step) * step;
}

/**
 * Size-class free-list allocator over a WebAssembly.Memory. Freed blocks go back to the list of
 * their class and are reused by the next request of that class; fresh blocks come from a bump
 * pointer. So a training step that allocates the same sizes as the last one reuses its blocks and
 * neither the live bytes nor memory.buffer grow. Blocks are never coalesced (a compromise: shapes
 * in a training loop repeat, so fragmentation stays bounded by the peak working set).
 */
export class SizeClassAllocator {
  private readonly freeLists = new Map<number, number[]>();
  private top: number;

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapBase: number,
    private readonly onGrow: () => void,
  ) {
    // Never hand out address 0: kernels use 0 for "absent" (no bias, affine off).
    this.top = Math.ceil((heapBase + ALIGN) / ALIGN) * ALIGN;
  }

  alloc(bytes: number): Block {
    const classBytes = sizeClass(bytes);
    const list = this.freeLists.get(classBytes);
    if (list !== undefined && list.length > 0) return { ptr: list.pop()!, classBytes };
    const ptr = this.top;
    this.ensure(ptr + classBytes + GUARD);
    this.top = ptr + classBytes;
    return { ptr, classBytes };
  }

  free(block: Block): void {
    let list = this.freeLists.get(block.classBytes);
    if (list === undefined) {
      list = [];
      this.freeLists.set(block.classBytes, list);
    }
    list.push(block.ptr);
  }

  private ensure(endByte: number): void {
    const haveBytes = this.memory.buffer.byteLength;
    if (endByte <= haveBytes) return;
    const havePages = haveBytes / PAGE_BYTES;
    const needPages = Math.ceil((endByte - haveBytes) / PAGE_BYTES);
    const growPages = Math.min(MAX_PAGES - havePages, Math.max(needPages, MIN_GROW_PAGES, Math.floor(havePages / 2)));
    if (growPages < needPages) {
      throw new Error(`kernels-wasm: out of memory: need ${endByte} bytes, the maximum is ${MAX_PAGES * PAGE_BYTES}`);
    }
    this.memory.grow(growPages);
    this.onGrow();
  }
}
