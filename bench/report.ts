import type { Sample } from './measure.js';
import type { ServerKind } from './servers.js';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The median of each figure over the rounds (errors are summed). */
export function medianSample(samples: Sample[]): Sample {
  const of = (pick: (s: Sample) => number) => median(samples.map(pick));
  return {
    requestsPerSecond: of((s) => s.requestsPerSecond),
    p50Ms: of((s) => s.p50Ms),
    p99Ms: of((s) => s.p99Ms),
    serverCpuPer1k: of((s) => s.serverCpuPer1k),
    dbCpuPer1k: of((s) => s.dbCpuPer1k),
    otherCores: of((s) => s.otherCores),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
  };
}

export type EndpointMedians = Map<string, Record<ServerKind, Sample>>;

const COLUMNS = ['endpoint', 'server', 'req/s', 'p50 ms', 'p99 ms', 'CPU s/1k req', 'DB CPU s/1k', 'errors'];

function row(endpoint: string, server: string, s: Sample): string[] {
  return [
    endpoint,
    server,
    s.requestsPerSecond.toFixed(0),
    s.p50Ms.toFixed(1),
    s.p99Ms.toFixed(1),
    s.serverCpuPer1k.toFixed(3),
    s.dbCpuPer1k.toFixed(3),
    String(s.errors),
  ];
}

function ratioRow(endpoint: string, ours: Sample, reference: Sample): string[] {
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');
  return [
    endpoint,
    'ours/ref',
    ratio(ours.requestsPerSecond, reference.requestsPerSecond),
    ratio(ours.p50Ms, reference.p50Ms),
    ratio(ours.p99Ms, reference.p99Ms),
    ratio(ours.serverCpuPer1k, reference.serverCpuPer1k),
    ratio(ours.dbCpuPer1k, reference.dbCpuPer1k),
    '',
  ];
}

/** A Markdown table (readable as plain text too). */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function endpointTable(medians: EndpointMedians): string {
  const rows: string[][] = [];
  for (const [name, { ours, reference }] of medians) {
    rows.push(row(name, 'ours', ours), row(name, 'reference', reference), ratioRow(name, ours, reference));
  }
  return markdownTable(COLUMNS, rows);
}

export interface Target {
  what: string;
  measured: string;
  target: string;
  holds: boolean;
}

export function targetTable(targets: Target[]): string {
  return markdownTable(
    ['target', 'measured', 'limit', 'holds'],
    targets.map((t) => [t.what, t.measured, t.target, t.holds ? 'yes' : 'NO']),
  );
}
