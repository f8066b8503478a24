/** The SDK version, replaced at build time from package.json. */
export const version: string = '__OFFERWISE_VERSION__';
