// The shape of one requirement row of the RFC 5213 conformance catalog (parts C and D).

/** The first RFC 2119 keyword of the Level column; INFO marks "(feature not supported)". */
export type PrimaryLevel = 'MUST' | 'MUST NOT' | 'SHOULD' | 'SHOULD NOT' | 'MAY' | 'DERIVED' | 'FORMAT' | 'INFO';

/** The kind of node a requirement judges ("both", "sender", "domain" count for both). */
export type Role = 'MAG' | 'LMA';

/** The catalog's observability marks: P passive, P* stimulus, T timing, S IUT state, N none. */
export interface Observability {
  /** The marks as written, e.g. "P/T". */
  text: string;
  passive: boolean;
  stimulus: boolean;
  timing: boolean;
  state: boolean;
  none: boolean;
}

export interface Requirement {
  /** "LMA-PBA-02" */
  id: string;
  /** C: RFC 5213 and inherited RFC 6275 rules; D: companion RFCs; L: project-local rows (local-requirements.ts). */
  part: 'C' | 'D' | 'L';
  /** Catalog subsection, e.g. "C.4". */
  group: string;
  groupTitle: string;
  /** The ID without its number, e.g. "LMA-PBA". */
  family: string;
  /** RFC and section(s), e.g. "5213 §5.3.6, §8.2". */
  section: string;
  /** The Level column as written, e.g. "MUST / SHOULD". */
  levelText: string;
  level: PrimaryLevel;
  /** The Role column as written, e.g. "n-MAG". */
  roleText: string;
  roles: Role[];
  statement: string;
  howToCheck: string;
  observability: Observability;
}
