// The operator home preview's stand-in for `@hubspot/ui-extensions`: everything the card preview's shim renders, plus
// the charts (as SVG). The bundler aliases the package to this file for the operator home bundle only
// (sandbox/previews/operator-home.bundle.ts); a component the page imports but neither shim has fails that build.

export * from '../card/ui-extensions-shim.tsx';
export { BarChart, LineChart } from './chart-shim.tsx';
