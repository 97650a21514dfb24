/**
 * A bench peer process holding many feed clients, so their CPU is not the server's. Driven over
 * IPC by bench/fanout.ts: `connect` opens N Socket.IO clients (our feed, as the app connects) or N
 * raw `ws` clients (the baseline), `report` returns the delivery latency histogram and how many
 * clients received each benchmark event. An event is recognised by its description,
 * `bench:<n>:<sent epoch ms>`, so latency needs no shared state with the injector.
 */
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { decodeDelta, type ClientToServerEvents, type ServerToClientEvents, type WireDelta } from '../../server/src/contract/realtime.ts';
import { epochMs, Histogram, sleep } from '../lib.ts';

export type PeerCommand =
  | { cmd: 'connect'; kind: 'socketio' | 'ws'; url: string; token: string; count: number }
  | { cmd: 'report' }
  | { cmd: 'close' };
export type PeerReply =
  | { reply: 'connected'; connected: number; ms: number }
  | { reply: 'report'; histogram: [number, number][]; received: [number, number][]; gaps: number; disconnects: number; cpuSeconds: number; bytesPerClient: number };

const TAG = /^bench:(\d+):([\d.]+)$/;
const histogram = new Histogram();
const received = new Map<number, number>();
let gaps = 0;
let disconnects = 0;
let sampledBytes = 0; // what the first client received, as JSON text: the payload every client parses
let cpuAtConnected = process.cpuUsage();
const closers: (() => void)[] = [];

function seen(description: unknown): void {
  const m = typeof description === 'string' ? TAG.exec(description) : null;
  if (!m) return;
  histogram.record(epochMs() - Number(m[2]));
  const n = Number(m[1]);
  received.set(n, (received.get(n) ?? 0) + 1);
}

function socketIoClient(url: string, token: string, sample: boolean): () => boolean {
  const s: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false });
  let seq = -1;
  s.on('feed:reset', (snap) => (seq = snap.seq));
  s.on('feed:changed', (wire: WireDelta) => {
    const delta = decodeDelta(wire); // as the app's FeedClient does
    if (seq >= 0 && delta.seq !== seq + 1) gaps++;
    seq = delta.seq;
    if (sample) sampledBytes += JSON.stringify(wire).length;
    for (const i of delta.incidents) if (i.version === 1) seen(i.description);
  });
  s.on('disconnect', () => disconnects++);
  closers.push(() => s.disconnect());
  return () => s.connected && seq >= 0;
}

function wsClient(url: string, sample: boolean): () => boolean {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false });
  let open = false;
  ws.on('open', () => (open = true));
  ws.on('message', (data) => {
    if (sample) sampledBytes += String(data).length;
    const msg = JSON.parse(String(data)) as { report: { description?: unknown } };
    seen(msg.report.description);
  });
  ws.on('close', () => open && disconnects++);
  closers.push(() => ws.close());
  return () => open;
}

process.on('message', (raw) => void (async () => {
  const command = raw as PeerCommand;
  const send = (reply: PeerReply): void => void process.send!(reply);
  if (command.cmd === 'connect') {
    const started = performance.now();
    const ready: (() => boolean)[] = [];
    for (let i = 0; i < command.count; i++) {
      ready.push(command.kind === 'ws' ? wsClient(command.url, i === 0) : socketIoClient(command.url, command.token, i === 0));
      if (i % 50 === 49) await sleep(10); // a connection storm of 1,000 at once is not what we measure
    }
    const deadline = Date.now() + 60_000;
    while (ready.some((r) => !r()) && Date.now() < deadline) await sleep(50);
    cpuAtConnected = process.cpuUsage();
    sampledBytes = 0;
    send({ reply: 'connected', connected: ready.filter((r) => r()).length, ms: Math.round(performance.now() - started) });
  } else if (command.cmd === 'report') {
    const cpu = process.cpuUsage(cpuAtConnected);
    send({ reply: 'report', histogram: histogram.toSparse(), received: [...received], gaps, disconnects, cpuSeconds: (cpu.user + cpu.system) / 1e6, bytesPerClient: sampledBytes });
  } else {
    for (const close of closers) close();
    setTimeout(() => process.exit(0), 200);
  }
})());
