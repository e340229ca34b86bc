// The WASM contract: shared/engine/core-abi.ts is what scripts/gen-abi.ts makes of assembly/abi.ts, and
// the generator refuses a contract that would be read wrongly.

import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { ABI_OUTPUT, ABI_SOURCE, generateAbi } from '../../../scripts/gen-abi.ts';
import { COUNTER_INFO, COUNTERS, EV_HEAD, EV_N_WATCH, PROBLEM_COUNTERS } from '../../../shared/engine/core-abi.ts';

const abi = readFileSync(ABI_SOURCE, 'utf8');

test('shared/engine/core-abi.ts is up to date with assembly/abi.ts (npm run build:abi)', () => {
  expect(readFileSync(ABI_OUTPUT, 'utf8')).toBe(generateAbi());
});

test('counters: one name per id, problems among them, the fixed head holds every field', () => {
  expect(COUNTER_INFO.length).toBe(COUNTERS);
  expect(new Set(COUNTER_INFO.map(([n]) => n)).size).toBe(COUNTERS);
  for (const p of PROBLEM_COUNTERS) expect(COUNTER_INFO.some(([n]) => n === p)).toBe(true);
  expect(EV_N_WATCH + 4).toBeLessThanOrEqual(EV_HEAD);
});

test('a counter id out of order is refused', () => {
  const bad = abi.replace('export const C_SIP_FRAMES: i32 = 1;', 'export const C_SIP_FRAMES: i32 = 2;');
  expect(bad).not.toBe(abi);
  expect(() => generateAbi(bad)).toThrow(/C_SIP_FRAMES is 2/);
});

test('a counter without its name and label is refused', () => {
  const bad = abi.replace(/(export const C_HEP: i32 = 33;).*/, '$1');
  expect(() => generateAbi(bad)).toThrow(/C_HEP needs a trailing comment/);
});

test('a wrong COUNTERS total is refused', () => {
  const bad = abi.replace(/export const COUNTERS: i32 = \d+;/, 'export const COUNTERS: i32 = 40;');
  expect(() => generateAbi(bad)).toThrow(/COUNTERS must be/);
});

test('the exported functions of the core are typed for the host', () => {
  const text = generateAbi(
    abi,
    'export function run(): u32 { return 0; }\nexport function push(n: u32): void {}\nfunction hidden(): void {}\n',
  );
  expect(text).toContain('  run(): number;');
  expect(text).toContain('  push(n: number): void;');
  expect(text).not.toContain('hidden');
});
