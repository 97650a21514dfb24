/**
 * A bench peer process holding many feed clients, so their CPU is not the server's. Driven over
 * IPC by bench/fanout.ts: `connect` opens N clients of our Socket.IO feed or of the raw `ws`
 * baseline, `report` returns the delivery latency histograms and how many clients received each
 * benchmark event. An event is recognised by its description, `bench:<n>:<sent epoch ms>`, so
 * latency needs no shared state with the injector.
 *
 * One client in FULL_EVERY is a full client: socket.io-client and the app's own decode (or, for
 * the baseline, JSON.parse of every message). The others are light: they speak the same protocol
 * over `ws` but only scan each frame for the tags and the sequence number. On 2 cores, 1,000 full
 * clients in one process cannot parse what a district's worth of walls would parse on their own
 * machines (≈ 100,000 cases/s at 1,000 × 100/s): that process fell seconds behind while the server
 * kept up, and measured the peer rather than the server. The server does the same work either way —
 * it cannot tell the clients apart —, and both groups' latencies are reported.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { decodeDelta, type ClientToServerEvents, type ServerToClientEvents, type WireDelta } from '../../server/src/contract/realtime.ts';
import { epochMs, Histogram, sleep } from '../lib.ts';

export type PeerCommand =
  { cmd: 'connect'; kind: 'socketio' | 'ws'; url: string; token: string; count: number } | { cmd: 'report' } | { cmd: 'close' };
export type PeerReply =
  | { reply: 'connected'; connected: number; ms: number }
  | {
      reply: 'report';
      histogram: [number, number][];
      fullHistogram: [number, number][];
      deliveryHistogram: [number, number][];
      fullClients: number;
      /** Split at the broadcast (the frame's serverTime; ours and the coalesced floor): accepted → sent, and sent → received. */
      serverHistogram: [number, number][];
      fanoutHistogram: [number, number][];
      received: [number, number][];
      gaps: number;
      disconnects: number;
      cpuSeconds: number;
      bytesPerClient: number;
      /** This process's own event-loop delay since connecting (ms): how late it can notice an arrival. */
      loopDelayP99Ms: number;
      loopDelayMaxMs: number;
    };

const FULL_EVERY = 50;
const TAG = /^bench:(\d+):([\d.]+)$/;
// A tag, then the first timestamp after it in the same row: createdAt (see INCIDENT_FIELDS).
const TAGS = /bench:(\d+):([\d.]+)(?:".*?"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")?/g;
const SEQ = /"seq":(\d+)/;
const SERVER_TIME = /"serverTime":"([^"]+)"/;
const histogram = new Histogram(); // POST sent → received, every client
const fullHistogram = new Histogram(); // the same, full clients only
const deliveryHistogram = new Histogram(); // accepted by the server (the case's createdAt) → received, every client
// The same span cut at the broadcast (the delta's serverTime, taken as the tick starts sending):
const serverHistogram = new Histogram(); // accepted → sent: commit, log sync, wait for the tick
const fanoutHistogram = new Histogram(); // sent → received: writes to every socket, the kernel, this process noticing
let fullClients = 0;
const received = new Map<number, number>();
let gaps = 0;
let disconnects = 0;
let sampledBytes = 0; // what the first client received, as JSON text: the payload every client parses
let cpuAtConnected = process.cpuUsage();
const closers: (() => void)[] = [];

/** One client got event `n`; the server's times are NaN where the message has none (the baseline). */
function record(n: number, sentAt: number, acceptedAt: number, broadcastAt: number, full: boolean): void {
  const now = epochMs();
  histogram.record(now - sentAt);
  if (full) fullHistogram.record(now - sentAt);
  if (!Number.isNaN(acceptedAt)) deliveryHistogram.record(now - acceptedAt);
  if (!Number.isNaN(acceptedAt) && !Number.isNaN(broadcastAt)) {
    serverHistogram.record(broadcastAt - acceptedAt);
    fanoutHistogram.record(now - broadcastAt);
  }
  received.set(n, (received.get(n) ?? 0) + 1);
}

function seen(description: unknown, createdAt: string, broadcastAt: number): void {
  const m = typeof description === 'string' ? TAG.exec(description) : null;
  if (m) record(Number(m[1]), Number(m[2]), Date.parse(createdAt), broadcastAt, true);
}

/** A light client's look at a frame: the ASCII tags only (latin1 decoding leaves them intact). */
function scan(text: string): void {
  const serverTime = SERVER_TIME.exec(text)?.[1];
  const broadcastAt = serverTime ? Date.parse(serverTime) : NaN;
  for (const m of text.matchAll(TAGS)) record(Number(m[1]), Number(m[2]), m[3] ? Date.parse(m[3]) : NaN, broadcastAt, false);
}

