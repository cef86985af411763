// Bundles a page with esbuild, in memory: the demo server bundles app/main.jsx
// (React, herald-client and the page) at start-up and serves it as
// /app/app.js. A real app would bundle at build time instead.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

// The bundle of `entry` (a .jsx path) as bytes of an ES module.
export async function bundle(entry) {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    jsx: 'automatic',
    // React's development build: clearer errors, and Strict Mode's double
    // mounting, which the hooks must survive.
    define: { 'process.env.NODE_ENV': '"development"' },
    // herald-client is installed as a link to clients/js: resolve its
    // `import 'react'` from here, so that the page has one React.
    preserveSymlinks: true,
    // A page outside this folder (tests/browser's hooks page) takes React
    // and herald-client from here too.
    nodePaths: [path.join(here, 'node_modules')],
    logLevel: 'warning',
  });
  return result.outputFiles[0].contents;
}

export const buildPage = () => bundle(path.join(here, 'app/main.jsx'));
