// Winograd F(2×2, 3×3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) for 3×3 kernels with stride 1 and dilation 1, any padding: forward,
// backward-weight and backward-input (the adjoint, Note [winograd backward-input]; where it does not
// pay, src/conv.ts runs dx as the forward conv of dy with the flipped weights instead).
//
// Each 2×2 output tile is A^T [ (G g G^T) ⊙ (B^T d B) ] A over the 4×4 input tile d. Per block of
// tiles of an image (Note [winograd tile blocks]):
//   1. the block's input window is copied into a zero-padded strip (padding and the ragged edge;
//      a window inside the image is read in place: Note [winograd direct reads]),
//   2. input transform V[pos][c][t] = (B^T d_t B)[pos]           (16 positions, t = tile in the block)
//   3. 16 GEMMs M[pos][o][t] = Σ_c U[pos][o][c] · V[pos][c][t]   (U = G g G^T, packed once per call;
//      Note [winograd gemm tile])
//   4. output transform y_t = A^T M_t A (+ bias), stored into the 2×2 tile.
// Per 2×2 output tile and (o, c) pair: 16 multiply-adds in the GEMMs instead of 4·9 = 36 (2.25× fewer).
// Backward-weight: dU[pos][c][o] = Σ_n Σ_t V[pos][c][t] · Z[pos][o][t] with Z = A dY_t A^T, then
// dw = G^T dU G (the adjoint of the forward with respect to U, then to g).
//
// Transforms run on f32x4 over 4 horizontally adjacent tiles. The tiles of a block of bh × bw are
// numbered t = ty·bw + tx; a row's last group of 4 may run past bw and writes its extra lanes over
// the first tiles of the next row, which are written afterwards, so the rows stay compact for the GEMMs;
// each position's plane is followed by 8 floats of slack (posFloats) for the last row's spill.
// Pointers are byte addresses; sizes in elements.
//
// Note [winograd tile size]: F(2×2, 3×3) and not F(4×4, 3×3) (36 positions per 4×4 outputs: 1.78×
// fewer multiply-adds) or F(3×3, 3×3): in a float32 emulation against float64 (random normal x and
// w, 200 tiles, C = 16 and 64), the worst error of F(4×4) is 3–9× the conformance suite's tolerance
// (2⁻²³·√(C·9)·8, relative and absolute; interpolation points 0, ±1, ±2 or ±½ alike) and of F(3×3) 2–5×,
// against 0.3–0.4× for F(2×2): the larger tiles would fail the suite (apps/bench/scripts/winograd-error.mjs).
import { geom, G_C, G_H, G_W, G_PH, G_PW, G_OH, G_OW } from '../geometry';
import { madd } from '../gemm/madd';
import { accumulateDots, accumulateDotLanes, reduceDotLanes } from './dots';

/** Bytes of slack after each scratch region: vector stores / reads of a last partial group. */
const SLACK: i32 = 64;

// Note [winograd tile blocks]: the tiles of an image are processed in blocks of at most
// BTH × BTW tiles (a rectangle of tile rows and columns), each block going through
// copy into a zero-padded strip → input transform → 16 GEMMs → output transform (forward), or
// copy → input and dy transforms → dot products into dU (weight gradient), before the next block.
// So the scratch is a function of the block and the channels, never of the image size, and a
// block's transformed buffers (V, and M or Z: 16·(C + O)·4 bytes per tile) stay in L2 between the
// passes. The block's tile count comes from WINOGRAD_BLOCK_BYTES (winogradBlockTiles), or from the
// caller (a tuning knob the tests use to sweep block shapes). Every tile is computed exactly as
// without blocks (the GEMM's sum over channels does not depend on the number of columns), so the
// forward output does not depend on the block shape; the weight gradient sums each block's dot
// products into dU, and the adjoint backward-input adds the windows of neighbouring blocks, so
// their rounding does (deterministically: the shape is a function of the geometry, O and the tile
// budget only).

/** Bytes of V and M (or V and Z) of one block that the default block size aims for (L2-sized). */
const WINOGRAD_BLOCK_BYTES: i32 = 1 << 20;
/** Bounds on the default tiles per block (16: enough columns for the GEMMs' 8-wide tiles). */
const MIN_BLOCK_TILES: i32 = 16;
const MAX_BLOCK_TILES: i32 = 4096;

/** Default tiles per block for C input and O output channels (Note [winograd tile blocks]). */
export function winogradBlockTiles(c: i32, o: i32): i32 {
  return min(MAX_BLOCK_TILES, max(MIN_BLOCK_TILES, WINOGRAD_BLOCK_BYTES / (64 * (c + o))));
}

// @ts-ignore: decorator
@inline function align16(bytes: i32): i32 {
  return (bytes + 15) & ~15;
}
// @ts-ignore: decorator
@inline function round4(n: i32): i32 {
  return (n + 3) & ~3;
}

// Tile grid of one geometry.
// @ts-ignore: decorator
@inline function tilesH(geomPtr: usize): i32 { return (geom(geomPtr, G_OH) + 1) >> 1; }
// @ts-ignore: decorator
@inline function tilesW(geomPtr: usize): i32 { return (geom(geomPtr, G_OW) + 1) >> 1; }

/**
 * Block shape for a budget of `blockTiles` tiles: up to 4 tile rows high (so the strip's two rows
 * of halo are at most a third of it), as wide as the rest of the budget allows in whole groups of
 * 4 tiles (the transforms' f32x4 width), at least 4 wide; then as many rows as fit.
 */
// @ts-ignore: decorator
@inline function blockCols(blockTiles: i32, geomPtr: usize): i32 {
  return min(tilesW(geomPtr), max(4, (blockTiles / min(tilesH(geomPtr), 4)) & ~3));
}
// @ts-ignore: decorator
@inline function blockRows(blockTiles: i32, geomPtr: usize): i32 {
  return max(1, min(tilesH(geomPtr), blockTiles / blockCols(blockTiles, geomPtr)));
}

/** Input strip of a block: C planes of 2·BTH + 2 rows of 2·round4(BTW) + 4 floats. */
// @ts-ignore: decorator
@inline function stripRows(bth: i32): i32 { return 2 * bth + 2; }
// @ts-ignore: decorator
@inline function stripCols(btw: i32): i32 { return 2 * round4(btw) + 4; }
// @ts-ignore: decorator
@inline function stripBytes(c: i32, bth: i32, btw: i32): i32 {
  return align16(c * stripRows(bth) * stripCols(btw) * 4) + SLACK;
}
/** dy strip of a block: O planes of 2·BTH rows of 2·round4(BTW) + 8 floats. */
// @ts-ignore: decorator
@inline function dyStripCols(btw: i32): i32 { return 2 * round4(btw) + 8; }
// @ts-ignore: decorator
@inline function dyStripBytes(o: i32, bth: i32, btw: i32): i32 {
  return align16(o * 2 * bth * dyStripCols(btw) * 4) + SLACK;
}
/**
 * A transformed buffer [16][rows][t] of a block of t tiles: positions rows·t + 8 floats apart (the
 * 8 floats take the last row's spill, see the header, and the GEMM tile's reads of a last partial
 * group of 8 columns, Note [winograd gemm tile]).
 */
// @ts-ignore: decorator
@inline function posFloats(rows: i32, t: i32): i32 {
  return rows * t + 8;
}
// @ts-ignore: decorator
@inline function tileBufBytes(rows: i32, t: i32): i32 {
  return align16(16 * posFloats(rows, t) * 4) + SLACK;
}
/** Columns of a row of M: the block's t tiles rounded up to the GEMM tile's 8 (Note [winograd gemm tile]). */
// @ts-ignore: decorator
@inline function round8(n: i32): i32 {
  return (n + 7) & ~7;
}
/** M [16][round4(O)][round8(t)] of a block of t tiles. */
// @ts-ignore: decorator
@inline function mBufBytes(o: i32, t: i32): i32 {
  return align16(16 * round4(o) * round8(t) * 4) + SLACK;
}
/** U packed for the GEMM tile: [16][round4(O)/4][C][4 rows][4 lanes] (Note [winograd gemm tile]). */
// @ts-ignore: decorator
@inline function packUBytes(o: i32, c: i32): i32 {
  return round4(o) * c * 16;
}

