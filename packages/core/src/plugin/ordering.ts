/**
 * Plugin order, resolved once before any hook runs: explicit `before`/`after`
 * constraints first, then `enforce` (pre, normal, post), then config order.
 */
import { ConfigError } from '../errors.js';

export interface Orderable {
  name: string;
  enforce?: 'pre' | 'post';
  before?: string[];
  after?: string[];
}

const enforceRank = { pre: 0, normal: 1, post: 2 } as const;

/**
 * Sorts plugins topologically (Kahn), always taking the ready plugin with
 * the lowest (enforce rank, config position). Unknown names and cycles are
 * config errors naming the plugins involved.
 */
export function orderPlugins<T extends Orderable>(plugins: T[], source = 'config'): T[] {
  const byName = new Map<string, number>();
  const problems: string[] = [];
  plugins.forEach((plugin, index) => {
    if (byName.has(plugin.name)) problems.push(`${source}: plugin ${plugin.name} is listed twice`);
    byName.set(plugin.name, index);
  });

  // edges[i] = plugins that must come after plugin i
  const edges = plugins.map(() => new Set<number>());
  const addEdge = (first: number, second: number): void => {
    edges[first]!.add(second);
  };
  plugins.forEach((plugin, index) => {
    for (const other of plugin.after ?? []) {
      const otherIndex = byName.get(other);
      if (otherIndex === undefined) problems.push(`${source}: plugin ${plugin.name} wants to run after ${other}, which is not enabled`);
      else addEdge(otherIndex, index);
    }
    for (const other of plugin.before ?? []) {
      const otherIndex = byName.get(other);
      if (otherIndex === undefined) problems.push(`${source}: plugin ${plugin.name} wants to run before ${other}, which is not enabled`);
      else addEdge(index, otherIndex);
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);

  const incoming = plugins.map(() => 0);
  for (const targets of edges) for (const target of targets) incoming[target]!++;
  const rank = (index: number): [number, number] => [enforceRank[plugins[index]!.enforce ?? 'normal'], index];
  const ready = plugins.map((_, index) => index).filter((index) => incoming[index] === 0);
  const ordered: T[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => {
      const [ra, ia] = rank(a);
      const [rb, ib] = rank(b);
      return ra - rb || ia - ib;
    });
    const next = ready.shift()!;
    ordered.push(plugins[next]!);
    for (const target of edges[next]!) if (--incoming[target]! === 0) ready.push(target);
  }
  if (ordered.length < plugins.length) {
    throw new ConfigError([`${source}: plugin order has a cycle: ${describeCycle(plugins, edges, incoming)}`]);
  }
  return ordered;
}

function describeCycle(plugins: Orderable[], edges: Set<number>[], incoming: number[]): string {
  // Walk from any node still blocked until a node repeats.
  const remaining = new Set(incoming.flatMap((count, index) => (count > 0 ? [index] : [])));
  let current = [...remaining][0]!;
  const path: number[] = [];
  while (!path.includes(current)) {
    path.push(current);
    current = [...edges[current]!].find((target) => remaining.has(target)) ?? current;
  }
  const cycle = [...path.slice(path.indexOf(current)), current];
  return cycle.map((index) => plugins[index]!.name).join(' → ');
}
