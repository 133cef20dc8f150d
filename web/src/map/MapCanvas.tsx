// The customer map: every point written straight into one ImageData (no DOM node, no path per point),
// so 100k points redraw within a frame; zoom with the wheel or +/−, pan by dragging or with the arrow
// keys, hover for a summary, click (or Enter on the hovered point) to open the customer.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { packedColour, segmentColour } from '../components/palette';
import { PointGrid } from './point-grid';

export interface MapPoints {
  ids: string[];
  x: Float32Array;
  y: Float32Array;
  segment: Int32Array;
}

interface View {
  scale: number;
  /** Data coordinates at the canvas centre. */
  cx: number;
  cy: number;
}

/** Frame statistics for benchmarks and tests (window.__customerMap). */
export interface MapStats {
  points: number;
  drawn: number;
  frames: number;
  lastFrameMs: number;
  frameMs: number[];
}

declare global {
  interface Window {
    __customerMap?: MapStats;
  }
}

const HOVER_RADIUS_PX = 8;

export function MapCanvas(props: {
  points: MapPoints;
  highlight?: number | null;
  onHover(index: number | null, at: { x: number; y: number } | null): void;
  onOpen(index: number): void;
  label: string;
}) {
  const { points } = props;
  const wrapper = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ width: 800, height: 520, ratio: 1 });
  const grid = useMemo(() => new PointGrid(points.x, points.y), [points]);
  const home = useMemo<View>(() => {
    const width = grid.columns * grid.cellSize || 1;
    const height = grid.rows * grid.cellSize || 1;
    return { cx: grid.minX + width / 2, cy: grid.minY + height / 2, scale: 0.92 * Math.min(size.width / width, size.height / height) };
  }, [grid, size]);
  const [view, setView] = useState<View | null>(null);
  const current = view ?? home;
  const hovered = useRef<number | null>(null);
  const frame = useRef(0);
  const image = useRef<ImageData | null>(null);
  const colours = useMemo(() => {
    const max = points.segment.reduce((m, s) => Math.max(m, s), 0);
    return Uint32Array.from({ length: max + 1 }, (_, i) => packedColour(segmentColour(i)));
  }, [points]);

  useEffect(() => {
    const el = wrapper.current;
    if (!el) return;
    const observer = new ResizeObserver(([entry]) => {
      const width = Math.max(200, Math.floor(entry!.contentRect.width));
      setSize({ width, height: Math.max(260, Math.min(640, Math.round(width * 0.62))), ratio: window.devicePixelRatio || 1 });
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const toData = useCallback(
    (px: number, py: number) => ({ x: current.cx + (px - size.width / 2) / current.scale, y: current.cy - (py - size.height / 2) / current.scale }),
    [current, size],
  );
  const toScreen = useCallback(
    (i: number) => ({ x: (points.x[i]! - current.cx) * current.scale + size.width / 2, y: size.height / 2 - (points.y[i]! - current.cy) * current.scale }),
    [current, size, points],
  );

  const draw = useCallback(() => {
    const c = canvas.current;
    if (!c) return;
    const started = performance.now();
    const ctx = c.getContext('2d')!;
    const w = c.width;
    const h = c.height;
    // One pixel buffer per canvas size, reused by every frame (a fresh one is megabytes per frame).
    if (image.current?.width !== w || image.current.height !== h) image.current = ctx.createImageData(w, h);
    const pixels = new Uint32Array(image.current.data.buffer);
    pixels.fill(0xffffffff);
    const k = current.scale * size.ratio;
    const ox = w / 2 - current.cx * k;
    const oy = h / 2 + current.cy * k;
    const dot = size.ratio >= 2 ? 3 : 2;
    let drawn = 0;
    const n = points.x.length;
    for (let i = 0; i < n; i++) {
      const px = (points.x[i]! * k + ox) | 0;
      const py = (oy - points.y[i]! * k) | 0;
      if (px < 0 || py < 0 || px > w - dot || py > h - dot) continue;
      const colour = colours[points.segment[i]!] ?? 0xff888888;
      let o = py * w + px;
      for (let dy = 0; dy < dot; dy++, o += w) for (let dx = 0; dx < dot; dx++) pixels[o + dx] = colour;
      drawn++;
    }
    ctx.putImageData(image.current, 0, 0);
    const mark = (i: number | null | undefined, colour: string) => {
      if (i === null || i === undefined || i < 0) return;
      const p = toScreen(i);
      ctx.beginPath();
      ctx.arc(p.x * size.ratio, p.y * size.ratio, 7 * size.ratio, 0, Math.PI * 2);
      ctx.lineWidth = 2 * size.ratio;
      ctx.strokeStyle = colour;
      ctx.stroke();
    };
    mark(props.highlight, '#000');
    mark(hovered.current, '#000');
    const ms = performance.now() - started;
    const stats = window.__customerMap ?? { points: n, drawn, frames: 0, lastFrameMs: 0, frameMs: [] };
    stats.points = n;
    stats.drawn = drawn;
    stats.frames += 1;
    stats.lastFrameMs = ms;
    stats.frameMs.push(ms);
    if (stats.frameMs.length > 600) stats.frameMs.shift();
    window.__customerMap = stats;
    c.dataset.drawn = String(drawn);
  }, [current, size, points, colours, props.highlight, toScreen]);

  const schedule = useCallback(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(draw);
  }, [draw]);
  useEffect(() => {
    schedule();
    return () => cancelAnimationFrame(frame.current);
  }, [schedule]);
  useEffect(() => () => void delete window.__customerMap, []);

  // Wheel zoom around the cursor; the listener is not passive so the page does not scroll.
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = c.getBoundingClientRect();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  });

  const zoomAt = (factor: number, px: number, py: number) => {
    const anchor = toData(px, py);
    const scale = Math.max(home.scale * 0.5, Math.min(home.scale * 400, current.scale * factor));
    setView({ scale, cx: anchor.x - (px - size.width / 2) / scale, cy: anchor.y + (py - size.height / 2) / scale });
  };
  const pan = (dx: number, dy: number) => setView({ ...current, cx: current.cx - dx / current.scale, cy: current.cy + dy / current.scale });

  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const pick = (e: React.PointerEvent) => {
    const rect = canvas.current!.getBoundingClientRect();
    const px = e.clientX - rect.left;
    const py = e.clientY - rect.top;
    const d = toData(px, py);
    return { index: grid.nearest(d.x, d.y, HOVER_RADIUS_PX / current.scale), px, py };
  };
  const setHovered = (index: number | null, at: { x: number; y: number } | null) => {
    if (hovered.current === index) return;
    hovered.current = index;
    props.onHover(index, at);
    schedule();
  };

  return (
    <div className="map-wrapper" ref={wrapper}>
      <canvas
        ref={canvas}
        className="map-canvas"
        tabIndex={0}
        role="img"
        aria-label={props.label}
        aria-describedby="map-help"
        width={Math.round(size.width * size.ratio)}
        height={Math.round(size.height * size.ratio)}
        style={{ width: size.width, height: size.height }}
        onPointerDown={(e) => {
          drag.current = { x: e.clientX, y: e.clientY, moved: false };
          (e.target as HTMLElement).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          if (drag.current && e.buttons) {
            const dx = e.clientX - drag.current.x;
            const dy = e.clientY - drag.current.y;
            if (drag.current.moved || Math.abs(dx) + Math.abs(dy) > 3) {
              drag.current = { x: e.clientX, y: e.clientY, moved: true };
              pan(dx, dy);
            }
            return;
          }
          const { index, px, py } = pick(e);
          setHovered(index >= 0 ? index : null, index >= 0 ? { x: px, y: py } : null);
        }}
        onPointerUp={(e) => {
          const wasDrag = drag.current?.moved;
          drag.current = null;
          if (wasDrag) return;
          const { index } = pick(e);
          if (index >= 0) props.onOpen(index);
        }}
        onPointerLeave={() => setHovered(null, null)}
        onKeyDown={(e) => {
          const step = 60;
          const actions: Record<string, () => void> = {
            ArrowLeft: () => pan(step, 0),
            ArrowRight: () => pan(-step, 0),
            ArrowUp: () => pan(0, step),
            ArrowDown: () => pan(0, -step),
            '+': () => zoomAt(1.4, size.width / 2, size.height / 2),
            '=': () => zoomAt(1.4, size.width / 2, size.height / 2),
            '-': () => zoomAt(1 / 1.4, size.width / 2, size.height / 2),
            '0': () => setView(null),
            Enter: () => hovered.current !== null && props.onOpen(hovered.current),
          };
          const action = actions[e.key];
          if (action) {
            e.preventDefault();
            action();
          }
        }}
      />
      <p id="map-help" className="muted small">
        Drag or use the arrow keys to pan; wheel or +/− to zoom; 0 resets. Hover a point for its summary; click it to open the customer.
      </p>
      <div className="map-controls">
        <button type="button" onClick={() => zoomAt(1.4, size.width / 2, size.height / 2)} aria-label="Zoom in">
          +
        </button>
        <button type="button" onClick={() => zoomAt(1 / 1.4, size.width / 2, size.height / 2)} aria-label="Zoom out">
          −
        </button>
        <button type="button" onClick={() => setView(null)}>
          Reset view
        </button>
      </div>
    </div>
  );
}