/**
 * Scratch bytes winogradConv2d needs (per thread) for this geometry, O output channels and
 * blocks of `blockTiles` tiles (Note [winograd tile blocks]; independent of the image size).
 */
export function winogradForwardScratchBytes(o: i32, geomPtr: usize, blockTiles: i32): i32 {
  const c = geom(geomPtr, G_C);
  const btw = blockCols(blockTiles, geomPtr), bth = blockRows(blockTiles, geomPtr), tb = btw * bth;
  return stripBytes(c, bth, btw) + tileBufBytes(c, tb) + mBufBytes(o, tb) + 16 * packUBytes(o, c);
}

/**
 * Whether the weight gradient keeps dUᵀ as f32x4 lane partials (accumulateDotLanes): they save the
 * cross-lane sums of every block, but take 4× the bytes of dUᵀ, read and written once per block
 * and position; past LANES_MAX_BYTES (a share of L2) that traffic costs more than the sums saved
 * (C = O = 64: 1 MiB of partials, measured slower on the resnet's 16×16×64 convs).
 */
const LANES_MAX_BYTES: i32 = 256 << 10;
// @ts-ignore: decorator
@inline function useDotLanes(c: i32, o: i32): bool {
  return 16 * c * o * 16 <= LANES_MAX_BYTES;
}

/** Scratch bytes winogradConv2dBackwardWeight needs (per thread). */
export function winogradBackwardWeightScratchBytes(o: i32, geomPtr: usize, blockTiles: i32): i32 {
  const c = geom(geomPtr, G_C);
  const btw = blockCols(blockTiles, geomPtr), bth = blockRows(blockTiles, geomPtr), tb = btw * bth;
  return stripBytes(c, bth, btw) + dyStripBytes(o, bth, btw) + tileBufBytes(c, tb) + tileBufBytes(o, tb) +
    align16(16 * c * o * 4) + (useDotLanes(c, o) ? 16 * c * o * 16 : 0) + 64;
}

/** Zeroes `bytes` (a multiple of 16) at ptr. */
// @ts-ignore: decorator
@inline function zero(ptr: usize, bytes: i32): void {
  const vzero = f32x4.splat(0);
  for (let i = 0; i < bytes; i += 16) v128.store(ptr + <usize>i, vzero);
}

/** Copies `count` floats from src to dst. */
// @ts-ignore: decorator
@inline function copyRow(dstPtr: usize, srcPtr: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dstPtr + (<usize>i << 2), v128.load(srcPtr + (<usize>i << 2)));
  for (; i < count; i++) store<f32>(dstPtr + (<usize>i << 2), load<f32>(srcPtr + (<usize>i << 2)));
}

/** Sets `count` floats at dst to 0. */
// @ts-ignore: decorator
@inline function zeroRow(dstPtr: usize, count: i32): void {
  const vzero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dstPtr + (<usize>i << 2), vzero);
  for (; i < count; i++) store<f32>(dstPtr + (<usize>i << 2), 0);
}

// Note [winograd direct reads]: a transform reads the rows and columns of a block's window only
// (the input transform rows 2·ty .. 2·ty+3 and columns 2·tx0 .. 2·tx0+9 of each group of 4 tiles,
// the dy transform 2 rows and 8 columns), so a window that lies wholly inside the plane (no
// padding, no ragged edge, no group of 4 reading past the row) is read in place, with the plane's
// own row and plane strides, instead of being copied into the strip first. The transforms see the
// same values either way, so results do not change. The case-study convs (padding 0, 26 and 24
// wide: 12 tiles, 3 groups of 4) take this path for the whole image.

/** Whether rows [row0, row0 + rows) × columns [col0, col0 + cols) lie inside a rows × cols plane. */
// @ts-ignore: decorator
@inline function windowInside(row0: i32, col0: i32, rows: i32, cols: i32, planeRows: i32, planeCols: i32): bool {
  return row0 >= 0 && col0 >= 0 && row0 + rows <= planeRows && col0 + cols <= planeCols;
}

/**
 * The window of `planes` planes [rows, cols] starting at (row0, col0), which may lie partly or
 * wholly outside the plane, into a strip [planes][planeRows][stripC]: `winRows` rows of `stripC`
 * floats each, zero outside the plane. This is the zero padding (row0, col0 < 0) and the ragged
 * edge of one block. With `zeroPad` false the zeros are not written again: which floats of the
 * strip are copied and which are zero depends only on (row0, col0, winRows) for given planes, so a
 * strip that last took a window of the same (row0, col0, winRows) already holds them
 * (windowKey; with whole-image blocks, every image of a call after the first).
 */
/**
 * (row0, col0, winRows) of a window in one number, for copyWindow's `zeroPad` (a kernel call starts
 * with NO_WINDOW: the strip's scratch may hold anything).
 */
// @ts-ignore: decorator
@inline function windowKey(row0: i32, col0: i32, winRows: i32): i64 {
  return ((<i64>row0 & 0xfffff) << 40) | ((<i64>col0 & 0xfffff) << 20) | (<i64>winRows & 0xfffff);
}
const NO_WINDOW: i64 = -1;

function copyWindow(
  srcPtr: usize, dstPtr: usize, planes: i32, rows: i32, cols: i32, row0: i32, col0: i32, winRows: i32, planeRows: i32, stripC: i32,
  zeroPad: bool,
): void {
  const j0 = min(stripC, max(0, -col0)), j1 = max(j0, min(stripC, cols - col0));
  for (let p = 0; p < planes; p++) {
    const src = srcPtr + (<usize>(p * rows * cols) << 2);
    const dst = dstPtr + (<usize>(p * planeRows * stripC) << 2);
    for (let r = 0; r < winRows; r++) {
      const d = dst + (<usize>(r * stripC) << 2);
      const iy = row0 + r;
      if (iy < 0 || iy >= rows) {
        if (zeroPad) zeroRow(d, stripC);
        continue;
      }
      if (zeroPad) zeroRow(d, j0);
      copyRow(d + (<usize>j0 << 2), src + (<usize>(iy * cols + col0 + j0) << 2), j1 - j0);
      if (zeroPad) zeroRow(d + (<usize>j1 << 2), stripC - j1);
    }
  }
}


/**
 * V[pos][c][t] = (B^T d_t B)[pos] for the th × tw tiles of a block, from its padded strip (C planes
 * of pr rows of pc floats; tile (ty, tx) reads rows 2ty..2ty+3, columns 2tx..2tx+3). B^T rows: [1 0 −1 0],
 * [0 1 1 0], [0 −1 1 0], [0 1 0 −1]. For each input row i, e_ij = (d_i B)_j over four tiles at
 * once (the stride-2 columns gathered with shuffles), then V_ij = (B^T e)_ij down the rows.
 */
