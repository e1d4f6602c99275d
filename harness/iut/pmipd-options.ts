// Options of the `pmipd` IUT adapter as they appear in a topology file, and their schema; kept
// apart from the adapter so that loading a topology does not load pmipd.
import type { JsonSchema } from '../topology/json-schema.js';

export interface PmipdOptions {
  /** Quirks (pmipd --list-quirks): deliberate deviations for the checks' self-test. */
  quirks?: string[];
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Merged over the generated domain file: top-level keys, and the lma/mag sections key by key. */
  domain?: Record<string, unknown>;
}

export const pmipdOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    quirks: { type: 'array', items: { type: 'string', minLength: 1, description: 'a quirk name (pmipd --list-quirks)' } },
    logLevel: { enum: ['debug', 'info', 'warn', 'error'] },
    domain: { type: 'object', description: 'overrides of the generated pmipd domain file (timestamps, fixedMagAddresses, dataplane, lma: {...}, mag: {...})' },
  },
};
