// JSON Lines as the CLI prints them: one record per line.

import { expect } from 'vitest';
import { parseEndpoint } from '../../web/call-media.ts';

/** Every line of a finished JSON Lines output, parsed; the text must end with a complete line. */
export function jsonl(stdout: string): Record<string, any>[] {
  if (stdout === '') return [];
  expect(stdout.endsWith('\n'), 'JSON Lines output ends with a complete line').toBe(true);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

/** The complete lines of an output still being written (what follows the last newline is left), parsed. */
export function parseJsonl(text: string): Record<string, any>[] {
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  return text
    .slice(0, end)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);
}

/** A JSON endpoint (`"ip:port"`, `"[v6]:port"`: rtpSrc, media[].src …) as its parts; the page's own reader. */
export function endpointOf(s: string): { ip: string; port: number } {
  const e = parseEndpoint(s);
  if (e === null) throw new Error(`not an endpoint: ${s}`);
  return e;
}