function inputTransform(padPtr: usize, vPtr: usize, posBytes: usize, c: i32, th: i32, tw: i32, pr: i32, pc: i32): void {
  const t = th * tw;
  const rowBytes = <usize>pc << 2;
  for (let ci = 0; ci < c; ci++) {
    const plane = padPtr + <usize>(ci * pr) * rowBytes;
    const vPlane = vPtr + (<usize>(ci * t) << 2);
    for (let ty = 0; ty < th; ty++) {
      const rowPtr = plane + <usize>(2 * ty) * rowBytes;
      for (let tx0 = 0; tx0 < tw; tx0 += 4) {
        // Rows 1 and 2 of d·B stay live (8 vectors); rows 0 and 3 are formed one column at a time
        // and stored at once, so V8 keeps everything in the 16 xmm registers.
        const p0 = rowPtr + (<usize>(2 * tx0) << 2);
        const p1 = p0 + rowBytes, p2 = p1 + rowBytes, p3 = p2 + rowBytes;
        let a0 = v128.load(p1), a1 = v128.load(p1, 16), b0 = v128.load(p1, 8), b1 = v128.load(p1, 24);
        let x0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), x1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        let x2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), x3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const e10 = f32x4.sub(x0, x2), e11 = f32x4.add(x1, x2), e12 = f32x4.sub(x2, x1), e13 = f32x4.sub(x1, x3);
        a0 = v128.load(p2); a1 = v128.load(p2, 16); b0 = v128.load(p2, 8); b1 = v128.load(p2, 24);
        x0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6); x1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        x2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6); x3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        const e20 = f32x4.sub(x0, x2), e21 = f32x4.add(x1, x2), e22 = f32x4.sub(x2, x1), e23 = f32x4.sub(x1, x3);
        // position pos = i·4 + j lives posBytes apart
        const out = vPlane + (<usize>(ty * tw + tx0) << 2);
        v128.store(out + 4 * posBytes, f32x4.add(e10, e20));
        v128.store(out + 5 * posBytes, f32x4.add(e11, e21));
        v128.store(out + 6 * posBytes, f32x4.add(e12, e22));
        v128.store(out + 7 * posBytes, f32x4.add(e13, e23));
        v128.store(out + 8 * posBytes, f32x4.sub(e20, e10));
        v128.store(out + 9 * posBytes, f32x4.sub(e21, e11));
        v128.store(out + 10 * posBytes, f32x4.sub(e22, e12));
        v128.store(out + 11 * posBytes, f32x4.sub(e23, e13));
        a0 = v128.load(p0); a1 = v128.load(p0, 16); b0 = v128.load(p0, 8); b1 = v128.load(p0, 24);
        x0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6); x1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        x2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6); x3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        v128.store(out, f32x4.sub(f32x4.sub(x0, x2), e20));
        v128.store(out + posBytes, f32x4.sub(f32x4.add(x1, x2), e21));
        v128.store(out + 2 * posBytes, f32x4.sub(f32x4.sub(x2, x1), e22));
        v128.store(out + 3 * posBytes, f32x4.sub(f32x4.sub(x1, x3), e23));
        a0 = v128.load(p3); a1 = v128.load(p3, 16); b0 = v128.load(p3, 8); b1 = v128.load(p3, 24);
        x0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6); x1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
        x2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6); x3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
        v128.store(out + 12 * posBytes, f32x4.sub(e10, f32x4.sub(x0, x2)));
        v128.store(out + 13 * posBytes, f32x4.sub(e11, f32x4.add(x1, x2)));
        v128.store(out + 14 * posBytes, f32x4.sub(e12, f32x4.sub(x2, x1)));
        v128.store(out + 15 * posBytes, f32x4.sub(e13, f32x4.sub(x1, x3)));
      }
    }
  }
}

/**
 * V of a block of bh × bw tiles whose window starts at (row0, col0) of the image's C planes [h, w]:
 * read in place when the window lies inside the planes (Note [winograd direct reads]), else
 * through the zero-padded strip (sr rows of sc floats per plane), whose zeros are rewritten only
 * when the window differs from the one the strip last held (`stripKey`). Returns the strip's key.
 */
// @ts-ignore: decorator
@inline function transformBlockInput(
  xImage: usize, stripPtr: usize, vPtr: usize, vPosBytes: usize, c: i32, h: i32, w: i32, row0: i32, col0: i32, bh: i32, bw: i32,
  sr: i32, sc: i32, stripKey: i64,
): i64 {
  if (windowInside(row0, col0, 2 * bh + 2, 2 * round4(bw) + 2, h, w)) {
    inputTransform(xImage + (<usize>(row0 * w + col0) << 2), vPtr, vPosBytes, c, bh, bw, h, w);
    return stripKey;
  }
  const key = windowKey(row0, col0, 2 * bh + 2);
  copyWindow(xImage, stripPtr, c, h, w, row0, col0, 2 * bh + 2, sr, sc, key != stripKey);
  inputTransform(stripPtr, vPtr, vPosBytes, c, bh, bw, sr, sc);
  return key;
}

/** The first `cols` (1..7) floats of [lo hi] at ptr, by lane stores (no round trip through memory). */
// @ts-ignore: decorator
@inline export function storeCols(ptr: usize, lo: v128, hi: v128, cols: i32): void {
  let v = lo;
  if (cols >= 4) {
    v128.store(ptr, lo);
    ptr += 16;
    cols -= 4;
    v = hi;
  }
  if (cols >= 2) {
    v128.store64_lane(ptr, v, 0);
    if (cols == 3) v128.store32_lane(ptr, v, 2, 8);
  } else if (cols == 1) {
    v128.store32_lane(ptr, v, 0);
  }
}

/**
 * y[o] = A^T M_t A (+ bias[o]) (then ReLU when `relu`: Note [fused conv epilogue]) for the th × tw
 * tiles of a block whose first output element is (oy0, ox0), stored into the 2×2 output tiles
 * (clipped at the block's last column and at the ragged edge of the image). A^T rows: [1 1 1 0],
 * [0 1 −1 −1].
 */
