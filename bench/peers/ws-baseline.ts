/**
 * The fan-out baselines: the textbook broadcast with raw `ws` and node:http, no framework, no
 * database. `POST /event` with a report body answers 201 and sends the report to every connected
 * client. Prints its port on stdout.
 * - Default: at once, `{ n, report }`, one JSON.stringify and one send per client per event.
 * - `TICK_MS=50`: coalesced like ours — every tick one frame `{ reports, serverTime }` with the
 *   events since the last, encoded once; the floor of what this machine and the measuring process
 *   allow at the same rate and batching, without a database, a log sync or Socket.IO.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const TICK_MS = Number(process.env.TICK_MS ?? 0);
let pending: object[] = [];

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/event') return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as object;
    // createdAt: when this server accepted the event, as ours stamps a case (delivery is timed from it).
    const report = { ...body, createdAt: new Date().toISOString() };
    ++sent;
    if (TICK_MS > 0) pending.push(report);
    else {
      const message = JSON.stringify({ n: sent, report });
      for (const client of wss.clients) client.send(message);
    }
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ n: sent }));
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
