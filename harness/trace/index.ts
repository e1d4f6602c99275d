// The trace model: decoded frames of several capture points on one clock, PBU/PBA exchanges,
// mobility sessions, roles and domain settings. Checks and reports read a Trace.
export * from './types.js';
export { describeMh, describeNd, Trace, type TraceParts } from './trace.js';
export { TraceBuilder } from './builder.js';
export { loadTrace, readEventLog, EventLogError, type LoadProgress } from './load.js';
export { traceEventsFromLog, type LogEntry, type LogIdentities } from './testbed-log.js';
export { AddressTable, DataTable, DATA_TUNNELLED, DATA_INNER_V4, DATA_ENCAP_LIMIT, DATA_GRE, DATA_GRE_KEY, DATA_OUTER_V4, DATA_UDP, packetFingerprint } from './data-table.js';
export { accepted, decisionTime, magStateAt, servingMag, sessionPrefixes, stateAt, ACCEPTED_LIMIT, type SessionState } from './sessions.js';
export { isPba, isPbu, mnIdOf } from './exchanges.js';
export { DEFAULT_SETTINGS, RFC6543_LINK_LOCAL, RFC6543_MAC } from './infer.js';
export { accessTechnologyOfLinkType, provenanceText, SETTING_OPTIONS, settingKnown, unknownSetting } from './settings.js';
export { sameSet, setText } from './text-sets.js';
export { pushTo } from './multimap.js';
export { partitionPoint } from './search.js';
export { countOptions, everyOptionOf, optionOf, optionsOf, presenceText, readAsSent } from './options.js';