function outputTransform(
  mPtr: usize, yPtr: usize, biasPtr: usize, relu: bool, o: i32, th: i32, tw: i32, oy0: i32, ox0: i32, oh: i32, ow: i32,
  argmaxPtr: usize = 0,
): void {
  // argmaxPtr != 0 (with relu): the 2×2 max-pool epilogue (Note [winograd pool epilogue]); yPtr and
  // argmaxPtr are then the image's pooled [O, OH/2, OW/2] planes.
  const pool = argmaxPtr != 0;
  const poh = oh >> 1, pow = ow >> 1;
  const vzero = f32x4.splat(0);
  // M is [16][round4(O)][round8(t)] (Note [winograd gemm tile])
  const ldm = round8(th * tw);
  const posBytes = <usize>(round4(o) * ldm) << 2;
  const rowBytes = <usize>ow << 2;
  for (let oc = 0; oc < o; oc++) {
    const vbias = biasPtr != 0 ? v128.load32_splat(biasPtr + (<usize>oc << 2)) : f32x4.splat(0);
    const mPlane = mPtr + (<usize>(oc * ldm) << 2);
    const yPlane = yPtr + (<usize>(pool ? oc * poh * pow : oc * oh * ow) << 2);
    const argPlane = argmaxPtr + (<usize>(oc * poh * pow) << 2);
    for (let ty = 0; ty < th; ty++) {
      for (let tx0 = 0; tx0 < tw; tx0 += 4) {
        // s0j = m0j + m1j + m2j, s1j = m1j − m2j − m3j down the rows, one column j at a time (few live
        // registers), then y = s · A across the columns.
        const p = mPlane + (<usize>(ty * tw + tx0) << 2);
        let m0 = v128.load(p), m1 = v128.load(p + 4 * posBytes), m2 = v128.load(p + 8 * posBytes), m3 = v128.load(p + 12 * posBytes);
        const s00 = f32x4.add(f32x4.add(m0, m1), m2), s10 = f32x4.sub(f32x4.sub(m1, m2), m3);
        m0 = v128.load(p + posBytes); m1 = v128.load(p + 5 * posBytes); m2 = v128.load(p + 9 * posBytes); m3 = v128.load(p + 13 * posBytes);
        const s01 = f32x4.add(f32x4.add(m0, m1), m2), s11 = f32x4.sub(f32x4.sub(m1, m2), m3);
        m0 = v128.load(p + 2 * posBytes); m1 = v128.load(p + 6 * posBytes); m2 = v128.load(p + 10 * posBytes); m3 = v128.load(p + 14 * posBytes);
        const s02 = f32x4.add(f32x4.add(m0, m1), m2), s12 = f32x4.sub(f32x4.sub(m1, m2), m3);
        m0 = v128.load(p + 3 * posBytes); m1 = v128.load(p + 7 * posBytes); m2 = v128.load(p + 11 * posBytes); m3 = v128.load(p + 15 * posBytes);
        const s03 = f32x4.add(f32x4.add(m0, m1), m2), s13 = f32x4.sub(f32x4.sub(m1, m2), m3);
        let y00 = f32x4.add(f32x4.add(f32x4.add(s00, s01), s02), vbias);
        let y01 = f32x4.add(f32x4.sub(f32x4.sub(s01, s02), s03), vbias);
        let y10 = f32x4.add(f32x4.add(f32x4.add(s10, s11), s12), vbias);
        let y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s12), s13), vbias);
        if (relu) {
          // The unary relu kernel's form (and with y > 0), so the fused output is bit for bit relu(conv).
          y00 = v128.and(y00, f32x4.gt(y00, vzero)); y01 = v128.and(y01, f32x4.gt(y01, vzero));
          y10 = v128.and(y10, f32x4.gt(y10, vzero)); y11 = v128.and(y11, f32x4.gt(y11, vzero));
        }
        if (pool) {
          // The 2×2 tiles are the pool's windows: the first maximum in row-major window order, as
          // maxPool2x2 takes it from the stored ReLU output (which has no NaN), with its index
          // iy·OW + ix in the convolution's output plane.
          const oy = oy0 + 2 * ty, ox = ox0 + 2 * tx0;
          const i00 = i32x4.add(i32x4.splat(oy * ow + ox), i32x4(0, 2, 4, 6));
          let best = y00;
          let idx = i00;
          let take = f32x4.gt(y01, best);
          best = v128.bitselect(y01, best, take);
          idx = v128.bitselect(i32x4.add(i00, i32x4.splat(1)), idx, take);
          take = f32x4.gt(y10, best);
          best = v128.bitselect(y10, best, take);
          idx = v128.bitselect(i32x4.add(i00, i32x4.splat(ow)), idx, take);
          take = f32x4.gt(y11, best);
          best = v128.bitselect(y11, best, take);
          idx = v128.bitselect(i32x4.add(i00, i32x4.splat(ow + 1)), idx, take);
          // lanes past the block's last tile column are tiles of the next row (stored later)
          const at = <usize>((oy >> 1) * pow + (ox >> 1)) << 2;
          const lanes = min(4, tw - tx0);
          if (lanes == 4) {
            v128.store(yPlane + at, best);
            v128.store(argPlane + at, idx);
          } else {
            storeCols(yPlane + at, best, best, lanes);
            storeCols(argPlane + at, idx, idx, lanes);
          }
          continue;
        }
        // interleave the two columns of each tile: [t0c0 t0c1 t1c0 t1c1], [t2c0 t2c1 t3c0 t3c1]
        const r0lo = v128.shuffle<f32>(y00, y01, 0, 4, 1, 5), r0hi = v128.shuffle<f32>(y00, y01, 2, 6, 3, 7);
        const r1lo = v128.shuffle<f32>(y10, y11, 0, 4, 1, 5), r1hi = v128.shuffle<f32>(y10, y11, 2, 6, 3, 7);
        // A group past the block's last tile column holds tiles of the next row (stored later).
        const oy = oy0 + 2 * ty, ox = ox0 + 2 * tx0;
        const cols = min(8, min(2 * (tw - tx0), ow - ox));
        const row0 = yPlane + <usize>oy * rowBytes + (<usize>ox << 2);
        const hasRow1 = oy + 1 < oh;
        if (cols == 8) {
          v128.store(row0, r0lo); v128.store(row0, r0hi, 16);
          if (hasRow1) { v128.store(row0 + rowBytes, r1lo); v128.store(row0 + rowBytes, r1hi, 16); }
        } else {
          storeCols(row0, r0lo, r0hi, cols);
          if (hasRow1) storeCols(row0 + rowBytes, r1lo, r1hi, cols);
        }
      }
    }
  }
}

/**
 * U[pos][o][c] = (G g G^T)[pos] for w[O, C, 3, 3], packed for the GEMM tile (Note [winograd gemm
 * tile]): [16][round4(O)/4][C][4 rows][4 lanes], each value pre-broadcast to four lanes, rows past
 * O zero. G rows: [1 0 0], [½ ½ ½], [½ −½ ½], [0 0 1]. With `transposed`, Uᵀ[pos][c][o] packed the
 * same way ([16][round4(C)/4][O][4 rows][4 lanes], rows past C zero) for the backward-input GEMMs.
 */
function transformWeights(wPtr: usize, packPtr: usize, o: i32, c: i32, transposed: bool = false): void {
  const posStride = <usize>(transposed ? packUBytes(c, o) : packUBytes(o, c));
  zero(packPtr, 16 * <i32>posStride);
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < c; ic++) {
      const g = wPtr + (<usize>((oc * c + ic) * 9) << 2);
      // Gg: 4 rows of 3
      const g00 = load<f32>(g), g01 = load<f32>(g, 4), g02 = load<f32>(g, 8);
      const g10 = load<f32>(g, 12), g11 = load<f32>(g, 16), g12 = load<f32>(g, 20);
      const g20 = load<f32>(g, 24), g21 = load<f32>(g, 28), g22 = load<f32>(g, 32);
      const r1c0: f32 = 0.5 * (g00 + g10 + g20), r1c1: f32 = 0.5 * (g01 + g11 + g21), r1c2: f32 = 0.5 * (g02 + g12 + g22);
      const r2c0: f32 = 0.5 * (g00 - g10 + g20), r2c1: f32 = 0.5 * (g01 - g11 + g21), r2c2: f32 = 0.5 * (g02 - g12 + g22);
      // Uᵀ (transposed, for the backward-input GEMMs): rows c, reduction over o
      const base = packPtr + (<usize>(transposed ? ((ic >> 2) * o + oc) * 4 + (ic & 3) : ((oc >> 2) * c + ic) * 4 + (oc & 3)) << 4);
      storeRowGT(base, posStride, 0, g00, g01, g02);
      storeRowGT(base, posStride, 1, r1c0, r1c1, r1c2);
      storeRowGT(base, posStride, 2, r2c0, r2c1, r2c2);
      storeRowGT(base, posStride, 3, g20, g21, g22);
    }
  }
}

/** Row `r` of (Gg) G^T: [a, ½(a+b+c), ½(a−b+c), c] at positions r·4 .. r·4+3. */
// @ts-ignore: decorator
@inline function storeRowGT(base: usize, posStride: usize, r: i32, a: f32, b: f32, c: f32): void {
  const p = base + <usize>(r * 4) * posStride;
  v128.store(p, f32x4.splat(a));
  v128.store(p + posStride, f32x4.splat(<f32>0.5 * (a + b + c)));
  v128.store(p + 2 * posStride, f32x4.splat(<f32>0.5 * (a - b + c)));
  v128.store(p + 3 * posStride, f32x4.splat(c));
}

// Note [winograd gemm tile]: the 16 GEMMs of a block, M[pos] = U[pos] · V[pos] ([O × C] · [C × t]),
// are short in the reduction (C, 16 in the case study) and narrow in rows (O), so the general GEMM's
// per-tile work (flags, partial rows and columns, a call per tile) cost as much as the multiply-adds.
// gemmTiles runs its own 4x8 register tile (the GEMM's: Note [relaxed madd]) over all 16 positions
// with none of that: U is packed once per call as 4-row pre-broadcast panels padded with zero rows
// to round4(O), every tile computes 8 columns (reading up to 7 floats past a row of V, into the
// next row or the posFloats slack) and stores them whole into M, whose rows are round8(t) long.
// Measured alone on C = O = 16, t = 144 (the case-study conv2 block): 52 vs 43 GFLOP/s for the 16
// gemmDirectB calls, alternating in one process. Each element of M is the same sum over c in the
// same order as before, so the results do not change.

