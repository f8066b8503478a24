// @vitest-environment happy-dom
// The script tag's loader in happy-dom: where the second file is looked for, and when it is
// asked for (an `ow-` element now or later, else once the page is idle after load).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { prepareRuntime, runtimeUrl, scheduleRuntime, RUNTIME_FILE } from './loader.js';

afterEach(() => {
  document.head.replaceChildren();
  document.body.replaceChildren();
  prepareRuntime(null, {}, () => undefined);
  vi.useRealTimers();
});

function script(src: string): HTMLScriptElement {
  const element = document.createElement('script');
  element.type = 'text/x-not-run'; // happy-dom does not fetch it
  element.setAttribute('src', src);
  return element;
}

describe('runtimeUrl()', () => {
  it('is beside the tag that ran', () => {
    prepareRuntime(script('https://cdn.example/ow/v1/offerwise.iife.js'), {}, () => undefined);
    expect(runtimeUrl()).toBe(`https://cdn.example/ow/v1/${RUNTIME_FILE}`);
  });

  it('without a current script: beside the first offerwise tag of the page, else the page', () => {
    expect(runtimeUrl()).toBe(new URL(RUNTIME_FILE, document.baseURI).href);
    document.head.append(script('https://shop.example/js/app.js'));
    document.head.append(script('https://shop.example/static/offerwise-0.1.0.iife.js?v=3'));
    expect(runtimeUrl()).toBe(`https://shop.example/static/${RUNTIME_FILE}`);
  });
});

describe('scheduleRuntime()', () => {
  it('starts at once when the page has an `ow-` element', () => {
    document.body.innerHTML = '<main><ow-offers placement="home"></ow-offers></main>';
    const start = vi.fn();
    scheduleRuntime(start);
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('starts when an `ow-` element is added later, deep in a subtree, and only once', async () => {
    const start = vi.fn();
    scheduleRuntime(start);
    document.body.append(document.createElement('p'));
    await Promise.resolve();
    expect(start).not.toHaveBeenCalled();
    const section = document.createElement('section');
    section.innerHTML = '<div><ow-recommendations placement="product"></ow-recommendations></div>';
    document.body.append(section);
    await vi.waitFor(() => expect(start).toHaveBeenCalledTimes(1));
    document.body.append(document.createElement('ow-coupon'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('otherwise starts when idle after load (the page already loaded: soon)', async () => {
    expect(document.readyState).toBe('complete');
    const start = vi.fn();
    scheduleRuntime(start);
    expect(start).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(start).toHaveBeenCalledTimes(1), { timeout: 3000 });
  });
});
