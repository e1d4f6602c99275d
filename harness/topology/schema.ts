// The topology file format: its TypeScript shape and the JSON Schema that checks it. The schema
// is built here, once, and published as topologies/schema.json for editors (a test keeps the two
// equal); the loader validates every file against this same object.
//
// Names that end up in `ip` commands and file names (node ids, interface names, capture points)
// are held to strict patterns here, so nothing later has to quote or escape them.
import { ADAPTERS } from '../iut/registry.js';
import type { JsonSchema } from './json-schema.js';

export const NODE_KINDS = ['mn', 'mag', 'lma', 'cn', 'router', 'ap', 'host'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** Node ids double as AP port names, hence the 15-character interface-name limit. */
export const NODE_ID_PATTERN = '^[a-z][a-z0-9_-]{0,14}$';
export const IFNAME_PATTERN = '^[a-z][a-z0-9_-]{0,14}$';
export const CAPTURE_PATTERN = '^[a-z0-9][a-z0-9_-]{0,47}$';
export const PARAM_PATTERN = '^[a-z][a-z0-9_]{0,31}$';
const ENDPOINT_PATTERN = '^[a-z][a-z0-9_-]{0,14}(:[a-z][a-z0-9_-]{0,14})?$';
const MAC_PATTERN = '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$';
const PREFIX_PATTERN = '^[0-9a-fA-F:]+/[0-9]{1,3}$';
const SYSCTL_KEY_PATTERN = '^[a-z0-9_]+([./][a-z0-9_-]+)+$';
const SYSCTL_VALUE_PATTERN = '^[A-Za-z0-9_.:, /-]{0,64}$';

export type DadMode = 'off' | 'optimistic' | 'on';
/** The MN's home address service (RFC 5844): IPv6 only, IPv4 and IPv6, or IPv4 only. */
export type MnFamily = 'ipv6' | 'dual-stack' | 'ipv4';
export const MN_FAMILIES: readonly MnFamily[] = ['ipv6', 'dual-stack', 'ipv4'];

export interface IutSpec { adapter: string; options?: Record<string, unknown> }

export interface NodeSettings {
  sysctls?: Record<string, string | number>;
  // mn
  mac?: string;
  nai?: string;
  hnp?: string;
  dad?: DadMode;
  family?: MnFamily;
  count?: number | string;
  // mag, lma
  iut?: IutSpec;
  // ap
  capture?: string;
}

export interface NodeSpec extends NodeSettings { kind: NodeKind }

export interface LinkSpecObject {
  endpoints: [string, string];
  prefix?: string;
  autoAddress?: boolean;
  capture?: string | { name: string; at?: string };
  /** RFC 5844 §4 IPv4 transport: an IPv4 subnet whose first hosts its infrastructure endpoints get. */
  ipv4?: string;
}

export type LinkSpec = [string, string] | LinkSpecObject;

export interface TopologyFile {
  name: string;
  description?: string;
  parameters?: Record<string, number>;
  addressing?: { pool?: string; hnpPool?: string };
  routing?: 'static' | 'none';
  defaults?: Partial<Record<NodeKind, NodeSettings>>;
  nodes: Record<string, NodeSpec>;
  links?: LinkSpec[];
}

const str = (description: string, pattern: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', pattern, description, ...extra });

const prefix = (what: string) => str(`an IPv6 prefix such as 2001:db8::/48 (${what})`, PREFIX_PATTERN);

const sysctls: JsonSchema = {
  type: 'object',
  description: 'extra sysctls set in the node, after the testbed\'s own',
  propertyNames: str('a sysctl name such as net.ipv6.conf.all.forwarding', SYSCTL_KEY_PATTERN),
  additionalProperties: { type: ['string', 'integer'], pattern: SYSCTL_VALUE_PATTERN, description: 'a plain sysctl value' },
};

const iut: JsonSchema = {
  description: 'the implementation under test run in this node, through an adapter',
  oneOf: Object.entries(ADAPTERS).map(([name, entry]) => ({
    type: 'object',
    additionalProperties: false,
    required: ['adapter'],
    description: entry.summary,
    properties: { adapter: { const: name }, options: entry.optionsSchema },
  })),
};

const captureName = str('a capture point name: lower-case letters, digits, _ and -, at most 48 characters', CAPTURE_PATTERN);

/** The settings each kind accepts, shared by `nodes` entries and `defaults`. */
const KIND_SETTINGS: Record<NodeKind, Record<string, JsonSchema>> = {
  mn: {
    mac: str('a unicast MAC address such as 02:00:00:00:01:01 (default: generated from the MN\'s position)', MAC_PATTERN),
    nai: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[!-~]+$', description: 'the MN\'s NAI (RFC 4282), e.g. mn1@example.org (default: <id>@example.org)' },
    hnp: prefix('the MN\'s home network prefix, a /64 (default: from addressing.hnpPool)'),
    dad: { enum: ['off', 'optimistic', 'on'], description: 'duplicate address detection on the MN (default off: fastest usable address)' },
    family: { enum: [...MN_FAMILIES], description: 'home address service (RFC 5844): ipv6 (an HNP, the default), dual-stack (an HNP and an IPv4 home address) or ipv4 (an IPv4 home address only)' },
    count: {
      description: 'expand into <id>1 ... <id>N; a number or a parameter reference such as ${mns}',
      oneOf: [{ type: 'integer', minimum: 1, maximum: 10000 }, str('a parameter reference such as ${mns}', '^\\$\\{[a-z][a-z0-9_]{0,31}\\}$')],
    },
    sysctls: { $ref: '#/$defs/sysctls' },
  },
  mag: { iut: { $ref: '#/$defs/iut' }, sysctls: { $ref: '#/$defs/sysctls' } },
  lma: { iut: { $ref: '#/$defs/iut' }, sysctls: { $ref: '#/$defs/sysctls' } },
  cn: { sysctls: { $ref: '#/$defs/sysctls' } },
  router: { sysctls: { $ref: '#/$defs/sysctls' } },
  ap: { capture: { ...captureName, description: 'a capture point on the AP\'s bridge (every frame of the segment)' }, sysctls: { $ref: '#/$defs/sysctls' } },
  host: { sysctls: { $ref: '#/$defs/sysctls' } },
};

const KIND_SUMMARY: Record<NodeKind, string> = {
  mn: 'a mobile node: a host that attaches to APs and configures itself from router advertisements',
  mag: 'a mobile access gateway: access links to APs, a transport link toward the LMA',
  lma: 'a local mobility anchor',
  cn: 'a correspondent node',
  router: 'a plain IPv6 router (e.g. between MAGs and the LMA)',
  ap: 'an access point: a Linux bridge MNs and MAG access links attach to',
  host: 'a regular IPv6 host on a MAG\'s access link (RFC 5213 §6.10.5), not an MN: the domain does not provision it for PMIPv6; a static address from the MAG\'s access link prefix, the MAG as default router',
};

/** Settings that must differ between nodes, so a default for them makes no sense. */
const PER_NODE_ONLY = new Set(['count', 'mac', 'nai', 'hnp', 'capture']);

const endpoint = str('an endpoint "node" or "node:ifname"', ENDPOINT_PATTERN);
const endpoints: JsonSchema = { type: 'array', items: endpoint, minItems: 2, maxItems: 2 };

export const topologySchema: JsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'pmip-testbed topology',
  description: 'A PMIPv6 testbed topology: nodes (one network namespace each), links (veth pairs), capture points.',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'nodes'],
  properties: {
    name: str('a topology name: letters, digits, _ . -', '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    description: { type: 'string' },
    parameters: {
      type: 'object',
      description: 'named integers with their defaults, referenced as ${name} by a node\'s count and overridable at run time',
      propertyNames: str('a parameter name: lower-case letters, digits and _', PARAM_PATTERN),
      additionalProperties: { type: 'integer', minimum: 0, maximum: 10000 },
    },
    addressing: {
      type: 'object',
      additionalProperties: false,
      description: 'where generated prefixes come from',
      properties: {
        pool: prefix('one /64 per link is carved from it; default 2001:db8::/48'),
        hnpPool: prefix('one /64 home network prefix per MN; default 2001:db8:8000::/33'),
      },
    },
    routing: { enum: ['static', 'none'], description: 'static (default): routes between all link prefixes on every infrastructure node; none: only connected routes' },
    defaults: {
      type: 'object',
      additionalProperties: false,
      description: 'settings inherited by every node of a kind; a node\'s own setting replaces the default of the same name',
      properties: Object.fromEntries(NODE_KINDS.map((k) => [k, {
        type: 'object', additionalProperties: false, description: `defaults of ${k} nodes`,
        properties: Object.fromEntries(Object.entries(KIND_SETTINGS[k]).filter(([name]) => !PER_NODE_ONLY.has(name))),
      }])),
    },
    nodes: {
      type: 'object',
      description: 'nodes keyed by id; the id names the network namespace and, on an AP, the port',
      propertyNames: str('a node id: a lower-case letter, then lower-case letters, digits, _ or -, at most 15 characters', NODE_ID_PATTERN),
      additionalProperties: { $ref: '#/$defs/node' },
    },
    links: { type: 'array', items: { $ref: '#/$defs/link' } },
  },
  $defs: {
    node: {
      oneOf: NODE_KINDS.map((k) => ({
        type: 'object', additionalProperties: false, required: ['kind'], description: KIND_SUMMARY[k],
        properties: { kind: { const: k }, ...KIND_SETTINGS[k] },
      })),
    },
    link: {
      description: 'a veth pair between two nodes; a link to an AP plugs into its bridge',
      oneOf: [
        { ...endpoints, description: 'the two endpoints, e.g. ["mag1:acc0", "ap1"]' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['endpoints'],
          properties: {
            endpoints,
            prefix: prefix('the link\'s /64; default: the next free /64 of addressing.pool'),
            autoAddress: { type: 'boolean', description: 'give infrastructure endpoints an address from the prefix (default true)' },
            ipv4: str('an IPv4 subnet such as 192.0.2.0/24 for an IPv4 transport (RFC 5844 §4): the infrastructure endpoints get its first hosts, in endpoint order, besides their IPv6 address', '^(?:\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}$'),
            capture: {
              oneOf: [
                captureName,
                {
                  type: 'object', additionalProperties: false, required: ['name'],
                  properties: { name: captureName, at: str('the endpoint node to capture at (default: the first that is not an AP)', NODE_ID_PATTERN) },
                },
              ],
            },
          },
        },
      ],
    },
    iut,
    sysctls,
  },
};
