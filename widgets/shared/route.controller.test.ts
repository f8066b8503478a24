import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { afterEach, describe, expect, it } from 'vitest';
import { RouteController } from './route.controller.js';

/** The smallest host: collects controllers and connects/disconnects them. */
class Host implements ReactiveControllerHost {
  controllers: ReactiveController[] = [];
  addController(c: ReactiveController) {
    this.controllers.push(c);
  }
  removeController() {}
  requestUpdate() {}
  get updateComplete() {
    return Promise.resolve(true);
  }
  connect() {
    for (const c of this.controllers) c.hostConnected?.();
  }
  disconnect() {
    for (const c of this.controllers) c.hostDisconnected?.();
  }
}

const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));
const hosts: Host[] = [];

afterEach(() => {
  for (const h of hosts.splice(0)) h.disconnect();
});

describe('RouteController', () => {
  it('calls back once per new URL from pushState, replaceState and back/forward, while connected', async () => {
    const host = new Host();
    hosts.push(host);
    const calls: string[] = [];
    new RouteController(host, () => calls.push(location.pathname));
    host.connect();
    history.pushState({}, '', '/category/shoes');
    await tick();
    expect(calls).toEqual(['/category/shoes']);
    // The same URL again (a router that replaces state in place): nothing.
    history.replaceState({ scroll: 10 }, '', '/category/shoes');
    await tick();
    expect(calls).toHaveLength(1);
    // Two changes in one task: one call, for where the page ended up.
    history.pushState({}, '', '/p/1');
    history.replaceState({}, '', '/p/1?ref=strip');
    await tick();
    expect(calls).toEqual(['/category/shoes', '/p/1']);
    history.pushState({}, '', '/cart');
    dispatchEvent(new PopStateEvent('popstate'));
    await tick();
    expect(calls).toEqual(['/category/shoes', '/p/1', '/cart']);
    host.disconnect();
    history.pushState({}, '', '/checkout');
    await tick();
    expect(calls).toHaveLength(3);
  });

  it('hooks history once however many elements subscribe', async () => {
    const a = new Host();
    const b = new Host();
    hosts.push(a, b);
    let count = 0;
    new RouteController(a, () => count++);
    new RouteController(b, () => count++);
    a.connect();
    b.connect();
    const pushState = history.pushState;
    a.disconnect();
    a.connect();
    expect(history.pushState).toBe(pushState);
    history.pushState({}, '', `/once-${Math.random()}`);
    await tick();
    expect(count).toBe(2);
  });
});
