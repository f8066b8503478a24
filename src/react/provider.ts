import { createElement, useEffect, useState, type ReactNode } from 'react';
import { createOffers, type Offerwise, type OfferwiseConfig } from '../index.js';
import { asError, NOT_READY, OfferwiseContext, type OfferwiseContextValue } from './context.js';

export interface OfferwiseProviderProps {
  /** `createOffers()`'s configuration, read once when the provider mounts (remount it with a new `key` to change it). */
  config?: OfferwiseConfig;
  /** Whether the `ow-` elements use this provider's instance (loads `offerwise/widgets` on the client); default true. */
  elements?: boolean;
  children?: ReactNode;
}

/**
 * Creates the offerwise instance on the client, after the first render, and destroys it on
 * unmount. Its children render at once, on the server too, where there is never an instance.
 */
export function OfferwiseProvider({
  config,
  elements = true,
  children,
}: OfferwiseProviderProps): ReactNode {
  const [value, setValue] = useState<OfferwiseContextValue>(NOT_READY);
  // Read at mount only: an inline `config={{…}}` is a new object on every render, and
  // re-creating the instance for each would re-read the dataLayer and drop decisions under way.
  const [mounted] = useState(() => ({ config, elements }));

  useEffect(() => {
    let live = true;
    let created: Offerwise | undefined;
    // Deferred by a microtask: StrictMode mounts, unmounts and mounts again within one task in
    // development, and an instance made by the first mount would already have read every entry
    // of the dataLayer into the profile, so the second would count each one twice.
    queueMicrotask(() => {
      if (!live) return;
      createOffers(mounted.config).then(
        (ow) => {
          if (!live) {
            void quietly(ow.destroy());
            return;
          }
          created = ow;
          if (mounted.elements) shareWithElements(ow, () => live);
          setValue({ instance: ow, error: undefined });
        },
        (reason: unknown) => {
          if (live) setValue({ instance: undefined, error: asError(reason) });
        },
      );
    });
    return () => {
      live = false;
      if (created) {
        void quietly(created.destroy());
        // A tree that is hidden and shown again (<Activity>) keeps its state: no hook may see
        // the destroyed instance meanwhile.
        setValue(NOT_READY);
      }
    };
  }, [mounted]);

  return createElement(OfferwiseContext.Provider, { value }, children);
}

/**
 * Makes `ow` the instance of every `ow-` element without its own `offerwise` property. The
 * elements' module is imported here, on the client, rather than at the top: importing it defines
 * the elements, which a server has no registry for.
 */
function shareWithElements(ow: Offerwise, live: () => boolean): void {
  import('../../widgets/index.js').then(
    ({ useOfferwise: setDefaultInstance }) => {
      if (live()) setDefaultInstance(ow);
    },
    // The elements come from that same module: if it cannot load, there is no element to serve.
    () => undefined,
  );
}

/** Unmounting must not leave an unhandled rejection on the page if closing storage fails. */
function quietly(promise: Promise<void>): Promise<void> {
  return promise.catch(() => undefined);
}
