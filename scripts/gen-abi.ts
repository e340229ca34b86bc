// Writes shared/engine/core-abi.ts, the host's side of the WASM contract, from assembly/abi.ts (the
// constants) and assembly/index.ts (the exported functions). `npm run build:abi` runs it; a unit
// test runs generateAbi() and fails when the checked-in file differs.
//
//   node --import tsx scripts/gen-abi.ts           rewrite shared/engine/core-abi.ts
//   node --import tsx scripts/gen-abi.ts --check   exit 1 when it is out of date

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ABI_SOURCE = join(root, 'assembly', 'abi.ts');
export const CORE_SOURCE = join(root, 'assembly', 'index.ts');
export const ABI_OUTPUT = join(root, 'shared', 'engine', 'core-abi.ts');

interface Constant {
  name: string;
  value: number;
  doc: string; // the /** */ comment above, if any
  note: string; // the trailing // comment, if any
}

function fail(msg: string): never {
  throw new Error(`assembly/abi.ts: ${msg}`);
}

/** Evaluate a constant expression: numbers, earlier names, + - * << >> | & and parentheses. */
function evaluate(e: ts.Expression, known: Map<string, number>): number {
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isParenthesizedExpression(e)) return evaluate(e.expression, known);
  if (ts.isIdentifier(e)) {
    const v = known.get(e.text);
    if (v === undefined) fail(`${e.text} is used before it is defined`);
    return v;
  }
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken) return -evaluate(e.operand, known);
  if (ts.isBinaryExpression(e)) {
    const a = evaluate(e.left, known);
    const b = evaluate(e.right, known);
    switch (e.operatorToken.kind) {
      case ts.SyntaxKind.PlusToken:
        return a + b;
      case ts.SyntaxKind.MinusToken:
        return a - b;
      case ts.SyntaxKind.AsteriskToken:
        return a * b;
      case ts.SyntaxKind.LessThanLessThanToken:
        return a << b;
      case ts.SyntaxKind.GreaterThanGreaterThanToken:
        return a >> b;
      case ts.SyntaxKind.BarToken:
        return a | b;
      case ts.SyntaxKind.AmpersandToken:
        return a & b;
    }
  }
  return fail(`cannot evaluate ${e.getText()}`);
}

function readConstants(text: string): Constant[] {
  const sf = ts.createSourceFile('abi.ts', text, ts.ScriptTarget.ES2022, true);
  const known = new Map<string, number>();
  const out: Constant[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) fail('imports nothing: it is the contract');
    if (!ts.isVariableStatement(st)) fail(`only constants, not: ${st.getText().slice(0, 60)}`);
    const exported = st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported || !(st.declarationList.flags & ts.NodeFlags.Const)) fail(`only exported constants: ${st.getText().slice(0, 60)}`);
    for (const d of st.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || !d.initializer) fail('a constant needs a name and a value');
      const value = evaluate(d.initializer, known);
      known.set(d.name.text, value);
      const lead = ts.getLeadingCommentRanges(text, st.getFullStart()) ?? [];
      const jsdoc = lead
        .map((r) => text.slice(r.pos, r.end))
        .filter((c) => c.startsWith('/**'))
        .pop();
      const doc = jsdoc
        ? jsdoc
            .replace(/^\/\*\*\s*|\s*\*\/$/g, '')
            .replace(/\n\s*\*\s?/g, ' ')
            .trim()
        : '';
      const trail = ts.getTrailingCommentRanges(text, st.getEnd()) ?? [];
      const note = trail.length > 0 ? text.slice(trail[0].pos + 2, trail[0].end).trim() : '';
      out.push({ name: d.name.text, value, doc, note });
    }
  }
  return out;
}

interface CoreFunction {
  name: string;
  params: string[];
  returns: 'void' | 'number';
}

