/**
 * The fan-out baselines: the textbook broadcast with raw `ws` and node:http, no framework. `POST
 * /event` with a report body answers 201 and sends the report to every connected client. Prints
 * its port on stdout.
 * - Default: at once, `{ n, report }`, one JSON.stringify and one send per client per event.
 * - `TICK_MS=50`: coalesced like ours — every tick one frame `{ reports, serverTime }` with the
 *   events since the last, encoded once; the floor of what this machine and the measuring process
 *   allow at the same rate and batching, without a database, a log sync or Socket.IO.
 * - `DURABLE_DIR=…` (with `TICK_MS`): the durable floor. Each event is first stored as one row of a
 *   one-table SQLite database through the app's own writer (server/src/store/writer.ts: group
 *   commit, WAL synced in the thread pool), and only then answered and queued for the next frame,
 *   as ours does: what persist-then-publish costs on this disk with nothing of the app around it.
 * - `WORK_US=…`: the event loop is kept busy this many microseconds per event before it is stored —
 *   a stand-in for an application's own work per report (parsing, validation, location, its
 *   records), to see how much of it the floor's delivery tolerates.
 */
import Database from 'better-sqlite3';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { createWriter } from '../../server/src/store/writer.ts';

const TICK_MS = Number(process.env.TICK_MS ?? 0);
const WORK_US = Number(process.env.WORK_US ?? 0);
const work = (): void => {
  const until = performance.now() + WORK_US / 1000;
  while (performance.now() < until);
};
let pending: object[] = [];

const store = process.env.DURABLE_DIR
  ? (() => {
      const db = new Database(join(process.env.DURABLE_DIR, 'floor.sqlite'));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL'); // the writer lowers it to NORMAL and syncs the WAL itself
      db.exec('CREATE TABLE events (n INTEGER PRIMARY KEY, body TEXT NOT NULL)');
      const insert = db.prepare('INSERT INTO events (n, body) VALUES (?, ?)');
      const writer = createWriter(db);
      return (n: number, report: object): Promise<unknown> => writer.write(() => insert.run(n, JSON.stringify(report)));
    })()
  : null;

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/event') return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as object;
    // createdAt: when this server accepted the event, as ours stamps a case (delivery is timed from it).
    const report = { ...body, createdAt: new Date().toISOString() };
    const n = ++sent;
    if (WORK_US > 0) work();
    const publish = (): void => {
      if (TICK_MS > 0) pending.push(report);
      else {
        const message = JSON.stringify({ n, report });
        for (const client of wss.clients) client.send(message);
      }
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ n }));
    };
    if (store) store(n, report).then(publish, (err: unknown) => res.writeHead(500).end(String(err)));
    else publish();
  });
});
if (TICK_MS > 0) {
  setInterval(() => {
    if (pending.length === 0) return;
    const frame = Buffer.from(JSON.stringify({ reports: pending, serverTime: new Date().toISOString() }));
    pending = [];
    for (const client of wss.clients) client.send(frame, { binary: false });
  }, TICK_MS);
}
const wss = new WebSocketServer({ server, perMessageDeflate: false });
let sent = 0;
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as { port: number }).port}`));
process.on('SIGTERM', () => process.exit(0));
