// Bundles the page (app/main.jsx, React and herald-client) with esbuild, in
// memory: the demo server serves the result as /app/app.js. A real app would
// bundle at build time instead.
import * as esbuild from 'esbuild';

export async function buildPage() {
  const result = await esbuild.build({
    entryPoints: [new URL('./app/main.jsx', import.meta.url).pathname],
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
    logLevel: 'warning',
  });
  return result.outputFiles[0].contents;
}
