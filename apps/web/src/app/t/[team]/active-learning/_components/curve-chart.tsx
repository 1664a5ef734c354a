/**
 * A learning curve as inline SVG: a metric against the number of labels. Each series is a line with dots (a
 * tooltip per dot) and, where its points carry `lo`/`hi`, a shaded spread band; `baseline` is a dashed level line
 * (the base model's score). Rates (every value in [0, 1]) get a 0–100% axis so curves are never zoomed into drama.
 */
export interface CurveSeries {
  key: string;
  label: string;
  color: string;
  dashed?: boolean;
  points: { x: number; y: number; lo?: number; hi?: number; title?: string }[];
}

const W = 640;
const H = 260;
const M = { top: 12, right: 16, bottom: 34, left: 48 };

function niceStep(span: number, count: number) {
  const raw = span / Math.max(1, count);
  const pow = 10 ** Math.floor(Math.log10(raw || 1));
  const n = raw / pow;
  return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * pow;
}

export function CurveChart({
  series,
  baseline,
  format,
  xLabel = "labels",
  testId,
  ...rest
}: {
  series: CurveSeries[];
  baseline?: { value: number; label: string } | null;
  format: (v: number) => string;
  xLabel?: string;
  testId?: string;
} & Record<`data-${string}`, string | number>) {
  const ys = series.flatMap((s) => s.points.flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y]));
  if (baseline) ys.push(baseline.value);
  const rate = ys.length > 0 && ys.every((v) => v >= 0 && v <= 1);
  let [y0, y1] = rate ? [0, 1] : [Math.min(...ys), Math.max(...ys)];
  if (!rate) {
    const pad = (y1 - y0 || Math.abs(y1) || 1) * 0.1;
    [y0, y1] = [y0 - pad, y1 + pad];
  }
  const xMax = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.x)));
  const xStep = niceStep(xMax, 5);
  const x1 = Math.ceil(xMax / xStep) * xStep;
  const px = (x: number) => M.left + (x / x1) * (W - M.left - M.right);
  const py = (y: number) => M.top + (1 - (y - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const yTicks = Array.from({ length: 5 }, (_, i) => y0 + ((y1 - y0) * i) / 4);
  const xTicks = Array.from({ length: Math.round(x1 / xStep) + 1 }, (_, i) => i * xStep);

  return (
    <div data-testid={testId} {...rest}>
      <svg viewBox={`0 0 ${W} ${H}`} className="block h-auto w-full" role="img" aria-label="Learning curve">
        {yTicks.map((t) => (
          <g key={t}>
            <line x1={M.left} x2={W - M.right} y1={py(t)} y2={py(t)} stroke="#f4f4f5" />
            <text x={M.left - 8} y={py(t) + 4} textAnchor="end" fontSize={11} fill="#71717a">
              {format(t)}
            </text>
          </g>
        ))}
        <line x1={M.left} x2={W - M.right} y1={H - M.bottom} y2={H - M.bottom} stroke="#e4e4e7" />
        {xTicks.map((t) => (
          <text key={t} x={px(t)} y={H - M.bottom + 16} textAnchor="middle" fontSize={11} fill="#71717a">
            {t}
          </text>
        ))}
        <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle" fontSize={11} fill="#a1a1aa">
          {xLabel}
        </text>
        {baseline && (
          <g data-testid="curve-baseline">
            <line
              x1={M.left}
              x2={W - M.right}
              y1={py(baseline.value)}
              y2={py(baseline.value)}
              stroke="#71717a"
              strokeDasharray="5 4"
            />
            <text
              x={M.left + 6}
              y={py(baseline.value) - 5}
              fontSize={11}
              fill="#52525b"
              stroke="white"
              strokeWidth={3}
              paintOrder="stroke"
            >
              {baseline.label} {format(baseline.value)}
            </text>
          </g>
        )}
        {series.map((s) => {
          const pts = [...s.points].sort((a, b) => a.x - b.x);
          const band = pts.every((p) => p.lo != null && p.hi != null) && pts.length > 1;
          const line = pts.map((p, i) => `${i ? "L" : "M"}${px(p.x)},${py(p.y)}`).join(" ");
          const area = band
            ? pts.map((p, i) => `${i ? "L" : "M"}${px(p.x)},${py(p.hi!)}`).join(" ") +
              [...pts]
                .reverse()
                .map((p) => ` L${px(p.x)},${py(p.lo!)}`)
                .join("") +
              " Z"
            : null;
          return (
            <g key={s.key} data-testid={`curve-series-${s.key}`} data-points={pts.length}>
              {area && <path d={area} fill={s.color} opacity={0.12} />}
              {pts.length > 1 && (
                <path
                  d={line}
                  fill="none"
                  stroke={s.color}
                  strokeWidth={2}
                  strokeDasharray={s.dashed ? "6 4" : undefined}
                />
              )}
              {pts.map((p) => (
                <circle
                  key={p.x}
                  cx={px(p.x)}
                  cy={py(p.y)}
                  r={s.dashed ? 2.5 : 4}
                  fill={s.dashed ? s.color : "white"}
                  stroke={s.color}
                  strokeWidth={2}
                  data-testid={`curve-point-${s.key}`}
                >
                  <title>{p.title ?? `${s.label}: ${format(p.y)} with ${p.x} ${xLabel}`}</title>
                </circle>
              ))}
            </g>
          );
        })}
      </svg>
      <div className="mt-2 flex flex-wrap items-center gap-x-4 gap-y-1 pl-12 text-xs text-zinc-600">
        {series.map((s) => (
          <span key={s.key} className="inline-flex items-center gap-1.5">
            <svg width="18" height="8" aria-hidden>
              <line
                x1="0"
                x2="18"
                y1="4"
                y2="4"
                stroke={s.color}
                strokeWidth="2"
                strokeDasharray={s.dashed ? "4 3" : undefined}
              />
            </svg>
            {s.label}
          </span>
        ))}
        {baseline && (
          <span className="inline-flex items-center gap-1.5">
            <svg width="18" height="8" aria-hidden>
              <line x1="0" x2="18" y1="4" y2="4" stroke="#71717a" strokeWidth="1.5" strokeDasharray="4 3" />
            </svg>
            {baseline.label}
          </span>
        )}
      </div>
    </div>
  );
}
