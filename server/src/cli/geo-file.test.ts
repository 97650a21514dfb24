import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UnitFeature } from '../contract/geo.ts';
import { convertGeometry } from '../domain/datum.ts';
import { createGeography } from '../domain/geography.ts';
import { readGeographySet } from '../store/geography-files.ts';
import { DEMO_GEOGRAPHY_DIR, runGeoCommand, type CommandIO } from './geo-file.ts';

const demo = readGeographySet(DEMO_GEOGRAPHY_DIR);

function run(mode: 'validate' | 'import', args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { out: (l) => out.push(l), err: (l) => err.push(l), env: {} };
  const code = runGeoCommand(mode, args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function writeFile(features: unknown[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'geo-file-')), 'survey.geojson');
  writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features }));
  return file;
}

/** A resurveyed file: the demo communities and grids, with 通化街's grid 001 renamed. */
function resurveyed(): UnitFeature[] {
  const features = structuredClone([...demo.geography.communities.features, ...demo.geography.grids.features]);
  features.find((f) => f.properties.code === '431103003004001')!.properties.name = '通化街社区复测一网格';
  return features;
}

describe('geo:validate and geo:import', () => {
  it('validate prints OK and exits 0 for a good file, without writing anything', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'geo-data-'));
    const result = run('validate', [writeFile(resurveyed()), '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/20 community, 304 grid/);
    expect(result.out).toMatch(/OK: no problems found/);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('validate exits 1 with a readable report naming the feature', () => {
    const features = resurveyed();
    features.find((f) => f.properties.code === '431103003004002')!.properties.code = '4311030030040X2';
    const result = run('validate', [writeFile(features), '--data-dir', mkdtempSync(join(tmpdir(), 'geo-data-'))]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/\[malformed-code\] 4311030030040X2: .*code "4311030030040X2"/);
    expect(result.out).toMatch(/\[wrong-count\] #file: expected 304 grids, found 303/);
    expect(result.err).toBe('Rejected.');
  });

  it('import installs the file whole, keeps compounds and buildings, and the new set loads', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'geo-data-'));
    const result = run('import', [writeFile(resurveyed()), '--data-dir', dataDir]);
    expect(result.code, result.out + result.err).toBe(0);
    expect(result.out).toMatch(/replaced community, grid/);
    const installed = readGeographySet(join(dataDir, 'geography'));
    expect(installed.geography.grids.features).toHaveLength(304);
    expect(installed.geography.compounds.features).toHaveLength(demo.geography.compounds.features.length);
    const geo = createGeography(installed.geography, installed.organisation.partyOrgs);
    expect(geo.unit('431103003004001')?.properties.name).toBe('通化街社区复测一网格');
    expect(geo.partyOrgOf('431103003004001')?.kind).toBe('grid-branch');
    expect(geo.units('street')).toHaveLength(9);
  });

  it('a rejected import leaves the installed set byte for byte as it was', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'geo-data-'));
    expect(run('import', [writeFile(resurveyed()), '--data-dir', dataDir]).code).toBe(0);
    const gridsFile = join(dataDir, 'geography', 'grids.geojson');
    const before = readFileSync(gridsFile);
    const broken = resurveyed();
    const r = (broken.find((f) => f.properties.code === '431103005004003')!.geometry.coordinates as number[][][])[0]!;
    const mid = Math.floor(r.length / 2);
    [r[1], r[mid]] = [r[mid]!, r[1]!];
    const result = run('import', [writeFile(broken), '--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/\[self-intersection\] 431103005004003/);
    expect(result.err).toBe('Rejected: nothing was imported.');
    expect(readFileSync(gridsFile).equals(before)).toBe(true);
    expect(readdirSync(dataDir)).toEqual(['geography']);
  });

  it('a GCJ-02 file is refused with the conversion offered, and imported with --from-datum gcj02', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'geo-data-'));
    const file = writeFile(resurveyed().map((f) => ({ ...f, geometry: convertGeometry(f.geometry, 'wgs84', 'gcj02') })));
    const refused = run('import', [file, '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/\[datum-suspect\].*--from-datum gcj02/);
    expect(existsSync(join(dataDir, 'geography'))).toBe(false);
    const accepted = run('import', [file, '--from-datum', 'gcj02', '--data-dir', dataDir]);
    expect(accepted.code, accepted.out).toBe(0);
  });

  it('unreadable files and bad flags are usage errors (exit 2)', () => {
    expect(run('validate', ['/nonexistent/file.geojson']).code).toBe(2);
    expect(run('validate', [writeFile([]), '--from-datum', 'utm']).code).toBe(2);
    expect(run('validate', []).code).toBe(2);
    expect(run('validate', [writeFile([]), '--bogus']).code).toBe(2);
  });
});
