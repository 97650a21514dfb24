/**
 * `npm run geo:validate -- FILE` and `npm run geo:import -- FILE`: check a surveyed geography file
 * against the installed set and, for import, install it whole or not at all.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DATUMS, type Datum } from '../domain/datum.ts';
import { buildImportedSet } from '../domain/geography-import.ts';
import { validateGeographyFile, type ValidationResult } from '../domain/geo-validation.ts';
import { installedGeographyDir, readGeographySet, writeGeographySet } from '../store/geography-files.ts';

export const DEMO_GEOGRAPHY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../data/generated');

const USAGE = `usage: geo:validate|geo:import -- FILE [--from-datum wgs84|gcj02|bd09] [--expect-grids N|any]
                 [--tolerance SQUARE_METRES] [--data-dir DIR] [--json]`;

export interface CommandIO {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

/** Runs the command and returns its exit code: 0 accepted, 1 rejected, 2 usage error. */
export function runGeoCommand(mode: 'validate' | 'import', argv: string[], io: CommandIO): number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'from-datum': { type: 'string', default: 'wgs84' },
        'expect-grids': { type: 'string', default: '304' },
        tolerance: { type: 'string', default: '10' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  const fromDatum = values['from-datum'] as Datum;
  const expect = values['expect-grids'] === 'any' ? undefined : Number(values['expect-grids']);
  const tolerance = Number(values.tolerance);
  if (positionals.length !== 1 || !DATUMS.includes(fromDatum) || (expect !== undefined && !Number.isInteger(expect)) || !(tolerance >= 0)) {
    io.err(USAGE);
    return 2;
  }
  const file = positionals[0]!;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    io.err(`cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  const dataDir = resolve(values['data-dir'] ?? io.env.DATA_DIR ?? 'var');
  const installedDir = installedGeographyDir(dataDir, DEMO_GEOGRAPHY_DIR);
  const installed = readGeographySet(installedDir);
  const g = installed.geography;
  const result = validateGeographyFile(text, {
    district: g.district,
    reference: [...g.streets.features, ...g.communities.features, ...g.grids.features],
    fromDatum,
    toleranceM2: tolerance,
    ...(expect !== undefined ? { expectedGrids: expect } : {}),
  });

  if (values.json) io.out(JSON.stringify({ file, ok: result.ok, counts: result.counts, issues: result.issues }, null, 2));
  else printReport(file, result, installedDir, io);
  if (!result.ok) {
    io.err(mode === 'import' ? 'Rejected: nothing was imported.' : 'Rejected.');
    return 1;
  }
  if (mode === 'validate') return 0;
  const { set, summary } = buildImportedSet(result.units, installed);
  const target = join(dataDir, 'geography');
  writeGeographySet(target, set);
  io.out(
    `Imported into ${target}: replaced ${summary.replaced.join(', ')}; kept ${describeCounts(summary.kept)}` +
      `${Object.keys(summary.dropped).length ? `; dropped (parent gone) ${describeCounts(summary.dropped)}` : ''}; ` +
      `${summary.newPartyOrgs} party organisations to staff (secretary 待配置), ${summary.removedPartyOrgs} removed. Restart the server to use it.`,
  );
  return 0;
}

function printReport(file: string, result: ValidationResult, installedDir: string, io: CommandIO): void {
  io.out(`${file}: ${describeCounts(result.counts) || 'no usable units'} (checked against ${installedDir})`);
  if (result.ok) {
    io.out('OK: no problems found.');
    return;
  }
  io.out(`${result.issues.length} problem(s):`);
  for (const issue of result.issues) io.out(`  [${issue.kind}] ${issue.feature}: ${issue.message}`);
}

function describeCounts(counts: Partial<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([level, n]) => `${n} ${level}`)
    .join(', ');
}

export const processIO: CommandIO = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
};
