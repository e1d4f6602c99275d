// Options of the `opmip` IUT adapter as they appear in a topology or --iut file, and their
// schema; kept apart from the adapter so that loading a topology does not load it.
import type { JsonSchema } from '../topology/json-schema.js';

/** An MN in node.db besides (or instead of, same NAI) the topology's. */
export interface OpmipMobileNode { nai: string; mac?: string; prefixes?: string[] }

export interface OpmipOptions {
  /** OPMIP's source: an archive or a directory (default ../shared/iut-src/opmip-099f6cb0.tar.gz beside the project). */
  source?: string;
  /** MAG: the link-local address it sends RAs from on every access link (default fe80::1, OPMIP's own default, the same at every MAG). */
  linkLocal?: string;
  /** Extra or changed mobile-nodes entries of node.db. */
  mobileNodes?: OpmipMobileNode[];
}

export const opmipOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source: { type: 'string', minLength: 1, description: 'OPMIP source archive or directory (relative: to the project root)' },
    linkLocal: { type: 'string', pattern: '^fe80:[0-9a-fA-F:]*$', description: 'the MAG\'s link-local address on all access links (--link-local-ip)' },
    mobileNodes: {
      type: 'array',
      items: {
        type: 'object', additionalProperties: false, required: ['nai'],
        properties: {
          nai: { type: 'string', minLength: 1 },
          mac: { type: 'string', pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$' },
          prefixes: { type: 'array', items: { type: 'string', pattern: '^[0-9a-fA-F:]+/[0-9]{1,3}$' } },
        },
      },
    },
  },
};
