// The size budget of issue 12: the client, minified (esbuild, as a bundler
// would) and gzipped, at most 5 KB. The figure is printed on every run.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BUDGET = 5 * 1024;
const entry = new URL('../src/index.js', import.meta.url).pathname;

it(`the client is at most ${BUDGET} bytes minified and gzipped`, async () => {
  const result = await build({
    entryPoints: [entry], bundle: true, minify: true, format: 'esm', target: 'es2020', write: false, logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const gzipped = gzipSync(code, { level: 9 }).length;
  console.log(`herald-client: ${readFileSync(entry).length} bytes of source, ${code.length} minified, ` +
    `${gzipped} minified+gzipped (budget ${BUDGET})`);
  assert.ok(gzipped <= BUDGET, `${gzipped} bytes gzipped`);
});

it('the types declare what the module exports', async () => {
  const module = await import('../src/index.js');
  const types = readFileSync(new URL('../src/index.d.ts', import.meta.url), 'utf8');
  for (const name of Object.keys(module)) assert.match(types, new RegExp(`export (class|interface|type) ${name}\\b`), name);
});
