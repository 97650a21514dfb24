/**
 * createApp(config, deps) builds the whole server — store, services, HTTP API, Socket.IO feed,
 * sweeps — and returns it unstarted; main.ts listens. Tests call it with port 0 and a fake clock.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import compression from 'compression';
import expressStaticGzip from 'express-static-gzip';
import express from 'express';
import helmet from 'helmet';
import { pino, type Logger } from 'pino';
import { Server } from 'socket.io';
import type { Config } from './config.ts';
import type { ClientConfig } from './contract/client-config.ts';
import { DEMO_ACCOUNTS, ensureAccounts, simulatorAccounts } from './demo-users.ts';
import { createGeography, type Geography } from './domain/geography.ts';
import { createSlaClock } from './domain/sla.ts';
import { authRouter } from './http/auth.ts';
import { authenticate, errorHandler, logAccess } from './http/common.ts';
import { adminRouter } from './http/admin.ts';
import { exportsRouter } from './http/exports.ts';
import { geographyRouter } from './http/geography.ts';
import { incidentsRouter } from './http/incidents.ts';
import { open311Router } from './http/open311.ts';
import { tasksRouter } from './http/tasks.ts';
import { createMetrics } from './metrics.ts';
import { createBroadcaster, type Broadcaster, type TypedServer } from './realtime/broadcaster.ts';
import { registerFeed } from './realtime/feed.ts';
import { createTokenService, hashPassword } from './security.ts';
import { createIncidentService, type IncidentService } from './services/incidents.ts';
import { systemClock, type Clock } from './domain/clock.ts';
import { createIndicatorService } from './services/indicators.ts';
import { createNotifier, type Notifier } from './services/notifier.ts';
import { createTaskService, type TaskService } from './services/tasks.ts';
import { installedGeographyDir, readGeographySet } from './store/geography-files.ts';
import { createSqliteIncidentRepository } from './store/incidents-repo.ts';
import { openDatabase, type Db } from './store/database.ts';
import { createWriter, type Writer } from './store/writer.ts';
import { reportCommands, type Commands } from './services/commands.ts';
import { createSqliteTaskRepository } from './store/tasks-repo.ts';
import { createSqliteApiKeyRepository } from './store/api-keys-repo.ts';
import { createSqliteNotificationRepository } from './store/notifications-repo.ts';
import { loadTokenKeys } from './store/token-keys.ts';
import { createSqliteUserRepository, type UserRepository } from './store/users-repo.ts';
import { DEMO_GEOGRAPHY_DIR } from './cli/geo-file.ts';

export interface AppDeps {
  clock?: Clock;
  logger?: Logger;
  /** Start the periodic SLA/task sweep (tests call sweep() themselves). */
  autoSweep?: boolean;
  /**
   * The store can no longer vouch for what is on disk (a failed log sync, a dead writer thread):
   * the process must stop so that a restart recovers from the log as it is. main.ts exits; a test
   * may record it. Every later write is refused either way.
   */
  onFatal?: (err: unknown) => void;
}

