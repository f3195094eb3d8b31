import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

/** Value imports between files of src/ (type-only imports vanish at run time and cannot form a cycle). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(/^(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/gm)) {
      if (match[2]) continue;
      const spec = match[3] ?? match[4];
      targets.push(relative(SRC, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    }
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

const graph = importGraph();

describe('the import graph of src/', () => {
  it('has no cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  it('keeps check groups apart: no file of src/checks/<group>/ imports from another group', () => {
    const crossing = [...graph].flatMap(([file, targets]) => {
      const group = /^checks\/([^/]+)\//.exec(file)?.[1];
      if (!group) return [];
      return targets.filter((target) => target.startsWith('checks/') && !target.startsWith(`checks/${group}/`)).map((target) => `${file} -> ${target}`);
    });
    assert.deepEqual(crossing, []);
  });

  it('lets only the generated catalogue import check files', () => {
    const outside = [...graph].flatMap(([file, targets]) =>
      file.startsWith('checks/') ? [] : targets.filter((target) => target.startsWith('checks/')).map((target) => `${file} -> ${target}`),
    );
    assert.deepEqual(outside, ['core/catalogue.ts -> checks/index.ts']);
  });

  it('keeps the layers in order: util, probes, config and knowledge never import checks, core engine, reporters or cli', () => {
    const upward = [...graph].flatMap(([file, targets]) => {
      const layer = file.split('/')[0];
      if (!['util', 'probes', 'config', 'knowledge'].includes(layer)) return [];
      const engine = /^core\/(runner|catalogue|doctor|deployment)\.ts$/;
      return targets.filter((target) => /^(checks|reporters|cli)\//.test(target) || engine.test(target)).map((target) => `${file} -> ${target}`);
    });
    assert.deepEqual(upward, []);
  });
});
