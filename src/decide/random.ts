/** mulberry32: a small seeded generator, so that decisions replay exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniform draw in [0, 1) from the platform's cryptographic generator (`Math.random` where it is
 * missing): for randomness the shop must not be able to replay, unlike the decision-seeded one.
 */
export function secureRandom(): number {
  try {
    const word = new Uint32Array(1);
    globalThis.crypto.getRandomValues(word);
    return word[0]! / 4294967296;
  } catch {
    return Math.random();
  }
}
