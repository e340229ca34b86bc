// A tiny static file server for browser tests: 127.0.0.1 only, a random port, the site under a
// path prefix (to check relative URLs), correct MIME types (application/wasm for
// compileStreaming), no directory listings, nothing outside the site directory.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** origin + prefix: where the site's index.html is */
  url: string;
  /** every request as "METHOD path status", in order */
  log: string[];
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** URL path the site is served under, starting and ending with "/" (default "/") */
  prefix?: string;
  /** extra headers on every response (e.g. a Content-Security-Policy) */
  headers?: Record<string, string>;
}

export async function startStaticServer(dir: string, opts: StaticServerOptions = {}): Promise<StaticServer> {
  const root = resolve(dir);
  const prefix = opts.prefix ?? '/';
  const log: string[] = [];

  const send = (req: IncomingMessage, res: ServerResponse, status: number, type: string, body: Buffer | string): void => {
    log.push(`${req.method} ${req.url} ${status}`);
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...opts.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(req, res, 405, 'text/plain', 'method not allowed');
      let path: string;
      try {
        path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      } catch {
        return send(req, res, 400, 'text/plain', 'bad request');
      }
      if (!path.startsWith(prefix)) return send(req, res, 404, 'text/plain', 'not found');
      let rel = path.slice(prefix.length);
      if (rel === '' || rel.endsWith('/')) rel += 'index.html';
      const file = normalize(join(root, rel));
      if (file !== root && !file.startsWith(root + sep)) return send(req, res, 404, 'text/plain', 'not found');
      try {
        if (!(await stat(file)).isFile()) return send(req, res, 404, 'text/plain', 'not found');
        const body = await readFile(file);
        send(req, res, 200, MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', body);
      } catch {
        send(req, res, 404, 'text/plain', 'not found');
      }
    })().catch(() => res.destroy());
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: origin + prefix,
    log,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