function socketIoClient(url: string, token: string, sample: boolean): () => boolean {
  const s: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  let seq = -1;
  s.on('feed:reset', (snap, received) => {
    received();
    seq = snap.seq;
  });
  s.on('feed:changed', (wire: WireDelta) => {
    const delta = decodeDelta(wire); // as the app's FeedClient does
    if (seq >= 0 && delta.seq !== seq + 1) gaps++;
    seq = delta.seq;
    if (sample) sampledBytes += JSON.stringify(wire).length;
    for (const i of delta.incidents) if (i.version === 1) seen(i.description, i.createdAt, Date.parse(delta.serverTime));
  });
  s.on('disconnect', () => disconnects++);
  closers.push(() => s.disconnect());
  return () => s.connected && seq >= 0;
}

/** The Socket.IO v5 protocol over Engine.IO v4, by hand: open, connect with auth, pong, events. */
function lightSocketIoClient(url: string, token: string): () => boolean {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
  let seq = -1;
  let open = false;
  ws.on('message', (data: Buffer) => {
    const text = data.toString('latin1');
    if (text === '2') return void ws.send('3'); // Engine.IO ping
    if (text.startsWith('0')) return void ws.send(`40${JSON.stringify({ token })}`); // open → CONNECT with auth
    if (text.startsWith('40')) return void (open = true);
    // A snapshot comes with an acknowledgement id (42<id>[…]): answer it (43<id>[]) as the client does.
    const reset = /^42(\d+)\["feed:reset"/.exec(text);
    if (reset) {
      ws.send(`43${reset[1]}[]`);
      return void (seq = Number(SEQ.exec(text)?.[1] ?? -1));
    }
    if (text.startsWith('42["feed:changed"')) {
      const next = Number(SEQ.exec(text)?.[1]);
      if (seq >= 0 && next !== seq + 1) gaps++;
      seq = next;
      scan(text);
    }
  });
  ws.on('close', () => open && disconnects++);
  closers.push(() => ws.close());
  return () => open && seq >= 0;
}

function wsClient(url: string, full: boolean, sample: boolean): () => boolean {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), { perMessageDeflate: false });
  let open = false;
  ws.on('open', () => (open = true));
  ws.on('message', (data: Buffer) => {
    if (sample) sampledBytes += data.length;
    if (!full) return scan(data.toString('latin1'));
    type Report = { description?: unknown; createdAt: string };
    const msg = JSON.parse(String(data)) as { report: Report } | { reports: Report[]; serverTime: string };
    const broadcastAt = 'serverTime' in msg ? Date.parse(msg.serverTime) : NaN; // the coalesced floor's frames
    for (const r of 'reports' in msg ? msg.reports : [msg.report]) seen(r.description, r.createdAt, broadcastAt);
  });
  ws.on('close', () => open && disconnects++);
  closers.push(() => ws.close());
  return () => open;
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });

process.on(
  'message',
  (raw) =>
    void (async () => {
      const command = raw as PeerCommand;
      const send = (reply: PeerReply): void => void process.send!(reply);
      if (command.cmd === 'connect') {
        const started = performance.now();
        const ready: (() => boolean)[] = [];
        for (let i = 0; i < command.count; i++) {
          const full = i % FULL_EVERY === 0;
          if (full) fullClients++;
          ready.push(
            command.kind === 'ws'
              ? wsClient(command.url, full, i === 0)
              : full
                ? socketIoClient(command.url, command.token, i === 0)
                : lightSocketIoClient(command.url, command.token),
          );
          if (i % 50 === 49) await sleep(10); // a connection storm of 1,000 at once is not what we measure
        }
        const deadline = Date.now() + 60_000;
        while (ready.some((r) => !r()) && Date.now() < deadline) await sleep(50);
        cpuAtConnected = process.cpuUsage();
        sampledBytes = 0;
        loopDelay.enable();
        send({ reply: 'connected', connected: ready.filter((r) => r()).length, ms: Math.round(performance.now() - started) });
      } else if (command.cmd === 'report') {
        const cpu = process.cpuUsage(cpuAtConnected);
        send({
          reply: 'report',
          histogram: histogram.toSparse(),
          fullHistogram: fullHistogram.toSparse(),
          deliveryHistogram: deliveryHistogram.toSparse(),
          serverHistogram: serverHistogram.toSparse(),
          fanoutHistogram: fanoutHistogram.toSparse(),
          fullClients,
          received: [...received],
          gaps,
          disconnects,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          bytesPerClient: sampledBytes,
          loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
          loopDelayMaxMs: loopDelay.max / 1e6,
        });
      } else {
        for (const close of closers) close();
        setTimeout(() => process.exit(0), 200);
      }
    })(),
);