export interface App {
  httpServer: HttpServer;
  io: TypedServer;
  db: Db;
  writer: Writer<Commands>;
  geography: Geography;
  users: UserRepository;
  incidents: IncidentService;
  tasks: TaskService;
  broadcaster: Broadcaster;
  /** Notification delivery (tests call deliverDue(); the timer does it every NOTIFY_EVERY_MS). */
  notifier: Notifier;
  logger: Logger;
  /** Runs the SLA and task sweeps and disconnects expired sessions, once (timers do it in the running server). */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

export function createApp(config: Config, deps: AppDeps = {}): App {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization', 'password', 'token'] });
  const metrics = createMetrics();

  const geoDir = config.geographyDir ?? installedGeographyDir(config.dataDir, DEMO_GEOGRAPHY_DIR);
  const { geography: geoData, organisation } = readGeographySet(geoDir);
  const geography = createGeography(geoData, organisation.partyOrgs);

  const db = openDatabase(config.dbFile);
  // Start-up writes (accounts, the token secret) commit with synchronous=FULL, before the writer
  // takes the connection over (it syncs the log itself, off the event loop).
  const users = createSqliteUserRepository(db);
  const tokens = createTokenService(loadTokenKeys(config.dataDir, db, config.tokenSecret), config.tokenTtlSeconds);
  const at = clock.now().toISOString();
  if (config.demo) {
    ensureAccounts(users, DEMO_ACCOUNTS, config.demoPassword, at);
    ensureAccounts(users, simulatorAccounts(geography), config.demoPassword, at);
  } else if (config.adminPassword) {
    if (users.byUsername('admin')) users.setPassword('admin', hashPassword(config.adminPassword));
    else
      ensureAccounts(
        users,
        DEMO_ACCOUNTS.filter((a) => a.role === 'admin'),
        config.adminPassword,
        at,
      );
  }
  const writer = createWriter(db, {
    commands: reportCommands,
    thread: config.writeThread,
    onBatch(size, ms) {
      metrics.commitBatch.observe(size);
      metrics.commitSeconds.observe(ms / 1000);
    },
    onSync: (ms) => metrics.walSyncSeconds.observe(ms / 1000),
    onSyncError(err) {
      logger.fatal({ err }, 'could not sync the write-ahead log, or the writer thread failed; stopping');
      deps.onFatal?.(err);
    },
    onCheckpointError: (err) => logger.error({ err }, 'checkpoint worker failed; SQLite checkpoints on the writer instead'),
    onStorageFault(err) {
      metrics.storageFaults.inc();
      logger.error({ err }, 'a write failed for a storage fault; answering storage-unavailable until writes succeed');
    },
  });
  const apiKeys = createSqliteApiKeyRepository(db);
  const notifications = createSqliteNotificationRepository(db);
  const notifier = createNotifier({
    repo: notifications,
    writer,
    clock,
    logger,
    timeoutMs: config.notifyTimeoutMs,
    allowPrivateTargets: config.notifyAllowPrivate,
  });

  const httpServer = createServer();
  const io: TypedServer = new Server(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 256 * 1024,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
  });

  // The broadcaster needs indicators, which need the services, which publish to the broadcaster.
  let broadcaster: Broadcaster | undefined;
  const incidents = createIncidentService({
    repo: createSqliteIncidentRepository(db),
    writer,
    geography,
    clock,
    sla: createSlaClock(config.sla, config.calendar, config.slaTimeScale),
    amberAt: config.sla.amberAt,
    publisher: { incidentChanged: (i) => (metrics.incidentEvents.inc(), broadcaster?.incidentChanged(i)) },
    onStored: (after, before) => notifier.queue(after, before),
    duplicate: config.duplicate,
    onSlaBreach: () => metrics.slaBreaches.inc(),
  });
  const tasks = createTaskService({
    repo: createSqliteTaskRepository(db),
    writer,
    geography,
    organisation,
    clock,
    publisher: { taskChanged: (t) => broadcaster?.taskChanged(t) },
  });
  const indicators = createIndicatorService({ geography, organisation, incidents, tasks, clock, maxAgeMs: config.indicatorsEveryMs });
  broadcaster = createBroadcaster({
    io,
    clock,
    tickMs: config.broadcastTickMs,
    indicatorsEveryMs: config.indicatorsEveryMs,
    historySize: config.feedHistory,
    indicatorsFor: (scope) => indicators.forScope(scope),
    invalidateIndicators: (scope) => indicators.invalidate(scope),
    onDelivered: (n) => metrics.deltas.inc(n),
  });
  const feed = registerFeed(io, {
    tokens,
    users,
    geography,
    incidents,
    tasks,
    indicators,
    broadcaster,
    clock,
    logError: (err, context) => logger.error({ err }, context),
    socketsPerUser: config.socketsPerUser,
    socketBufferMaxBytes: config.socketBufferMaxBytes,
  });
  io.on('connection', (socket) => {
    metrics.connections.inc();
    socket.on('disconnect', () => metrics.connections.dec());
  });

