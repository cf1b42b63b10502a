// The local preview's stand-in for `BarChart` and `LineChart` of @hubspot/ui-extensions 0.17: a plain SVG with axes,
// one colour per series (`groupFieldByColor`), a legend, optional data labels and native tooltips (`<title>`). It
// draws what the props say — the same rows, in the order given (as HubSpot does), category x-axes — so the local page
// shows the numbers the real charts get; HubSpot's own look (animation, hover cards, datetime axes) is not copied.

import type { BarChartProps, ChartColor, ChartDataRow, LineChartProps } from '@hubspot/ui-extensions';
import type { ReactNode } from 'react';

const PALETTE: Record<ChartColor, string> = {
  orange: '#ff7a59',
  aqua: '#00bda5',
  purple: '#6a78d1',
  yellow: '#f5c26b',
  pink: '#f2547d',
  blue: '#4fb0ff',
  green: '#00a4bd',
  darkOrange: '#c4492b',
  darkAqua: '#008f7b',
  darkPurple: '#4550a8',
  darkYellow: '#c99733',
  darkPink: '#b8294f',
  darkBlue: '#1f6bb8',
  darkGreen: '#007a8c',
};
const DEFAULT_ORDER: readonly ChartColor[] = [
  'orange',
  'aqua',
  'purple',
  'yellow',
  'pink',
  'blue',
  'green',
  'darkOrange',
  'darkAqua',
  'darkPurple',
  'darkYellow',
  'darkPink',
  'darkBlue',
  'darkGreen',
];

