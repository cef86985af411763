// The demo's processes, all on loopback: redis-server; herald with
// herald.toml, a fresh JWT secret and Redis; the app server (server.mjs); and
// nginx with the site file the project ships (config/nginx/herald.conf), plus
// a location that sends /app/ to the app server. run.mjs starts them for you,
// and the browser test (tests/browser/chat.test.mjs) the same way, with the
// process helpers of tests/browser.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child, freePorts, httpGet, startHerald, startRedis } from '../../tests/browser/servers.mjs';
import { appLocation, startNginx } from '../../tests/browser/nginx.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

// Starts everything, writing configs and logs into `dir`; the page is at
// `stack.url`. stack.restartHerald() and stack.restartNginx() stop one and
// start it again on the same port; stack.stop() stops everything, nginx first. `locations` adds
// nginx location blocks (a test page).
export async function startChat({ heraldBinary, dir, nginxPort, locations = '' }) {
  const [redisPort, heraldPort, appPort] = await freePorts(3);
  const origin = `http://127.0.0.1:${nginxPort}`;
  const secretFile = path.join(dir, 'jwt.secret');
  writeFileSync(secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const stack = { dir, origin, url: `${origin}/app/`, redisPort, heraldPort, appPort, heralds: [] };

  stack.redis = await startRedis(dir, redisPort);
  const heraldOptions = {
    binary: heraldBinary, dir, port: heraldPort, redisPort, origin,
    auth: ['--config', path.join(here, 'herald.toml'), '--jwt-secret-file', secretFile],
  };
  stack.heralds.push(await startHerald(heraldOptions));

  stack.app = new Child('chat app', process.execPath, [path.join(here, 'server.mjs'),
    '--port', String(appPort), '--redis', `redis://127.0.0.1:${redisPort}`, '--jwt-secret-file', secretFile],
  path.join(dir, 'app.log'));
  await stack.app.waitUp(`chat app on ${appPort}`,
    async () => (await httpGet(appPort, '/app/healthz')).status === 200, 20000);

  const nginxOptions = {
    repoRoot, dir, heraldPort, nginxPort,
    extraLocations: `    location = / {\n        return 302 /app/;\n    }\n${appLocation('/app/', appPort)}${locations}`,
  };
  stack.nginx = await startNginx(nginxOptions);

  stack.herald = () => stack.heralds[stack.heralds.length - 1];
  stack.restartHerald = async () => {
    const status = await stack.herald().stop('SIGTERM', 8000);
    stack.heralds.push(await startHerald(heraldOptions));
    return status;
  };
  // Every browser loses its connection; herald stays up.
  stack.restartNginx = async () => {
    await stack.nginx.stop('SIGTERM', 8000);
    stack.nginx = await startNginx(nginxOptions);
  };
  stack.processes = () => [stack.nginx, stack.app, ...stack.heralds, stack.redis].filter(Boolean);
  stack.stop = async () => {
    for (const child of stack.processes()) await child.stop('SIGTERM', 8000);
  };
  return stack;
}
