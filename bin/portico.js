#!/usr/bin/env node
// `npx portico ...`: runs the operator CLI. In a checkout (src/ present) it runs the TypeScript
// source through tsx, so it never runs a stale build; in the image (no src/) the compiled one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src', 'cli.ts');
const compiled = path.join(root, 'dist', 'src', 'cli.js');

function nodeArgs() {
  if (existsSync(source) || !existsSync(compiled)) {
    // Resolved from this file, so it works whatever the current directory is.
    return ['--import', import.meta.resolve('tsx'), source];
  }
  return [compiled];
}

const result = spawnSync(process.execPath, [...nodeArgs(), ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error) {
  process.stderr.write(`portico: ${result.error.message}\n`);
  process.exit(1);
}
// A child killed by a signal exits as shells report it: 128 + the signal number.
process.exit(result.status ?? 128 + (constants.signals[result.signal] ?? 0));