/** C[0..4][0..8] = A panel [k][4][4 lanes] · B [k][8] (B rows ldbBytes apart; C rows ldcBytes apart). */
// @ts-ignore: decorator
@inline function tile4x8(k: i32, aPtr: usize, bPtr: usize, ldbBytes: usize, cPtr: usize, ldcBytes: usize): void {
  let vacc0x0123 = f32x4.splat(0), vacc0x4567 = f32x4.splat(0), vacc1x0123 = f32x4.splat(0), vacc1x4567 = f32x4.splat(0);
  let vacc2x0123 = f32x4.splat(0), vacc2x4567 = f32x4.splat(0), vacc3x0123 = f32x4.splat(0), vacc3x4567 = f32x4.splat(0);
  const aEndPtr = aPtr + (<usize>k << 6);
  while (aPtr < aEndPtr) {
    const vb0123 = v128.load(bPtr), vb4567 = v128.load(bPtr, 16);
    const va0 = v128.load(aPtr);
    vacc0x0123 = madd(va0, vb0123, vacc0x0123); vacc0x4567 = madd(va0, vb4567, vacc0x4567);
    const va1 = v128.load(aPtr, 16);
    vacc1x0123 = madd(va1, vb0123, vacc1x0123); vacc1x4567 = madd(va1, vb4567, vacc1x4567);
    const va2 = v128.load(aPtr, 32);
    vacc2x0123 = madd(va2, vb0123, vacc2x0123); vacc2x4567 = madd(va2, vb4567, vacc2x4567);
    const va3 = v128.load(aPtr, 48);
    vacc3x0123 = madd(va3, vb0123, vacc3x0123); vacc3x4567 = madd(va3, vb4567, vacc3x4567);
    aPtr += 64;
    bPtr += ldbBytes;
  }
  v128.store(cPtr, vacc0x0123); v128.store(cPtr, vacc0x4567, 16);
  v128.store(cPtr + ldcBytes, vacc1x0123); v128.store(cPtr + ldcBytes, vacc1x4567, 16);
  v128.store(cPtr + 2 * ldcBytes, vacc2x0123); v128.store(cPtr + 2 * ldcBytes, vacc2x4567, 16);
  v128.store(cPtr + 3 * ldcBytes, vacc3x0123); v128.store(cPtr + 3 * ldcBytes, vacc3x4567, 16);
}

/** M[pos] = U[pos] · V[pos] for the 16 positions of a block of t tiles (Note [winograd gemm tile]). */
function gemmTiles(packPtr: usize, vPtr: usize, vPosBytes: usize, mPtr: usize, o: i32, c: i32, t: i32): void {
  const ldm = round8(t);
  const ldvBytes = <usize>t << 2, ldmBytes = <usize>ldm << 2;
  const uPosBytes = <usize>packUBytes(o, c), mPosBytes = <usize>(round4(o) * ldm) << 2;
  const panelBytes = <usize>c << 6;
  for (let pos = 0; pos < 16; pos++) {
    let aPtr = packPtr + <usize>pos * uPosBytes;
    let cRowPtr = mPtr + <usize>pos * mPosBytes;
    const bPosPtr = vPtr + <usize>pos * vPosBytes;
    for (let i0 = 0; i0 < o; i0 += 4) {
      for (let j0 = 0; j0 < t; j0 += 8) {
        tile4x8(c, aPtr, bPosPtr + (<usize>j0 << 2), ldvBytes, cRowPtr + (<usize>j0 << 2), ldmBytes);
      }
      aPtr += panelBytes;
      cRowPtr += ldmBytes << 2;
    }
  }
}

/**
 * y[n] = conv2d(x[n], w) (+ bias) (then ReLU when relu != 0) for n in [nBegin, nEnd), w [O, C, 3, 3], stride 1, dilation 1,
 * padding from the geometry block, in blocks of up to `blockTiles` tiles (Note [winograd tile
 * blocks]). scratchPtr: winogradForwardScratchBytes(O, geom, blockTiles) bytes.
 */
export function winogradConv2d(
  xPtr: usize, wPtr: usize, biasPtr: usize, relu: i32, yPtr: usize, o: i32, geomPtr: usize, scratchPtr: usize, blockTiles: i32,
  nBegin: i32, nEnd: i32,
): void {
  forwardBlocks(xPtr, wPtr, biasPtr, relu != 0, yPtr, 0, o, geomPtr, scratchPtr, blockTiles, nBegin, nEnd);
}

// Note [winograd pool epilogue]: maxPool2d(relu(conv2d(x, w) + bias)) with a 2×2, stride-2 window
// (the fused op conv2dReluMaxPool, autograd's Note [fused conv pool]). F(2×2, 3×3)'s output tiles
// start at even rows and columns, so each tile is one pool window: the output transform keeps the
// first maximum of its four ReLU outputs (and its index iy·OW + ix, maxPool2d's argmax) and
// stores only those, a quarter of the convolution's output, which is never written; no max-pool
// pass reads it back. For even OH and OW (src/conv.ts checks; otherwise the pool drops a ragged
// edge and the composition runs). Bit for bit maxPool2d(conv2dRelu(...)).

/**
 * y[n] = maxPool2d(relu(conv2d(x[n], w) + bias), 2×2, stride 2) and its argmax (i32: the index
 * iy·OW + ix in the convolution's output plane) for n in [nBegin, nEnd), as winogradConv2d with OH
 * and OW even; y and argmax are [N, O, OH/2, OW/2] (Note [winograd pool epilogue]).
 */
export function winogradConv2dReluMaxPool(
  xPtr: usize, wPtr: usize, biasPtr: usize, yPtr: usize, argmaxPtr: usize, o: i32, geomPtr: usize, scratchPtr: usize, blockTiles: i32,
  nBegin: i32, nEnd: i32,
): void {
  forwardBlocks(xPtr, wPtr, biasPtr, true, yPtr, argmaxPtr, o, geomPtr, scratchPtr, blockTiles, nBegin, nEnd);
}

/** The body of winogradConv2d and winogradConv2dReluMaxPool (argmaxPtr != 0: the pool epilogue). */
// @ts-ignore: decorator
@inline function forwardBlocks(
  xPtr: usize, wPtr: usize, biasPtr: usize, relu: bool, yPtr: usize, argmaxPtr: usize, o: i32, geomPtr: usize, scratchPtr: usize,
  blockTiles: i32, nBegin: i32, nEnd: i32,
): void {
  const c = geom(geomPtr, G_C), h = geom(geomPtr, G_H), w = geom(geomPtr, G_W);
  const oh = geom(geomPtr, G_OH), ow = geom(geomPtr, G_OW);
  const ph = geom(geomPtr, G_PH), pw = geom(geomPtr, G_PW);
  const th = tilesH(geomPtr), tw = tilesW(geomPtr);
  const btw = blockCols(blockTiles, geomPtr), bth = blockRows(blockTiles, geomPtr), tb = btw * bth;
  const sr = stripRows(bth), sc = stripCols(btw);
  const stripPtr = scratchPtr;
  const vPtr = stripPtr + <usize>stripBytes(c, bth, btw);
  const mPtr = vPtr + <usize>tileBufBytes(c, tb);
  const packPtr = mPtr + <usize>mBufBytes(o, tb);
  transformWeights(wPtr, packPtr, o, c);
  let stripKey = NO_WINDOW;
  for (let n = nBegin; n < nEnd; n++) {
    const xImage = xPtr + <usize>n * (<usize>(c * h * w) << 2);
    const yImage = yPtr + <usize>n * (<usize>(argmaxPtr != 0 ? o * (oh >> 1) * (ow >> 1) : o * oh * ow) << 2);
    const argImage = argmaxPtr != 0 ? argmaxPtr + <usize>n * (<usize>(o * (oh >> 1) * (ow >> 1)) << 2) : 0;
    for (let ty0 = 0; ty0 < th; ty0 += bth) {
      const bh = min(bth, th - ty0);
      for (let tx0 = 0; tx0 < tw; tx0 += btw) {
        const bw = min(btw, tw - tx0), t = bh * bw;
        const vPosBytes = <usize>posFloats(c, t) << 2;
        const row0 = 2 * ty0 - ph, col0 = 2 * tx0 - pw;
        stripKey = transformBlockInput(xImage, stripPtr, vPtr, vPosBytes, c, h, w, row0, col0, bh, bw, sr, sc, stripKey);
        gemmTiles(packPtr, vPtr, vPosBytes, mPtr, o, c, t);
        outputTransform(mPtr, yImage, biasPtr, relu, o, bh, bw, 2 * ty0, 2 * tx0, oh, ow, argImage);
      }
    }
  }
}