const WIDTH = 560;
const HEIGHT = 260;
const MARGIN = { top: 16, right: 16, bottom: 44, left: 56 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

interface Series {
  name: string;
  color: string;
  /** value per category index (undefined: no row for it). */
  values: Array<number | undefined>;
}

interface Layout {
  categories: string[];
  series: Series[];
  min: number;
  max: number;
  ticks: number[];
}

function rowsOf(data: BarChartProps['data']): ChartDataRow[] {
  return Array.isArray(data) ? data : data.data;
}

/** Rows → categories (x values in first-seen order) and one series per `groupFieldByColor` value (or the y field). */
function layoutOf(props: BarChartProps | LineChartProps): Layout {
  const rows = rowsOf(props.data);
  const { x, y, options } = props.axes;
  const groupField = options?.groupFieldByColor;
  const categories: string[] = [];
  const names: string[] = [];
  for (const row of rows) {
    const category = String(row[x.field] ?? '');
    if (!categories.includes(category)) categories.push(category);
    const name = groupField === undefined ? (y.label ?? y.field) : String(row[groupField] ?? '');
    if (!names.includes(name)) names.push(name);
  }
  const order = [...(props.options?.colorList ?? props.options?.colors ?? []), ...DEFAULT_ORDER];
  const series = names.map((name, index): Series => {
    const named = options?.colors?.[name];
    const color = PALETTE[named ?? order[index % order.length] ?? 'orange'];
    return { name, color, values: categories.map(() => undefined) };
  });
  for (const row of rows) {
    const value = Number(row[y.field]);
    if (!Number.isFinite(value)) continue;
    const name = groupField === undefined ? (y.label ?? y.field) : String(row[groupField] ?? '');
    const target = series.find((candidate) => candidate.name === name);
    if (target) target.values[categories.indexOf(String(row[x.field] ?? ''))] = value;
  }
  const values = series.flatMap((s) => s.values.filter((v): v is number => v !== undefined));
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  const ticks = niceTicks(low, high);
  return { categories, series, min: ticks[0] ?? low, max: ticks.at(-1) ?? high, ticks };
}

function niceTicks(low: number, high: number): number[] {
  const span = high - low || 1;
  const rough = span / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const start = Math.floor(low / step) * step;
  const ticks: number[] = [];
  for (let tick = start; tick <= high + step * 0.001; tick += step) ticks.push(Math.round(tick * 1000) / 1000);
  if ((ticks.at(-1) ?? 0) < high) ticks.push((ticks.at(-1) ?? 0) + step);
  return ticks;
}

const format = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

function Frame({
  kind,
  props,
  layout,
  children,
}: {
  kind: 'bar' | 'line';
  props: BarChartProps | LineChartProps;
  layout: Layout;
  children: (yOf: (value: number) => number, band: number) => ReactNode;
}) {
  const yOf = (value: number) => MARGIN.top + PLOT_H - ((value - layout.min) / (layout.max - layout.min || 1)) * PLOT_H;
  const band = PLOT_W / Math.max(layout.categories.length, 1);
  const title = props.options?.title;
  const showLegend = props.options?.showLegend ?? false;
  return (
    <figure
      className={`hs-chart hs-chart--${kind}`}
      {...(props.testId === undefined ? {} : { 'data-testid': props.testId })}
      data-series-count={layout.series.length}
    >
      {title !== undefined && <figcaption className="hs-chart__title">{title}</figcaption>}
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${title ?? 'Chart'}: ${layout.series.map((s) => s.name).join(', ')} by ${props.axes.x.label ?? props.axes.x.field}`}
      >
        {layout.ticks.map((tick) => (
          <g key={tick} className="hs-chart__tick">
            <line
              x1={MARGIN.left}
              x2={WIDTH - MARGIN.right}
              y1={yOf(tick)}
              y2={yOf(tick)}
              stroke={tick === 0 ? '#7c98b6' : '#dfe3eb'}
            />
            <text x={MARGIN.left - 6} y={yOf(tick) + 4} textAnchor="end">
              {format(tick)}
            </text>
          </g>
        ))}
        {layout.categories.map((category, index) => (
          <text
            key={category}
            className="hs-chart__category"
            x={MARGIN.left + band * index + band / 2}
            y={HEIGHT - MARGIN.bottom + 16}
            textAnchor="middle"
          >
            {category}
          </text>
        ))}
        <text className="hs-chart__axis-label" x={MARGIN.left + PLOT_W / 2} y={HEIGHT - 6} textAnchor="middle">
          {props.axes.x.label ?? props.axes.x.field}
        </text>
        <text
          className="hs-chart__axis-label"
          transform={`translate(14 ${MARGIN.top + PLOT_H / 2}) rotate(-90)`}
          textAnchor="middle"
        >
          {props.axes.y.label ?? props.axes.y.field}
        </text>
        {children(yOf, band)}
      </svg>
      {(showLegend || layout.series.length > 1) && (
        <ul className="hs-chart__legend">
          {layout.series.map((series) => (
            <li key={series.name} data-series={series.name}>
              <span className="hs-chart__swatch" style={{ background: series.color }} aria-hidden="true" />
              {series.name}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

export function BarChart(props: BarChartProps) {
  const layout = layoutOf(props);
  const labels = props.options?.showDataLabels ?? false;
  return (
    <Frame kind="bar" props={props} layout={layout}>
      {(yOf, band) => {
        const inner = (band * 0.8) / Math.max(layout.series.length, 1);
        return layout.series.map((series, s) => (
          <g key={series.name} className="hs-chart__series" data-series={series.name}>
            {series.values.map((value, c) => {
              if (value === undefined) return null;
              const x = MARGIN.left + band * c + band * 0.1 + inner * s;
              const top = Math.min(yOf(value), yOf(0));
              const height = Math.abs(yOf(value) - yOf(0));
              return (
                <g key={layout.categories[c]}>
                  <rect x={x} y={top} width={Math.max(inner - 2, 1)} height={Math.max(height, 1)} fill={series.color}>
                    <title>{`${series.name} · ${layout.categories[c]}: ${format(value)}`}</title>
                  </rect>
                  {labels && (
                    <text className="hs-chart__label" x={x + inner / 2 - 1} y={top - 4} textAnchor="middle">
                      {format(value)}
                    </text>
                  )}
                </g>
              );
            })}
          </g>
        ));
      }}
    </Frame>
  );
}

export function LineChart(props: LineChartProps) {
  const layout = layoutOf(props);
  const labels = props.options?.showDataLabels ?? false;
  return (
    <Frame kind="line" props={props} layout={layout}>
      {(yOf, band) =>
        layout.series.map((series) => {
          const points = series.values.flatMap((value, c) =>
            value === undefined ? [] : [{ x: MARGIN.left + band * c + band / 2, y: yOf(value), value, c }],
          );
          return (
            <g key={series.name} className="hs-chart__series" data-series={series.name}>
              <polyline
                points={points.map((p) => `${p.x},${p.y}`).join(' ')}
                fill="none"
                stroke={series.color}
                strokeWidth={2.5}
              />
              {points.map((p) => (
                <g key={p.c}>
                  <circle cx={p.x} cy={p.y} r={4} fill={series.color}>
                    <title>{`${series.name} · ${layout.categories[p.c]}: ${format(p.value)}`}</title>
                  </circle>
                  {labels && (
                    <text className="hs-chart__label" x={p.x} y={p.y - 8} textAnchor="middle">
                      {format(p.value)}
                    </text>
                  )}
                </g>
              ))}
            </g>
          );
        })
      }
    </Frame>
  );
}
