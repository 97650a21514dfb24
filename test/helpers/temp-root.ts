/**
 * Vitest global setup: every test's temporary files (databases, data folders, browser profiles,
 * copies of the install) go under one folder made for the run, which is removed when the run ends.
 * os.tmpdir() reads TMPDIR, and the test workers and their children inherit it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'lst-tests-'));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