/** One row (p, q) of A·dy times A^T: [p, p + q, p − q, −q] at four positions posBytes apart. */
// @ts-ignore: decorator
@inline function storeZRow(out: usize, posBytes: usize, p: v128, q: v128): void {
  v128.store(out, p);
  v128.store(out + posBytes, f32x4.add(p, q));
  v128.store(out + 2 * posBytes, f32x4.sub(p, q));
  v128.store(out + 3 * posBytes, f32x4.sub(f32x4.splat(0), q));
}

/**
 * Z[pos][o][t] = (A dy_t A^T)[pos] for the th × tw tiles of a block, from its dy strip (O planes of
 * pr rows of pc floats, zero past OH × OW). A rows: [1 0], [1 1], [1 −1], [0 −1].
 */
function dyTransform(dyPadPtr: usize, zPtr: usize, posBytes: usize, o: i32, th: i32, tw: i32, pr: i32, pc: i32): void {
  const t = th * tw;
  const rowBytes = <usize>pc << 2;
  for (let oc = 0; oc < o; oc++) {
    const plane = dyPadPtr + <usize>(oc * pr) * rowBytes;
    const zPlane = zPtr + (<usize>(oc * t) << 2);
    for (let ty = 0; ty < th; ty++) {
      const p = plane + <usize>(2 * ty) * rowBytes;
      for (let tx0 = 0; tx0 < tw; tx0 += 4) {
        const q = p + (<usize>(2 * tx0) << 2);
        const u0 = v128.load(q), u1 = v128.load(q, 16);
        const l0 = v128.load(q + rowBytes), l1 = v128.load(q + rowBytes, 16);
        const a = v128.shuffle<f32>(u0, u1, 0, 2, 4, 6), b = v128.shuffle<f32>(u0, u1, 1, 3, 5, 7);
        const cc = v128.shuffle<f32>(l0, l1, 0, 2, 4, 6), d = v128.shuffle<f32>(l0, l1, 1, 3, 5, 7);
        // rows of A·dy: (a, b), (a + c, b + d), (a − c, b − d), (−c, −d); each row × A^T (storeZRow)
        const out = zPlane + (<usize>(ty * tw + tx0) << 2);
        const vzero = f32x4.splat(0);
        storeZRow(out, posBytes, a, b);
        storeZRow(out + 4 * posBytes, posBytes, f32x4.add(a, cc), f32x4.add(b, d));
        storeZRow(out + 8 * posBytes, posBytes, f32x4.sub(a, cc), f32x4.sub(b, d));
        storeZRow(out + 12 * posBytes, posBytes, f32x4.sub(vzero, cc), f32x4.sub(vzero, d));
      }
    }
  }
}

// Note [winograd backward-input]: dx of y = conv2d(x, w) by the adjoint of the forward's Winograd,
// on the same 2×2 output tiles: y_t = Aᵀ [U ⊙ (Bᵀ d_t B)] A, so
//   dd_t = B [Uᵀ ⊙ (A dy_t Aᵀ)] Bᵀ,   dx = Σ_t dd_t placed at tile t's 4×4 input window,
// whose windows overlap their neighbours' by 2 rows and 2 columns (an overlap-add). Per block:
// Z = A dy Aᵀ (the weight gradient's dy transform), the 16 GEMMs W[pos] = Uᵀ[pos] · Z[pos]
// ([C × O] · [O × t], gemmTiles on Uᵀ packed by transformWeights), then the adjoint input
// transform added into a zero-padded dx strip that is copied (one block per image) or added (blocks
// overlap) into dx. Against the forward conv of dy with the flipped weights that it replaces, it
// runs on y's tile grid (12 × 12 for the case study's conv2) instead of x's (13 × 13, a ragged
// 13 wide, and dy always copied into a padded strip first): the same 16 multiply-adds per tile and
// (o, c), on 144 tiles instead of 169.

/** dst[i] += src[i] for `count` floats. */
// @ts-ignore: decorator
@inline function addRow(dstPtr: usize, srcPtr: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const d = dstPtr + (<usize>i << 2);
    v128.store(d, f32x4.add(v128.load(d), v128.load(srcPtr + (<usize>i << 2))));
  }
  for (; i < count; i++) {
    const d = dstPtr + (<usize>i << 2);
    store<f32>(d, load<f32>(d) + load<f32>(srcPtr + (<usize>i << 2)));
  }
}

/**
 * One row of four tiles' dd (c0..c3: columns 0..3 of the row, lane k = tile k) added into the strip
 * row at rowPtr: tile k's column j goes to column 2k + j, so columns 2k and 2k + 1 take c0, c1 of
 * tile k and c2, c3 of tile k − 1, and columns 8, 9 the last tile's c2, c3.
 */
// @ts-ignore: decorator
@inline function addWindowRow(rowPtr: usize, c0: v128, c1: v128, c2: v128, c3: v128): void {
  const vzero = f32x4.splat(0);
  const even = f32x4.add(c0, v128.shuffle<f32>(vzero, c2, 0, 4, 5, 6));
  const odd = f32x4.add(c1, v128.shuffle<f32>(vzero, c3, 0, 4, 5, 6));
  v128.store(rowPtr, f32x4.add(v128.load(rowPtr), v128.shuffle<f32>(even, odd, 0, 4, 1, 5)));
  v128.store(rowPtr, f32x4.add(v128.load(rowPtr, 16), v128.shuffle<f32>(even, odd, 2, 6, 3, 7)), 16);
  const tail = v128.shuffle<f32>(c2, c3, 3, 7, 3, 7);
  v128.store64_lane(rowPtr, f32x4.add(v128.load64_zero(rowPtr + 32), tail), 0, 32);
}

/**
 * dd_t = B W_t Bᵀ for the th × tw tiles of a block (W [16][round4(C)][round8(t)], the GEMMs'
 * output), added at each tile's 4×4 window into the dx strip (C planes planeFloats apart, rows of pc
 * floats, zeroed by the caller: the padded strip, or dx itself when the window lies inside it; tile (ty, tx) covers rows 2ty..2ty+3, columns 2tx..2tx+3). B rows:
 * [1 0 0 0], [0 1 −1 1], [−1 1 1 0], [0 0 0 −1]. Lanes of a last group of 4 past the block's last
 * tile column (the next row's tiles) are masked to zero.
 */
