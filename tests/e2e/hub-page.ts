/** The hub downloader and the browser cache, bundled for hub-cache.test.ts to drive in a page. */
import { BrowserCache } from '../../src/lib/hub/browser-cache';
import { HubClient } from '../../src/lib/hub/client';
import { fetchHubModel } from '../../src/lib/hub/model';
import { parseHubId } from '../../src/lib/hub/model-id';

export const hub = { BrowserCache, HubClient, fetchHubModel, parseHubId };
export type Hub = typeof hub;
(window as unknown as { hub: Hub }).hub = hub;
