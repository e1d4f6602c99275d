// Options of the `command` IUT adapter as they appear in a topology file, and their schema.
// Kept apart from the adapter itself so that loading a topology does not load adapters.
import type { JsonSchema } from '../topology/json-schema.js';
import { KERNEL_FEATURES, type KernelFeature } from '../kernel-features.js';

export interface CommandOptions {
  /** Program to run in the node's namespace; a template like every string below. */
  command: string;
  args?: string[];
  env?: Record<string, string>;
  /** Config files written to the node's config directory before the start: name -> template. */
  files?: Record<string, string>;
  ready?: {
    /** A regular expression the program's output must match. */
    output?: string;
    /** A command run in the node until it exits 0. */
    command?: string[];
    timeoutMs?: number;
  };
  stop?: { signal?: 'SIGTERM' | 'SIGINT' | 'SIGQUIT' | 'SIGHUP'; graceMs?: number };
  /** A command whose output is the daemon's binding cache, for state collection. */
  state?: { command: string[] };
  /** Kernel features the implementation needs; a missing one skips the run by name. */
  requires?: KernelFeature[];
}

const template = (what: string): JsonSchema => ({ type: 'string', minLength: 1, description: `${what} (a template: {{node.id}}, {{configDir}}, {{runtimeDir}}, {{#each access}}...{{/each}})` });
const argv = (what: string): JsonSchema => ({ type: 'array', minItems: 1, items: template(what) });

export const commandOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    command: template('the program to run'),
    args: { type: 'array', items: template('an argument') },
    env: { type: 'object', propertyNames: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'an environment variable name' }, additionalProperties: template('a value') },
    files: {
      type: 'object',
      description: 'config files written to {{configDir}} before the start',
      propertyNames: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$', description: 'a plain file name (letters, digits, _ . -)' },
      additionalProperties: { type: 'string' },
    },
    ready: {
      type: 'object',
      additionalProperties: false,
      properties: {
        output: { type: 'string', minLength: 1, description: 'a regular expression matched against the output' },
        command: argv('a readiness probe, run in the node until it exits 0'),
        timeoutMs: { type: 'integer', minimum: 1, maximum: 600000 },
      },
    },
    stop: {
      type: 'object',
      additionalProperties: false,
      properties: {
        signal: { enum: ['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP'] },
        graceMs: { type: 'integer', minimum: 0, maximum: 60000 },
      },
    },
    state: {
      type: 'object',
      additionalProperties: false,
      required: ['command'],
      properties: { command: argv('a command printing the binding cache') },
    },
    requires: { type: 'array', items: { enum: [...KERNEL_FEATURES] } },
  },
};
