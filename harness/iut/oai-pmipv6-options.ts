// Options of the `oai-pmipv6` IUT adapter as they appear in a topology file or an --iut file, and
// their schema; kept apart from the adapter so that loading a topology does not load the build.
import type { JsonSchema } from '../topology/json-schema.js';

export interface OaiOptions {
  /** The pristine source: an archive or a directory (default ../shared/iut-src/oai-pmipv6-9ff74883.tar.gz). */
  source?: string;
  /** RFC5213TimestampBasedApproachInUse (default true: the suite's domain uses timestamps). */
  timestamps?: boolean;
  /** The MAG's PBULifeTime, seconds (default 40, OAI's own). */
  lifetimeS?: number;
  /** The LMA's RFC 5213 §9.1 variables, milliseconds (defaults: the RFC's). */
  minDelayBeforeBceDeleteMs?: number;
  maxDelayBeforeNewBceAssignMs?: number;
  timestampValidityWindowMs?: number;
  /** InitialBindackTimeoutFirstReg as OAI names it (RetransmissionTimeOut), ms, and MaxMessageRetransmissions. */
  retransmissionTimeoutMs?: number;
  maxRetransmissions?: number;
  /** mip6d's DebugLevel (the readiness signal and the log-derived state need > 0). */
  debugLevel?: number;
}

const ms = (description: string): JsonSchema => ({ type: 'integer', minimum: 1, description });

export const oaiOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source: { type: 'string', minLength: 1, description: 'OAI PMIPv6 source: a .tar.gz archive or a directory (default: ../shared/iut-src/oai-pmipv6-9ff74883.tar.gz)' },
    timestamps: { type: 'boolean', description: 'RFC5213TimestampBasedApproachInUse' },
    lifetimeS: { type: 'integer', minimum: 4, description: 'the MAG\'s PBULifeTime in seconds' },
    minDelayBeforeBceDeleteMs: ms('RFC5213MinDelayBeforeBCEDelete'),
    maxDelayBeforeNewBceAssignMs: ms('RFC5213MaxDelayBeforeNewBCEAssign'),
    timestampValidityWindowMs: ms('RFC5213TimestampValidityWindow'),
    retransmissionTimeoutMs: ms('RetransmissionTimeOut'),
    maxRetransmissions: { type: 'integer', minimum: 0, description: 'MaxMessageRetransmissions' },
    debugLevel: { type: 'integer', minimum: 1, maximum: 10, description: 'DebugLevel (>= 1: mip6d stays in the foreground and logs to stderr)' },
  },
};
