import { readFileSync } from 'node:fs';

/**
 * Reads a V8 .cpuprofile (from `node --cpu-prof`) and adds up self time by function + location
 * and by package, optionally from a point in time on (to leave out start-up).
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  functions: SelfTime[];
  packages: SelfTime[];
  /** Total (inclusive) time: the function or anything it called was running. */
  inclusive: SelfTime[];
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules >= 0) return path.slice(inModules + 'node_modules/'.length);
  const inProject = path.indexOf('/server/');
  return inProject >= 0 ? path.slice(inProject + 1) : path;
}

/** `knex`, `@trpc/server`, `(project)`, `(node)` for node:internal, or `(v8)` for GC, idle and the like. */
function packageOf(url: string): string {
  if (!url) return '(v8)';
  if (url.startsWith('node:')) return '(node)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return match ? match[1] : '(project)';
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  return url ? `${name} ${shortUrl(url)}:${lineNumber + 1}` : name;
}

function ranked(totals: Map<string, number>, totalMs: number, top: number): SelfTime[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms, share: ms / totalMs }));
}

/** The frame names on a node's stack, itself first, each once. */
function stackOf(node: ProfileNode, nodes: Map<number, ProfileNode>, parents: Map<number, number>): Set<string> {
  const names = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parents.get(id)) names.add(frameName(nodes.get(id)!));
  return names;
}

export function summariseProfile(file: string, opts: { fromMs?: number; top?: number; inclusiveTop?: number } = {}): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id] as const)));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byStack = new Map<string, number>();
  let elapsedMs = 0;
  let totalMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = profile.timeDeltas[i] / 1000;
    elapsedMs += ms;
    const node = nodes.get(id)!;
    if (elapsedMs < (opts.fromMs ?? 0) || node.callFrame.functionName === '(idle)') return;
    totalMs += ms;
    const name = frameName(node);
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    const pkg = packageOf(node.callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    for (const frame of stackOf(node, nodes, parents)) byStack.set(frame, (byStack.get(frame) ?? 0) + ms);
  });
  const top = opts.top ?? 25;
  return {
    totalMs,
    functions: ranked(byFunction, totalMs, top),
    packages: ranked(byPackage, totalMs, 12),
    inclusive: ranked(byStack, totalMs, opts.inclusiveTop ?? 0),
  };
}

export function formatSummary(summary: ProfileSummary): string {
  const line = (t: SelfTime) => `${t.ms.toFixed(0).padStart(7)} ms ${(t.share * 100).toFixed(1).padStart(5)}%  ${t.name}`;
  return [
    `busy ${summary.totalMs.toFixed(0)} ms (idle left out)`,
    'self time by package:',
    ...summary.packages.map(line),
    'self time by function:',
    ...summary.functions.map(line),
    ...(summary.inclusive.length ? ['total time (self + callees) by function:', ...summary.inclusive.map(line)] : []),
  ].join('\n');
}

// `tsx bench/cpuprofile.ts FILE.cpuprofile [fromMs]` prints the summary of one profile.
if (process.argv[1]?.endsWith('cpuprofile.ts')) {
  const [file, fromMs, inclusiveTop] = process.argv.slice(2);
  console.log(formatSummary(summariseProfile(file, { fromMs: Number(fromMs ?? 0), inclusiveTop: Number(inclusiveTop ?? 0) })));
}
