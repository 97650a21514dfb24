/**
 * The fan-out baseline: the textbook broadcast with raw `ws` and node:http, no framework, no
 * database. `POST /event` with a report body sends `{ n, report }` to every connected client at
 * once (one JSON.stringify, one send per client), then answers 201. Prints its port on stdout.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/event') return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const report = JSON.parse(Buffer.concat(chunks).toString('utf8')) as object;
    // createdAt: when this server accepted the event, as ours stamps a case (delivery is timed from it).
    const message = JSON.stringify({ n: ++sent, report: { ...report, createdAt: new Date().toISOString() } });
    for (const client of wss.clients) client.send(message);
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ n: sent }));
  });
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
let sent = 0;
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.address() as { port: number }).port}`));
process.on('SIGTERM', () => process.exit(0));
