// What the receiver of a Mobility Header must throw away. RFC 6275 §9.2 (catalog C.1, MH-05..08)
// makes it discard a message whose checksum fails, whose Payload Proto is not 59 or whose Header
// Len is too short for its type; a message that does not fit its own Header Len (an option
// overrunning it, a header longer than the packet) cannot be parsed and is dropped as well, as
// every implementation does. A discarded message creates, refreshes or ends no session,
// acknowledges no PBU and stops no retransmission timer: the trace model gives it no such effect.
import { IPPROTO_NONE } from '../../wire/index.js';
import type { MhFrame } from './types.js';

/**
 * Why the receiver must discard `f`, or undefined. `captured`: the octets of the MH the capture
 * holds (a snap length may cut a well-formed message short: that is no reason to discard it).
 */
export function discardReason(f: MhFrame, captured: number): string | undefined {
  const m = f.mh;
  const why: string[] = [];
  const cutByCapture = m.length > captured && (f.upperLength < 0 || m.length <= f.upperLength);
  if (f.upperLength >= 0 && m.length > f.upperLength) why.push(`Header Len says ${m.length} octets, the packet carries ${f.upperLength}`);
  else if (m.malformed !== undefined && !cutByCapture) why.push(m.malformed);
  if (m.payloadProto !== IPPROTO_NONE && !cutByCapture) why.push(`Payload Proto is ${m.payloadProto}, not ${IPPROTO_NONE}`);
  if (m.checksumOk === false) {
    why.push(m.checksumOkOverCarried === true
      ? `its checksum is wrong for the ${m.length} octets Header Len declares (it is right over the ${f.upperLength >= 0 ? f.upperLength : captured} octets carried)`
      : 'its checksum is wrong');
  }
  return why.length === 0 ? undefined : why.join('; ');
}
