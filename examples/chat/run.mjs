// Runs the chat demo until Ctrl-C: node run.mjs [--port 8000]
// (run.sh installs what it needs first). HERALD_BINARY names the herald
// binary, by default build/release/herald.
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startChat } from './stack.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({ options: { port: { type: 'string', default: '8000' } } });
const heraldBinary = process.env.HERALD_BINARY || path.resolve(here, '../../build/release/herald');

const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-chat-'));
chmodSync(dir, 0o755); // nginx workers may run as another user
let stack;
const shutdown = async (code) => {
  try {
    await stack?.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  }
};
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

try {
  stack = await startChat({ heraldBinary, dir, nginxPort: Number(args.port) });
} catch (error) {
  console.error(`chat demo: ${error.message}`);
  await shutdown(1);
}
console.log(`herald chat demo (logs in ${dir}):
  open ${stack.url}?name=Ann and, in another window, ${stack.url}?name=Bob
  notify Bob:  redis-cli -p ${stack.redisPort} PUBLISH user:bob '{"event":"notification","data":{"text":"Deploy finished"}}'
          or:  curl -X POST ${stack.origin}/app/notify -d '{"user":"bob","text":"Your order shipped"}'
  Ctrl-C stops it all.`);
