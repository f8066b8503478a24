import { OfferwiseError } from '../../src/util/errors.js';

/** A `load_failed` error about a data file: `<source>: <field>: got <got>, expected <expected>`. */
export function dataError(
  source: string,
  field: string,
  got: string,
  expected: string,
): OfferwiseError {
  return new OfferwiseError(
    'load_failed',
    `${source}: ${field}: got ${got}, expected ${expected}`,
    {
      field,
      value: got,
      expected,
    },
  );
}
