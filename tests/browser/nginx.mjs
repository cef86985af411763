// nginx in front of herald, configured by the site file that the project ships
// (config/nginx/herald.conf), rendered for the test's ports into a temp dir.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Child, httpGet } from './servers.mjs';

const HOST = '127.0.0.1';

// Replaces exactly one match of `pattern` in `text`, so that a change in the
// shipped file's shape fails loudly instead of testing something else.
function replaceOnce(text, pattern, replacement, what) {
  const matches = text.match(new RegExp(pattern.source, pattern.flags.replace('g', '') + 'g'));
  if (!matches || matches.length !== 1) {
    throw new Error(`config/nginx/herald.conf: expected one ${what}, found ${matches ? matches.length : 0}`);
  }
  return text.replace(pattern, replacement);
}

// The shipped site with the test's herald address, listen port and a
// location serving the test page from `wwwDir` (same origin as /events, /ws),
// when there is one, plus `extraLocations` (nginx text) in the server block.
export function renderSite(siteText, { heraldPort, nginxPort, wwwDir, extraLocations = '' }) {
  let site = siteText;
  site = replaceOnce(site, /^(\s*server\s+)127\.0\.0\.1:8080(\b[^;]*;)/m,
    `$1${HOST}:${heraldPort}$2`, 'upstream "server 127.0.0.1:8080" line');
  site = replaceOnce(site, /^(\s*)listen\s+80\s*;/m, `$1listen ${HOST}:${nginxPort};`, '"listen 80;" line');
  site = replaceOnce(site, /^(\s*)server_name\s+[^;]+;/m, `$1server_name ${HOST};`, 'server_name line');
  // The server block is the file's last block: its closing brace is the last one.
  const end = site.lastIndexOf('}');
  if (end < 0) throw new Error('config/nginx/herald.conf: no server block');
  const pageLocation = !wwwDir ? '' :
    `\n    # Added by tests/browser: the test page, served from the same origin.\n` +
    `    location = /page.html {\n        root ${wwwDir};\n    }\n`;
  return site.slice(0, end) + pageLocation + extraLocations + site.slice(end);
}

// A minimal main config: everything nginx writes stays under `dir`.
export function mainConfig(dir, sitePath) {
  const p = (name) => path.join(dir, name);
  return `daemon off;
master_process on;
worker_processes 1;
pid ${p('nginx.pid')};
error_log ${p('nginx-error.log')} info;

events {
    worker_connections 256;
}

http {
    types {
        text/html html;
    }
    default_type application/octet-stream;
    log_format herald_test '$remote_addr "$request" $status upstream=$upstream_status '
                           'last_event_id="$http_last_event_id" origin="$http_origin" '
                           'upgrade="$http_upgrade" time=$request_time';
    access_log ${p('nginx-access.log')} herald_test;
    client_body_temp_path ${p('client_body_temp')};
    proxy_temp_path ${p('proxy_temp')};
    fastcgi_temp_path ${p('fastcgi_temp')};
    uwsgi_temp_path ${p('uwsgi_temp')};
    scgi_temp_path ${p('scgi_temp')};

    include ${sitePath};
}
`;
}

// A location that proxies `prefix` (e.g. "/app/") to an application on `port`.
export const appLocation = (prefix, port) =>
  `    location ${prefix} {\n        proxy_pass http://${HOST}:${port};\n    }\n`;

// Renders the configs into `dir`, copies the page (if any) to dir/www, starts
// `nginx -p dir -c dir/nginx.conf` and waits until herald's /readyz answers
// 200 through it.
export async function startNginx({ repoRoot, dir, pagePath, heraldPort, nginxPort, extraLocations }) {
  let wwwDir;
  if (pagePath) {
    wwwDir = path.join(dir, 'www');
    mkdirSync(wwwDir, { recursive: true });
    copyFileSync(pagePath, path.join(wwwDir, 'page.html'));
  }
  const siteText = readFileSync(path.join(repoRoot, 'config/nginx/herald.conf'), 'utf8');
  const sitePath = path.join(dir, 'herald-site.conf');
  writeFileSync(sitePath, renderSite(siteText, { heraldPort, nginxPort, wwwDir, extraLocations }));
  const confPath = path.join(dir, 'nginx.conf');
  writeFileSync(confPath, mainConfig(dir, sitePath));

  const nginx = new Child('nginx', 'nginx', ['-p', dir, '-c', confPath, '-e', path.join(dir, 'nginx-error.log')],
    path.join(dir, 'nginx.out'), 'SIGTERM');
  await nginx.waitUp(`herald /readyz through nginx on ${nginxPort}`,
    async () => (await httpGet(nginxPort, '/readyz')).status === 200);
  return nginx;
}

export function accessLog(dir) {
  try {
    return readFileSync(path.join(dir, 'nginx-access.log'), 'utf8');
  } catch {
    return '';
  }
}
