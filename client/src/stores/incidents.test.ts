// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '@contract/incidents.ts';
import { useIncidentsStore } from './incidents.ts';

const incident = (id: string, extra: Partial<Incident>): Incident =>
  ({ id, version: 1, slaState: 'ok', priority: '一般', deadline: null, ...extra }) as Incident;

describe('incidents store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('lists open cases in the feed’s order, and the urgent ones among them', () => {
    const store = useIncidentsStore();
    const ordered = [incident('b', { slaState: 'red' }), incident('c', { priority: '重大' }), incident('d', {}), incident('a', {})];
    store.replace(new Map(ordered.map((i) => [i.id, i])), ordered, 4, [], []);
    expect(store.open.map((i) => i.id)).toEqual(['b', 'c', 'd', 'a']);
    expect(store.urgent.map((i) => i.id)).toEqual(['b', 'c']);
  });

  it('puts the user’s own action in its place by urgency', () => {
    const store = useIncidentsStore();
    const ordered = [incident('b', { slaState: 'red' }), incident('a', { deadline: '2026-11-30T05:00:00Z' })];
    store.replace(new Map(ordered.map((i) => [i.id, i])), ordered, 2, [], []);
    store.upsert(incident('d', { deadline: '2026-11-30T02:00:00Z' }));
    store.upsert(incident('a', { version: 2, priority: '重大' }));
    expect(store.open.map((i) => `${i.id}${i.version}`)).toEqual(['b1', 'a2', 'd1']);
  });

  it('takes a newer version from the user’s own action but never an older one', () => {
    const store = useIncidentsStore();
    store.replace(new Map([['a', incident('a', { version: 3 })]]), [incident('a', { version: 3 })], 1, [], []);
    store.upsert(incident('a', { version: 2, priority: '重大' }));
    expect(store.byId.get('a')!.version).toBe(3);
    store.upsert(incident('a', { version: 4 }));
    expect(store.byId.get('a')!.version).toBe(4);
  });
});
