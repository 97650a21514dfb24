/** What the client needs to know of the server's configuration (GET /api/client-config). */
export interface BaseMap {
  /** Raster tile template ({z}/{x}/{y}) or a MapLibre style URL. */
  url: string;
  type: 'raster' | 'style';
  /** Datum the base map is drawn in; the district layers are shown in it so they line up. */
  datum: 'wgs84' | 'gcj02' | 'bd09';
  attribution: string;
}

export interface ClientConfig {
  basemap: BaseMap | null;
}
