/**
 * The server's entry point, and the only file that reads the real environment and listens:
 * config → createApp → listen → (demo) simulator; SIGINT/SIGTERM shut down gracefully.
 */
import { ConfigError, loadConfig } from './config.ts';
import { createApp } from './app.ts';
import { DatabaseDamaged } from './store/database.ts';
import { DEMO_ACCOUNTS } from './demo-users.ts';
import { startSimulator, type Simulator } from './simulator/runner.ts';

/** A start that cannot go on says why in one message (a bad setting, a damaged database, a taken port), without a stack trace. */
function refuseToStart(error: unknown): never {
  const known = error instanceof ConfigError || error instanceof DatabaseDamaged || (error as { code?: unknown })?.code !== undefined;
  console.error(`The server could not start: ${error instanceof Error ? error.message : String(error)}`);
  if (!known && process.env.LOG_LEVEL === 'debug') console.error(error);
  process.exit(1);
}

let config;
let app;
try {
  config = loadConfig(process.env);
  // EX_SOFTWARE: what is on disk is unknown; a restart recovers from the log.
  app = createApp(config, { onFatal: () => process.exit(70) });
} catch (error) {
  refuseToStart(error);
}
app.httpServer.once('error', refuseToStart);
app.httpServer.listen(config.port, config.host, () => {
  const address = app.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://localhost:${port}`;
  const lines = [
    '',
    '冷水滩区党建引领网格化治理指挥中心 — Lengshuitan grid command center',
    `  wall display (大屏)   ${base}/wall${config.kioskKey ? `?kiosk=${encodeURIComponent(config.kioskKey)}` : ''}`,
    `  leader map (领导)     ${base}/`,
    `  dispatch console     ${base}/dispatch`,
    `  administration       ${base}/admin   (Open311 keys, notification subscriptions, delivery log)`,
    `  API                  ${base}/api   health ${base}/healthz   metrics ${base}/metrics`,
    `  Open311 GeoReport v2 ${base}/open311/v2/discovery.json`,
    `  data                 ${config.dbFile}`,
    `  reports filed        ${config.writeThread ? 'in a writer thread; WRITE_THREAD=0 files them on the event loop' : 'on the event loop (WRITE_THREAD=0)'}`,
  ];
  if (config.demo) {
    lines.push(`  demo logins (password: ${config.demoPassword}): ${DEMO_ACCOUNTS.map((a) => a.username).join(', ')}`);
    lines.push(
      `  simulator            ${config.simulator.enabled ? `on (seed ${config.simulator.seed}, ${config.simulator.ratePerHour}/h, speed ${config.simulator.speed}); SIMULATOR=0 turns it off` : 'off'}`,
    );
    lines.push(`  SLA clocks run ${config.slaTimeScale}× fast in demo mode (SLA_TIME_SCALE)`);
  }
  console.log(lines.join('\n') + '\n');
  if (config.demo && config.simulator.enabled) {
    simulator = startSimulator({
      baseUrl: `http://127.0.0.1:${port}`,
      geography: app.geography,
      seed: config.simulator.seed,
      speed: config.simulator.speed,
      ratePerHour: config.simulator.ratePerHour,
      timeScale: config.slaTimeScale,
      password: config.demoPassword,
      logger: app.logger.child({ component: 'simulator' }),
    });
  }
});

let simulator: Simulator | undefined;
let stopping = false;
const shutdown = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  app.logger.info({ signal }, 'shutting down: flushing pending commits');
  void (async () => {
    await simulator?.stop();
    await app.close();
    process.exit(0);
  })();
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
