// What a conformance case imports: the case frame, the chai plugin, the active tester.
export { conformanceCase, type CaseDefinition, type CaseRun } from './case.js';
export { expect } from './chai-pmip.js';
export { judgeMagTunnelState } from './state-verdicts.js';
export { startPingStream } from './ping-stream.js';
export { mobilityOf, type CaptureWatch, type LiveFrame } from './live-capture.js';
export type { DomainNeeds, MnProvision } from './profile.js';
export { grantedLinkLocal, grantedPrefixes, type EmulatedMag, type Sent } from '../active/emulated-mag.js';
export { unknownTypeSpec, pbuSpec, type PbuParams } from '../active/stimulus.js';
export type { LmaRule } from '../active/emulated-lma.js';
