/**
 * Configuration: parsed once from the environment with a schema, frozen, failing fast with a
 * message naming each bad variable. SLA limits and the working calendar are JSON files in
 * CONFIG_DIR (data/config by default), validated here too.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { BaseMap } from './contract/client-config.ts';
import { calendarSchema, slaConfigSchema, type SlaConfig, type WorkCalendar } from './domain/sla.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const flag = (fallback: boolean) =>
  z
    .enum(['0', '1', 'true', 'false'])
    .default(fallback ? '1' : '0')
    .transform((v) => v === '1' || v === 'true');
const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const envSchema = z.object({
  PORT: int(8080, 0, 65535),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('var'),
  CONFIG_DIR: z.string().default(join(ROOT, 'data/config')),
  GEOGRAPHY_DIR: z.string().optional(),
  CLIENT_DIR: z.string().default(join(ROOT, 'dist/client')),
  DEMO: flag(true),
  DEMO_PASSWORD: z.string().min(6).max(128).default('lst-demo-2026'),
  KIOSK_KEY: z.string().min(12, 'must be at least 12 characters').max(256).optional(),
  TRUST_PROXY: z.string().max(500).optional(),
  TOKEN_SECRET: z.string().max(2000).optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').max(256).optional(),
  SIMULATOR: z.enum(['0', '1', 'true', 'false']).optional(),
  SIMULATOR_SEED: int(431103, 0, 2 ** 31 - 1),
  SIMULATOR_SPEED: z.coerce.number().min(0.1).max(100).default(1),
  SIMULATOR_RATE: z.coerce.number().min(1).max(100_000).default(360),
  SLA_TIME_SCALE: z.coerce.number().min(1).max(3600).optional(),
  TOKEN_TTL_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(12),
  BROADCAST_TICK_MS: int(50, 10, 5000),
  INDICATORS_EVERY_MS: int(2000, 100, 60_000),
  SWEEP_MS: int(5000, 100, 600_000),
  NOTIFY_EVERY_MS: int(1000, 50, 60_000),
  NOTIFY_TIMEOUT_MS: int(5000, 100, 60_000),
  NOTIFY_ALLOW_PRIVATE: flag(false),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  FEED_HISTORY: int(500, 1, 100_000),
  SOCKETS_PER_USER: int(50, 1, 10_000),
  SOCKET_BUFFER_MAX_KB: int(4096, 16, 1_048_576),
  WRITE_THREAD: flag(true),
  DUPLICATE_RADIUS_M: z.coerce.number().min(0).max(1000).default(50),
  DUPLICATE_WINDOW_MIN: z.coerce
    .number()
    .min(0)
    .max(7 * 24 * 60)
    .default(120),
  BASEMAP_URL: z.url({ protocol: /^https?$/ }).optional(),
  BASEMAP_TYPE: z.enum(['raster', 'style']).default('raster'),
  BASEMAP_DATUM: z.enum(['wgs84', 'gcj02', 'bd09']).default('wgs84'),
  BASEMAP_ATTRIBUTION: z.string().max(200).default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  dbFile: string;
  geographyDir: string | null;
  clientDir: string;
  demo: boolean;
  demoPassword: string;
  adminPassword: string | null;
  /** Opens the wall without typing a password: /wall?kiosk=KEY (the wall account only). */
  kioskKey: string | null;
  /**
   * The reverse proxies whose X-Forwarded-For names the client (Express's 'trust proxy': addresses,
   * subnets or `loopback`); false trusts none, and limits count the connection's own address.
   */
  trustProxy: string | false;
  /** Token keys given in the environment (else DATA_DIR/token-keys): store/token-keys.ts. */
  tokenSecret: string | undefined;
  simulator: { enabled: boolean; seed: number; speed: number; ratePerHour: number };
  sla: SlaConfig;
  calendar: WorkCalendar;
  slaTimeScale: number;
  tokenTtlSeconds: number;
  broadcastTickMs: number;
  indicatorsEveryMs: number;
  sweepMs: number;
  /** How often due notifications are sent, and how long one request may take. */
  notifyEveryMs: number;
  notifyTimeoutMs: number;
  /** Deliver notifications to loopback and private addresses too (a receiver inside the network); off: refused. */
  notifyAllowPrivate: boolean;
  /** The address people and systems reach this server at (behind a proxy, its public one): Open311 discovery names it. */
  publicUrl: string;
  /** Deltas kept per scope for resync; older gaps get a fresh snapshot. */
  feedHistory: number;
  /** Live-feed connections one account may hold at once (the walls share one account). */
  socketsPerUser: number;
  /** A socket with more than this queued to send (a consumer that stopped reading) is dropped; it resyncs when it returns. */
  socketBufferMaxBytes: number;
  /**
   * Files reports in a writer thread on a connection of its own (store/write-thread.ts), the
   * default; 0 files them on the event loop (docs/decisions/writer-thread.md).
   */
  writeThread: boolean;
  duplicate: { radiusM: number; windowMinutes: number };
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** Optional base map under the district layers; none by default (fully offline). */
  basemap: BaseMap | null;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Readonly<Record<string, string | undefined>>): Readonly<Config> {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')));
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  if (!e.DEMO && !e.ADMIN_PASSWORD) {
    throw new ConfigError(
      'invalid configuration: ADMIN_PASSWORD must be set (12+ characters) when DEMO=0; the server will not start without an admin password',
    );
  }
  const readJson = <T>(schema: z.ZodType<T>, name: string): T => {
    const file = join(e.CONFIG_DIR, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read ${file}: ${(error as Error).message}`);
    }
    const result = schema.safeParse(raw);
    if (!result.success) throw new ConfigError(`invalid ${file}:\n${z.prettifyError(result.error)}`);
    return result.data;
  };
  const dataDir = resolve(e.DATA_DIR);
  const simulatorOn = e.SIMULATOR === undefined ? e.DEMO : e.SIMULATOR === '1' || e.SIMULATOR === 'true';
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir,
    dbFile: join(dataDir, 'lengshuitan.sqlite'),
    geographyDir: e.GEOGRAPHY_DIR ? resolve(e.GEOGRAPHY_DIR) : null,
    clientDir: resolve(e.CLIENT_DIR),
    demo: e.DEMO,
    demoPassword: e.DEMO_PASSWORD,
    adminPassword: e.ADMIN_PASSWORD ?? null,
    kioskKey: e.KIOSK_KEY ?? (e.DEMO ? 'lst-wall-kiosk-demo' : null),
    trustProxy: e.TRUST_PROXY ?? false,
    tokenSecret: e.TOKEN_SECRET,
    simulator: { enabled: simulatorOn, seed: e.SIMULATOR_SEED, speed: e.SIMULATOR_SPEED, ratePerHour: e.SIMULATOR_RATE },
    sla: readJson(slaConfigSchema, 'sla.json'),
    calendar: readJson(calendarSchema, 'calendar.json'),
    slaTimeScale: e.SLA_TIME_SCALE ?? (e.DEMO ? 60 : 1),
    tokenTtlSeconds: Math.round(e.TOKEN_TTL_HOURS * 3600),
    broadcastTickMs: e.BROADCAST_TICK_MS,
    indicatorsEveryMs: e.INDICATORS_EVERY_MS,
    sweepMs: e.SWEEP_MS,
    notifyEveryMs: e.NOTIFY_EVERY_MS,
    notifyTimeoutMs: e.NOTIFY_TIMEOUT_MS,
    notifyAllowPrivate: e.NOTIFY_ALLOW_PRIVATE,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    feedHistory: e.FEED_HISTORY,
    socketsPerUser: e.SOCKETS_PER_USER,
    socketBufferMaxBytes: e.SOCKET_BUFFER_MAX_KB * 1024,
    writeThread: e.WRITE_THREAD,
    duplicate: { radiusM: e.DUPLICATE_RADIUS_M, windowMinutes: e.DUPLICATE_WINDOW_MIN },
    logLevel: e.LOG_LEVEL,
    basemap: e.BASEMAP_URL
      ? { url: e.BASEMAP_URL, type: e.BASEMAP_TYPE, datum: e.BASEMAP_DATUM, attribution: e.BASEMAP_ATTRIBUTION }
      : null,
  });
}