function inputTransformAdjoint(wtPtr: usize, stripPtr: usize, c: i32, th: i32, tw: i32, pc: i32, planeFloats: i32): void {
  const ldm = round8(th * tw);
  const posBytes = <usize>(round4(c) * ldm) << 2;
  const rowBytes = <usize>pc << 2;
  const lane = i32x4(0, 1, 2, 3);
  for (let ci = 0; ci < c; ci++) {
    const wPlane = wtPtr + (<usize>(ci * ldm) << 2);
    const plane = stripPtr + (<usize>(ci * planeFloats) << 2);
    for (let ty = 0; ty < th; ty++) {
      const rowPtr = plane + <usize>(2 * ty) * rowBytes;
      for (let tx0 = 0; tx0 < tw; tx0 += 4) {
        const mask = i32x4.lt_s(lane, i32x4.splat(tw - tx0));
        const p = wPlane + (<usize>(ty * tw + tx0) << 2);
        const out = rowPtr + (<usize>(2 * tx0) << 2);
        // rows 1 and 2 of B·W: r1j = w1j − w2j + w3j, r2j = w1j + w2j − w0j
        let a = v128.and(v128.load(p + 4 * posBytes), mask), b = v128.and(v128.load(p + 8 * posBytes), mask);
        const r10 = f32x4.add(f32x4.sub(a, b), v128.and(v128.load(p + 12 * posBytes), mask));
        const r20 = f32x4.sub(f32x4.add(a, b), v128.and(v128.load(p), mask));
        a = v128.and(v128.load(p + 5 * posBytes), mask); b = v128.and(v128.load(p + 9 * posBytes), mask);
        const r11 = f32x4.add(f32x4.sub(a, b), v128.and(v128.load(p + 13 * posBytes), mask));
        const r21 = f32x4.sub(f32x4.add(a, b), v128.and(v128.load(p + posBytes), mask));
        a = v128.and(v128.load(p + 6 * posBytes), mask); b = v128.and(v128.load(p + 10 * posBytes), mask);
        const r12 = f32x4.add(f32x4.sub(a, b), v128.and(v128.load(p + 14 * posBytes), mask));
        const r22 = f32x4.sub(f32x4.add(a, b), v128.and(v128.load(p + 2 * posBytes), mask));
        a = v128.and(v128.load(p + 7 * posBytes), mask); b = v128.and(v128.load(p + 11 * posBytes), mask);
        const r13 = f32x4.add(f32x4.sub(a, b), v128.and(v128.load(p + 15 * posBytes), mask));
        const r23 = f32x4.sub(f32x4.add(a, b), v128.and(v128.load(p + 3 * posBytes), mask));
        // each row r times Bᵀ: [r0, r1 − r2 + r3, r1 + r2 − r0, −r3]
        addWindowRow(out + rowBytes, r10, f32x4.add(f32x4.sub(r11, r12), r13), f32x4.sub(f32x4.add(r11, r12), r10), f32x4.neg(r13));
        addWindowRow(out + 2 * rowBytes, r20, f32x4.add(f32x4.sub(r21, r22), r23), f32x4.sub(f32x4.add(r21, r22), r20), f32x4.neg(r23));
        // row 0 of B·W is w0j, row 3 is −w3j
        let x0 = v128.and(v128.load(p), mask), x1 = v128.and(v128.load(p + posBytes), mask);
        let x2 = v128.and(v128.load(p + 2 * posBytes), mask), x3 = v128.and(v128.load(p + 3 * posBytes), mask);
        addWindowRow(out, x0, f32x4.add(f32x4.sub(x1, x2), x3), f32x4.sub(f32x4.add(x1, x2), x0), f32x4.neg(x3));
        x0 = f32x4.neg(v128.and(v128.load(p + 12 * posBytes), mask)); x1 = f32x4.neg(v128.and(v128.load(p + 13 * posBytes), mask));
        x2 = f32x4.neg(v128.and(v128.load(p + 14 * posBytes), mask)); x3 = f32x4.neg(v128.and(v128.load(p + 15 * posBytes), mask));
        addWindowRow(out + 3 * rowBytes, x0, f32x4.add(f32x4.sub(x1, x2), x3), f32x4.sub(f32x4.add(x1, x2), x0), f32x4.neg(x3));
      }
    }
  }
}

/** Scratch bytes winogradConv2dBackward (both gradients) needs (per thread). */
export function winogradBackwardScratchBytes(o: i32, geomPtr: usize, blockTiles: i32): i32 {
  const c = geom(geomPtr, G_C);
  const btw = blockCols(blockTiles, geomPtr), bth = blockRows(blockTiles, geomPtr), tb = btw * bth;
  return winogradBackwardWeightScratchBytes(o, geomPtr, blockTiles) + mBufBytes(c, tb) + 16 * packUBytes(c, o) + stripBytes(c, bth, btw);
}

/**
 * The backward passes of y = conv2d(x, w) over the images [nBegin, nEnd), block by block (Note
 * [winograd tile blocks]): Z = A dy Aᵀ once per block, then with `wantDw` the input transform V
 * of x and the dot products into dU (dw = Gᵀ dU G at the end; overwrites dw), with `wantDx` the
 * GEMMs with Uᵀ and the adjoint input transform into dx (Note [winograd backward-input];
 * overwrites dx). Called with constant flags, so each kernel compiles to its own loop; dw and dx
 * are the same, bit for bit, whether computed together or apart. Scratch: the weight gradient's
 * buffers (winogradBackwardWeightScratchBytes layout) when wantDw, then the input gradient's.
 */