/** The functions the core exports (index.ts), for the host's typed view of the instance. */
function readExports(text: string): CoreFunction[] {
  const sf = ts.createSourceFile('index.ts', text, ts.ScriptTarget.ES2022, true);
  const out: CoreFunction[] = [];
  for (const st of sf.statements) {
    if (!ts.isFunctionDeclaration(st) || !st.name) continue;
    if (!st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const returns = !st.type || st.type.getText() === 'void' ? 'void' : 'number';
    out.push({ name: st.name.text, params: st.parameters.map((p) => p.name.getText()), returns });
  }
  return out;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A group of ids (C_, B_) with `jsName — label` comments: checked to be 0..n-1 in order. */
function table(consts: Constant[], prefix: string, countName: string): { name: string; label: string; problem: boolean }[] {
  const rows = consts.filter((c) => c.name.startsWith(prefix));
  const count = consts.find((c) => c.name === countName);
  if (!count || count.value !== rows.length) fail(`${countName} must be ${rows.length}, the number of ${prefix}* constants`);
  return rows.map((c, i) => {
    if (c.value !== i) fail(`${c.name} is ${c.value}; ${prefix}* ids run 0, 1, 2 … in order`);
    const m = /^(problem )?(\w+) — (.+)$/.exec(c.note);
    if (!m) fail(`${c.name} needs a trailing comment \`// jsName — label\``);
    return { name: m[2], label: m[3], problem: m[1] !== undefined };
  });
}

export function generateAbi(abiText = readFileSync(ABI_SOURCE, 'utf8'), coreText = readFileSync(CORE_SOURCE, 'utf8')): string {
  const consts = readConstants(abiText);
  const counters = table(consts, 'C_', 'COUNTERS');
  const bytes = table(consts, 'B_', 'BYTE_COUNTERS');
  if (counters.length > 64) fail('at most 64 counters (a frame notes its reasons in a 64-bit mask)');
  const errors = consts.filter((c) => c.name.startsWith('E_') && c.value !== 0);
  const warnings = consts.filter((c) => c.name.startsWith('W_'));
  for (const c of [...errors, ...warnings]) if (!c.note) fail(`${c.name} needs a trailing comment with its message`);

  const L: string[] = [];
  L.push('// Generated by scripts/gen-abi.ts from assembly/abi.ts and assembly/index.ts: do not edit.');
  L.push('// `npm run build:abi` writes it; a unit test fails when it is out of date.');
  L.push('');
  for (const c of consts) {
    if (c.doc && L[L.length - 1] !== '') L.push('');
    if (c.doc) L.push(`/** ${c.doc} */`);
    L.push(`export const ${c.name} = ${c.value};${c.note ? ` // ${c.note}` : ''}`);
  }
  L.push('');
  L.push('/** Run counters in id order: [jsName, what a user reads]. */');
  L.push('export const COUNTER_INFO: ReadonlyArray<readonly [string, string]> = [');
  for (const c of counters) L.push(`  [${quote(c.name)}, ${quote(c.label)}],`);
  L.push('];');
  L.push('');
  L.push('/** Counters that mean a frame or message was not fully decoded, for reports. */');
  L.push(
    `export const PROBLEM_COUNTERS: ReadonlySet<string> = new Set([${counters
      .filter((c) => c.problem)
      .map((c) => quote(c.name))
      .join(', ')}]);`,
  );
  L.push('');
  L.push('/** Byte totals in id order: [jsName, what a user reads]. */');
  L.push('export const BYTE_COUNTER_INFO: ReadonlyArray<readonly [string, string]> = [');
  for (const c of bytes) L.push(`  [${quote(c.name)}, ${quote(c.label)}],`);
  L.push('];');
  L.push('');
  L.push('/** File errors of endFile() by code. */');
  L.push('export const FILE_ERRORS: Readonly<Record<number, string>> = {');
  for (const c of errors) L.push(`  ${c.value}: ${quote(c.note)},`);
  L.push('};');
  L.push('');
  L.push('/** File warnings of fileWarning() by bit. */');
  L.push('export const FILE_WARNINGS: Readonly<Record<number, string>> = {');
  for (const c of warnings) L.push(`  ${c.value}: ${quote(c.note)},`);
  L.push('};');
  L.push('');
  L.push('/** The functions the core exports (assembly/index.ts). */');
  L.push('export interface CoreExports {');
  L.push('  memory: WebAssembly.Memory;');
  for (const f of readExports(coreText)) L.push(`  ${f.name}(${f.params.map((p) => `${p}: number`).join(', ')}): ${f.returns};`);
  L.push('}');
  return L.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const text = generateAbi();
  if (process.argv.includes('--check')) {
    if (readFileSync(ABI_OUTPUT, 'utf8') !== text) {
      console.error('shared/engine/core-abi.ts is out of date: run npm run build:abi');
      process.exit(1);
    }
  } else {
    writeFileSync(ABI_OUTPUT, text);
  }
}
