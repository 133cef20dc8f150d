// Segment colours: Okabe–Ito first (distinguishable with every common colour-vision deficiency), then
// Paul Tol's "muted" set for runs with more than eight segments.
const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
const TOL_MUTED = ['#332288', '#88CCEE', '#44AA99', '#117733', '#999933', '#DDCC77', '#CC6677', '#882255', '#AA4499', '#DDDDDD'];
export const SEGMENT_COLOURS = [...OKABE_ITO, ...TOL_MUTED];

export function segmentColour(index: number): string {
  return SEGMENT_COLOURS[((index % SEGMENT_COLOURS.length) + SEGMENT_COLOURS.length) % SEGMENT_COLOURS.length]!;
}

/** The colour as one RGBA word in the byte order of ImageData on little-endian machines (ABGR). */
export function packedColour(hex: string): number {
  const v = parseInt(hex.slice(1), 16);
  const r = (v >> 16) & 255;
  const g = (v >> 8) & 255;
  const b = v & 255;
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