// @ts-ignore: decorator
@inline function backwardBlocks(
  dyPtr: usize, xPtr: usize, wPtr: usize, dxPtr: usize, dwPtr: usize, o: i32, geomPtr: usize, scratchPtr: usize, blockTiles: i32,
  nBegin: i32, nEnd: i32, wantDx: bool, wantDw: bool,
): void {
  const c = geom(geomPtr, G_C), h = geom(geomPtr, G_H), w = geom(geomPtr, G_W);
  const oh = geom(geomPtr, G_OH), ow = geom(geomPtr, G_OW);
  const ph = geom(geomPtr, G_PH), pw = geom(geomPtr, G_PW);
  const th = tilesH(geomPtr), tw = tilesW(geomPtr);
  const btw = blockCols(blockTiles, geomPtr), bth = blockRows(blockTiles, geomPtr), tb = btw * bth;
  const sr = stripRows(bth), sc = stripCols(btw), dsc = dyStripCols(btw);
  // the weight gradient's layout first (as winogradBackwardWeightScratchBytes counts it)
  const stripPtr = scratchPtr;
  const dyStripPtr = stripPtr + <usize>stripBytes(c, bth, btw);
  const vPtr = dyStripPtr + <usize>dyStripBytes(o, bth, btw);
  const zPtr = vPtr + <usize>tileBufBytes(c, tb);
  const dutPtr = zPtr + <usize>tileBufBytes(o, tb);
  const lanesPtr = dutPtr + <usize>align16(16 * c * o * 4);
  const lanes = useDotLanes(c, o);
  const tmpPtr = lanesPtr + <usize>(lanes ? 16 * c * o * 16 : 0);
  // then the input gradient's
  const wtPtr = scratchPtr + <usize>winogradBackwardWeightScratchBytes(o, geomPtr, blockTiles);
  const packPtr = wtPtr + <usize>mBufBytes(c, tb);
  const dxStripPtr = packPtr + <usize>(16 * packUBytes(c, o));
  if (wantDw) {
    // dUᵀ's lane partials [16][C][O] f32x4 over every block and image, reduced across lanes once at the end
    if (lanes) zero(lanesPtr, 16 * c * o * 16);
    else zero(dutPtr, 16 * c * o * 4);
  }
  if (wantDx) transformWeights(wPtr, packPtr, o, c, true);
  // One block per image: its dx strip covers the image and is copied out; else blocks overlap and add.
  const oneBlock = bth >= th && btw >= tw;
  let stripKey = NO_WINDOW, dyStripKey = NO_WINDOW;
  for (let n = nBegin; n < nEnd; n++) {
    const xImage = xPtr + <usize>n * (<usize>(c * h * w) << 2);
    const dyImage = dyPtr + <usize>n * (<usize>(o * oh * ow) << 2);
    const dxImage = dxPtr + <usize>n * (<usize>(c * h * w) << 2);
    if (wantDx && !oneBlock) zeroRow(dxImage, c * h * w);
    for (let ty0 = 0; ty0 < th; ty0 += bth) {
      const bh = min(bth, th - ty0);
      for (let tx0 = 0; tx0 < tw; tx0 += btw) {
        const bw = min(btw, tw - tx0), t = bh * bw;
        const vPosBytes = <usize>posFloats(c, t) << 2, zPosBytes = <usize>posFloats(o, t) << 2;
        const row0 = 2 * ty0 - ph, col0 = 2 * tx0 - pw;
        // Note [winograd direct reads]
        if (windowInside(2 * ty0, 2 * tx0, 2 * bh, 2 * round4(bw), oh, ow)) {
          dyTransform(dyImage + (<usize>(2 * ty0 * ow + 2 * tx0) << 2), zPtr, zPosBytes, o, bh, bw, oh, ow);
        } else {
          const key = windowKey(2 * ty0, 2 * tx0, 2 * bh);
          copyWindow(dyImage, dyStripPtr, o, oh, ow, 2 * ty0, 2 * tx0, 2 * bh, 2 * bth, dsc, key != dyStripKey);
          dyStripKey = key;
          dyTransform(dyStripPtr, zPtr, zPosBytes, o, bh, bw, 2 * bth, dsc);
        }
        if (wantDw) {
          stripKey = transformBlockInput(xImage, stripPtr, vPtr, vPosBytes, c, h, w, row0, col0, bh, bw, sr, sc, stripKey);
          for (let pos = 0; pos < 16; pos++) {
            // dUᵀ[pos] [C × O] += V[pos] [C × t] · Z[pos]ᵀ [t × O]
            const vPosPtr = vPtr + <usize>pos * vPosBytes, zPosPtr = zPtr + <usize>pos * zPosBytes;
            if (lanes) accumulateDotLanes(vPosPtr, zPosPtr, lanesPtr + <usize>pos * (<usize>(c * o) << 4), c, o, t);
            else accumulateDots(vPosPtr, zPosPtr, dutPtr + <usize>pos * (<usize>(c * o) << 2), c, o, t);
          }
        }
        if (wantDx) {
          gemmTiles(packPtr, zPtr, zPosBytes, wtPtr, c, o, t);
          // the block's window, rows row0 .. row0 + 2bh + 1 and columns col0 .. col0 + 2bw + 1, clipped to the image
          if (oneBlock && windowInside(row0, col0, 2 * bh + 2, 2 * round4(bw) + 2, h, w)) {
            // added into dx in place (the adjoint of Note [winograd direct reads]): the case study's conv2
            zeroRow(dxImage, c * h * w);
            inputTransformAdjoint(wtPtr, dxImage + (<usize>(row0 * w + col0) << 2), c, bh, bw, w, h * w);
            continue;
          }
          zero(dxStripPtr, c * sr * sc * 4);
          inputTransformAdjoint(wtPtr, dxStripPtr, c, bh, bw, sc, sr * sc);
          const r0 = max(0, -row0), r1 = min(2 * bh + 2, h - row0);
          const j0 = max(0, -col0), j1 = min(2 * bw + 2, w - col0);
          for (let ci = 0; ci < c; ci++) {
            const src = dxStripPtr + (<usize>(ci * sr * sc) << 2);
            const dst = dxImage + (<usize>(ci * h * w) << 2);
            for (let r = r0; r < r1; r++) {
              const sp = src + (<usize>(r * sc + j0) << 2), dp = dst + (<usize>((row0 + r) * w + col0 + j0) << 2);
              if (oneBlock) copyRow(dp, sp, j1 - j0);
              else addRow(dp, sp, j1 - j0);
            }
          }
        }
      }
    }
  }
  if (!wantDw) return;
  if (lanes) reduceDotLanes(lanesPtr, dutPtr, 16 * c * o);
  // dw[o][c] = G^T dU G; G^T rows: [1 ½ ½ 0], [0 ½ −½ 0], [0 ½ ½ 1]
  const posStride = <usize>(c * o) << 2;
  for (let oc = 0; oc < o; oc++) {
    for (let ic = 0; ic < c; ic++) {
      const u = dutPtr + (<usize>(ic * o + oc) << 2);
      const out = dwPtr + (<usize>((oc * c + ic) * 9) << 2);
      // rows of G^T dU (3 × 4), column by column
      for (let j = 0; j < 4; j++) {
        const x0 = load<f32>(u + <usize>j * posStride), x1 = load<f32>(u + <usize>(4 + j) * posStride);
        const x2 = load<f32>(u + <usize>(8 + j) * posStride), x3 = load<f32>(u + <usize>(12 + j) * posStride);
        store<f32>(tmpPtr + (<usize>j << 2), x0 + <f32>0.5 * (x1 + x2));
        store<f32>(tmpPtr + (<usize>(4 + j) << 2), <f32>0.5 * (x1 - x2));
        store<f32>(tmpPtr + (<usize>(8 + j) << 2), <f32>0.5 * (x1 + x2) + x3);
      }
      for (let i = 0; i < 3; i++) {
        const r = tmpPtr + (<usize>(i * 4) << 2);
        const a = load<f32>(r), b = load<f32>(r, 4), cc = load<f32>(r, 8), d = load<f32>(r, 12);
        store<f32>(out + (<usize>(i * 3) << 2), a + <f32>0.5 * (b + cc));
        store<f32>(out + (<usize>(i * 3 + 1) << 2), <f32>0.5 * (b - cc));
        store<f32>(out + (<usize>(i * 3 + 2) << 2), <f32>0.5 * (b + cc) + d);
      }
    }
  }
}

/**
 * dw[O, C, 3, 3] = Σ_{n in [nBegin, nEnd)} ∂L/∂w of y[n] = conv2d(x[n], w) (overwrites dw), by
 * Winograd F(2×2, 3×3): dU[pos] = Σ_n Σ_t V[pos][·][t] ⊗ Z[pos][·][t], dw = G^T dU G, in blocks of
 * up to `blockTiles` tiles (Note [winograd tile blocks]).
 * scratchPtr: winogradBackwardWeightScratchBytes(O, geom, blockTiles) bytes.
 */
export function winogradConv2dBackwardWeight(
  dyPtr: usize, xPtr: usize, dwPtr: usize, o: i32, geomPtr: usize, scratchPtr: usize, blockTiles: i32, nBegin: i32, nEnd: i32,
): void {
  backwardBlocks(dyPtr, xPtr, 0, 0, dwPtr, o, geomPtr, scratchPtr, blockTiles, nBegin, nEnd, false, true);
}

/**
 * dx[n] of y = conv2d(x, w) given dy (Note [winograd backward-input]) for n in [nBegin, nEnd), w
 * [O, C, 3, 3], stride 1, dilation 1, padding from the geometry block (the forward's), in blocks of up
 * to `blockTiles` tiles (Note [winograd tile blocks]). Overwrites dx.
 * scratchPtr: winogradBackwardScratchBytes(O, geom, blockTiles) bytes (the weight gradient's part unused).
 */
export function winogradConv2dBackwardInput(
  dyPtr: usize, wPtr: usize, dxPtr: usize, o: i32, geomPtr: usize, scratchPtr: usize, blockTiles: i32, nBegin: i32, nEnd: i32,
): void {
  backwardBlocks(dyPtr, 0, wPtr, dxPtr, 0, o, geomPtr, scratchPtr, blockTiles, nBegin, nEnd, true, false);
}

/**
 * dx[n] (overwritten) and dw (Σ over [nBegin, nEnd), overwritten) of y = conv2d(x, w) given dy, in
 * one pass over the blocks that transforms dy once for both (Note [winograd backward-input]); each
 * bit for bit what the two kernels above give. scratchPtr: winogradBackwardScratchBytes(O, geom, blockTiles).
 */
export function winogradConv2dBackward(
  dyPtr: usize, xPtr: usize, wPtr: usize, dxPtr: usize, dwPtr: usize, o: i32, geomPtr: usize, scratchPtr: usize, blockTiles: i32,
  nBegin: i32, nEnd: i32,
): void {
  backwardBlocks(dyPtr, xPtr, wPtr, dxPtr, dwPtr, o, geomPtr, scratchPtr, blockTiles, nBegin, nEnd, true, true);
}
