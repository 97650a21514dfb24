/** Party–mass service centres (★ at demonstration sites) as map points, for the party-chain layer. */
import type { FeatureCollection, Point } from 'geojson';
import type { OrganisationAnswer } from '@contract/responses.ts';
import type { MapHandle } from '../map/useMap.ts';
import { api } from '../services/api.ts';

export async function showPartyPoints(map: MapHandle): Promise<void> {
  const org = await api<OrganisationAnswer>('GET', '/organisation');
  const demo = new Set(org.demonstrationSites.map((d) => d.unitCode));
  const points: FeatureCollection<Point> = {
    type: 'FeatureCollection',
    features: org.serviceCenters.map((c) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: c.location },
      properties: { name: `${demo.has(c.unitCode) ? '★ ' : ''}${c.name}` },
    })),
  };
  map.setPartyPoints(points);
}
