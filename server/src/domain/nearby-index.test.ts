import { describe, expect, it } from 'vitest';
import { metresBetween } from './datum.ts';
import { createNearbyIndex } from './nearby-index.ts';
import { createRandom } from './random.ts';

describe('nearby index', () => {
  it('finds exactly what a full scan finds, for 3,000 random queries over 5,000 points in two kinds', () => {
    const random = createRandom(11);
    const radius = 50;
    const index = createNearbyIndex<string>(radius);
    const points = Array.from({ length: 5000 }, (_, i) => ({
      id: `p${i}`,
      kind: i % 2 ? 'a' : 'b',
      lng: random.range(111.55, 111.58),
      lat: random.range(26.4, 26.43),
    }));
    for (const p of points) index.set(p.id, p.kind, p.lng, p.lat, p.id);
    for (let q = 0; q < 3000; q++) {
      const [lng, lat, kind] = [random.range(111.55, 111.58), random.range(26.4, 26.43), q % 2 ? 'a' : 'b'];
      const scan = points
        .filter((p) => p.kind === kind && Math.hypot(...metresBetween([lng, lat], [p.lng, p.lat])) <= radius)
        .map((p) => p.id)
        .sort();
      expect(index.within(kind, lng, lat, radius).sort()).toEqual(scan);
    }
  });

  it('moves and deletes by id', () => {
    const index = createNearbyIndex<string>(30);
    index.set('x', 'k', 111.6, 26.44, 'x');
    expect(index.within('k', 111.6, 26.44, 30)).toEqual(['x']);
    index.set('x', 'k', 111.7, 26.5, 'x');
    expect(index.within('k', 111.6, 26.44, 30)).toEqual([]);
    expect(index.within('k', 111.7, 26.5, 30)).toEqual(['x']);
    expect(index.within('other', 111.7, 26.5, 30)).toEqual([]);
    index.delete('x');
    expect(index.size).toBe(0);
    expect(index.within('k', 111.7, 26.5, 30)).toEqual([]);
  });
});
