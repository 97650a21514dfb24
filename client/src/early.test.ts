// @vitest-environment happy-dom
import { createPinia, type Pinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { startEarly } from './early.ts';
import { BASE_LAYERS } from './map/style.ts';
import { useGeographyStore } from './stores/geography.ts';
import { useSessionStore } from './stores/session.ts';

const LOGIN = {
  token: 't-1',
  expiresAt: '2099-01-01T00:00:00.000Z',
  serverTime: '2098-12-31T12:00:00.000Z',
  user: { id: 'wall', username: 'wall', name: '大屏', role: 'wall', scope: '431103' },
};
const EMPTY = { type: 'FeatureCollection', features: [] };

/** A fake /api: answers every call, or fails the kiosk sign-in while `failKiosk` is set; records the calls. */
function fakeApi(): { calls: string[]; failKiosk: boolean } {
  const state = { calls: [] as string[], failKiosk: false };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const path = `${init?.method ?? 'GET'} ${url}`;
      state.calls.push(path);
      if (url === '/api/auth/kiosk' && state.failKiosk)
        return new Response(JSON.stringify({ error: { code: 'unauthorized', message: 'bad key' } }), { status: 401 });
      const body = url.startsWith('/api/auth/') ? LOGIN : url === '/api/client-config' ? { basemap: null } : EMPTY;
      return new Response(JSON.stringify(body), { status: 200 });
    }),
  );
  return state;
}

describe("startEarly (the map views' head start)", () => {
  let pinia: Pinia;
  beforeEach(() => {
    localStorage.clear();
    pinia = createPinia();
  });

  it("signs the wall in with its key and loads the map's base once; the wall's own calls reuse both", async () => {
    const api = fakeApi();
    await startEarly(pinia, { pathname: '/wall', search: '?kiosk=wall-key' });
    expect(api.calls).toEqual(['POST /api/auth/kiosk', 'GET /api/client-config', ...BASE_LAYERS.map((l) => `GET /api/geography/${l}`)]);
    expect(useSessionStore(pinia).user?.role).toBe('wall');
    // What WallView and the map then do: no second round trip for either.
    await useSessionStore(pinia).kioskLogin('wall-key');
    expect(await useGeographyStore(pinia).loadMapBase()).toEqual({ basemap: null });
    expect(api.calls).toHaveLength(2 + BASE_LAYERS.length);
  });

  it('leaves a failed sign-in to the wall, which tries again and gets the error', async () => {
    const api = fakeApi();
    api.failKiosk = true;
    await startEarly(pinia, { pathname: '/wall', search: '?kiosk=wrong' });
    expect(api.calls).toEqual(['POST /api/auth/kiosk']);
    await expect(useSessionStore(pinia).kioskLogin('wrong')).rejects.toThrow('bad key');
    expect(api.calls).toEqual(['POST /api/auth/kiosk', 'POST /api/auth/kiosk']);
  });

  it('renews with the remembered key even when this page already signed in with it', async () => {
    const api = fakeApi();
    const session = useSessionStore(pinia);
    await session.kioskLogin('wall-key');
    await session.kioskLogin();
    expect(api.calls).toEqual(['POST /api/auth/kiosk', 'POST /api/auth/kiosk']);
  });

  it("loads the map's base for a signed-in user on a map view, and nothing on other pages or signed out", async () => {
    const api = fakeApi();
    await startEarly(pinia, { pathname: '/', search: '' });
    await startEarly(pinia, { pathname: '/wall', search: '' });
    expect(api.calls).toEqual([]);
    await useSessionStore(pinia).login('leader', 'pw');
    await startEarly(pinia, { pathname: '/admin', search: '' });
    expect(api.calls).toEqual(['POST /api/auth/login']);
    await startEarly(pinia, { pathname: '/', search: '' });
    expect(api.calls).toEqual(['POST /api/auth/login', 'GET /api/client-config', ...BASE_LAYERS.map((l) => `GET /api/geography/${l}`)]);
  });
});
