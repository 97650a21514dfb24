/** Prometheus metrics (GET /metrics): connections, events, ingest latency, commit batches, log syncs, SLA breaches, storage faults. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    connections: new Gauge({ name: 'lst_socket_connections', help: 'Connected Socket.IO clients', registers: [registry] }),
    incidentEvents: new Counter({ name: 'lst_incident_events_total', help: 'Incident changes published', registers: [registry] }),
    deltas: new Counter({ name: 'lst_deltas_total', help: 'Delta broadcasts sent (per scope and tick)', registers: [registry] }),
    ingestSeconds: new Histogram({
      name: 'lst_ingest_seconds',
      help: 'POST /api/incidents latency until commit',
      registers: [registry],
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    }),
    commitBatch: new Histogram({
      name: 'lst_commit_batch_size',
      help: 'Writes per group commit',
      registers: [registry],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    }),
    commitSeconds: new Histogram({
      name: 'lst_commit_seconds',
      help: 'Group commit duration',
      registers: [registry],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
    }),
    walSyncSeconds: new Histogram({
      name: 'lst_wal_sync_seconds',
      help: 'fdatasync of the write-ahead log (every answer waits for one after its commit)',
      registers: [registry],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
    }),
    slaBreaches: new Counter({ name: 'lst_sla_breaches_total', help: 'Stage clocks that ran out (red)', registers: [registry] }),
    storageFaults: new Counter({
      name: 'lst_storage_faults_total',
      help: 'Writes refused because the disk or the database file failed (full, unreadable, read-only)',
      registers: [registry],
    }),
  };
}