  const app = express();
  // A configured base map is the one place the page may load from outside its own origin.
  const basemapOrigin = config.basemap ? [new URL(config.basemap.url.replaceAll(/[{}]/g, '')).origin] : [];
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:', ...basemapOrigin],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'", ...basemapOrigin],
          workerSrc: ["'self'", 'blob:'],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
        },
      },
    }),
  );
  // API answers go out compressed (brotli or gzip, as the browser accepts); built assets are
  // compressed at build time and sent as they are (docs/decisions/precompressed-assets.md).
  app.use(compression());
  // Unhealthy while writes fail for a storage fault (a full disk, a failing file), until one succeeds.
  app.get('/healthz', (_req, res) => {
    db.prepare('SELECT 1').get();
    const { fault } = writer.health();
    res.status(fault ? 503 : 200).json({
      status: fault ? 'unhealthy' : 'ok',
      time: clock.now().toISOString(),
      incidents: incidents.workingSet().length,
      ...(fault ? { storage: fault } : {}),
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use('/api', (req, res, next) => {
    const started = performance.now();
    res.on('finish', () =>
      logAccess(logger, {
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
        user: req.user?.username,
      }),
    );
    // A client that hangs up mid-request (a phone losing its signal mid-upload) is an abort, not an error.
    res.on('close', () => {
      if (res.writableFinished) return;
      logger.info(
        { method: req.method, path: req.originalUrl.split('?')[0], ms: Math.round(performance.now() - started), aborted: true },
        'request aborted by the client',
      );
    });
    next();
  });
  app.use(express.json({ limit: '64kb' }));
  const api = express.Router();
  const requireUser = authenticate(tokens, users, clock);
  api.use(authRouter({ users, tokens, clock, kioskKey: config.kioskKey }, requireUser));
  api.use(requireUser);
  api.get('/client-config', (_req, res) => res.json({ basemap: config.basemap } satisfies ClientConfig));
  api.use(incidentsRouter(incidents, (ms) => metrics.ingestSeconds.observe(ms / 1000)));
  api.use(tasksRouter(tasks));
  api.use(exportsRouter(incidents, geography, clock));
  api.use(adminRouter({ apiKeys, notifications, writer, geography, clock, allowPrivateTargets: config.notifyAllowPrivate }));
  api.use(geographyRouter(geography, organisation, indicators));
  app.use('/api', api);
  app.use('/open311/v2', open311Router({ incidents, geography, apiKeys, clock, logger, publicUrl: config.publicUrl }));
  app.use('/api', (_req, res) => res.status(404).json({ error: { code: 'not-found', message: '没有这个接口' } }));
  if (existsSync(join(config.clientDir, 'index.html'))) {
    // Built assets carry a content hash in their names: a browser keeps them until a release renames them.
    // The build compresses them once (vite.config.ts); the compressed file goes out as it is.
    app.use(
      '/assets',
      expressStaticGzip(join(config.clientDir, 'assets'), {
        enableBrotli: true,
        orderPreference: ['br', 'gz'],
        index: false,
        serveStatic: { index: false, immutable: true, maxAge: '365d', fallthrough: false },
      }),
    );
    app.use(express.static(config.clientDir, { index: false, maxAge: '1h' }));
    app.get('/{*splat}', (_req, res) => res.sendFile(join(config.clientDir, 'index.html')));
  }
  app.use(errorHandler(logger));
  httpServer.on('request', app);

  const sweep = async (): Promise<void> => {
    feed.expireSessions();
    feed.shedSlowConsumers();
    await incidents.sweep();
    await tasks.sweep();
  };
  let sweeping = false;
  const timer =
    deps.autoSweep === false
      ? null
      : setInterval(() => {
          if (sweeping) return;
          sweeping = true;
          sweep()
            .catch((err) => logger.error({ err }, 'sweep failed'))
            .finally(() => (sweeping = false));
        }, config.sweepMs);
  timer?.unref();
  // A socket leaves within a second of its token's expiry, or of falling too far behind.
  const sessionTimer =
    deps.autoSweep === false
      ? null
      : setInterval(() => {
          feed.expireSessions();
          if (feed.shedSlowConsumers() > 0) logger.warn('dropped sockets that stopped reading; they resync when they return');
        }, 1000);
  sessionTimer?.unref();
  if (deps.autoSweep !== false) notifier.start(config.notifyEveryMs);

  return {
    httpServer,
    io,
    db,
    writer,
    geography,
    users,
    incidents,
    tasks,
    broadcaster,
    notifier,
    logger,
    sweep,
    async close() {
      if (timer) clearInterval(timer);
      if (sessionTimer) clearInterval(sessionTimer);
      notifier.close();
      broadcaster?.flush();
      broadcaster?.close();
      // Closing waits for every connection to end; a keep-alive client that sends its next request
      // on the same connection would keep one open for ever. In-flight requests are answered, and
      // each connection is closed as soon as it is idle between requests.
      const idle = setInterval(() => httpServer.closeIdleConnections(), 50);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      clearInterval(idle);
      await writer.close();
      db.close();
    },
  };
}
