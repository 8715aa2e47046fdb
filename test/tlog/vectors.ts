import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/vectors.js';

/** The third-party vectors copied into test-vectors/third-party/ (each folder's README names origin and licence). */
export function thirdParty<T>(...parts: string[]): T {
  const v = JSON.parse(readFileSync(join(REPO_ROOT, 'test-vectors', 'third-party', ...parts), 'utf8')) as T;
  if (v === null || typeof v !== 'object' || Object.keys(v).length === 0) throw new Error(`empty vector file ${parts.join('/')}`);
  return v;
}

export interface C2spVectors {
  signedNote: { vkey: string; note: string; text: string };
  quasimodoNote: { note: string };
  checkpoint: { note: string };
  cosignature: { note: string; signedMessageExample: string };
  witness: { addCheckpointRequest: string; addCheckpointResponse: string };
  tiles: {
    pathExample: { index: number; path: string };
    size70000: { fullLevel0: number; partialLevel0: number; fullLevel1: number; partialLevel1: number; partialLevel2: number };
  };
}

export interface GoNoteVectors {
  peterVkey: string;
  enochVkey: string;
  peterSkey: string;
  badVkeys: string[];
  text: string;
  peterSig: string;
  enochSig: string;
  signed: string;
}

export interface TorchwoodMldsa {
  seed: string;
  origin: string;
  leafData: string;
  vkey: string;
  note: string;
}

export interface FormatsSubtree {
  vkey: string;
  signatureLine: string;
  origin: string;
  start: number;
  end: number;
  hash: string;
}

export const c2sp = (): C2spVectors => thirdParty<C2spVectors>('c2sp', 'vectors.json');
export const goNote = (): GoNoteVectors => thirdParty<GoNoteVectors>('go-sumdb-note', 'vectors.json');
export const torchwood = (): TorchwoodMldsa => thirdParty<TorchwoodMldsa>('torchwood', 'mldsa-log.json');
export const formatsSubtree = (): FormatsSubtree => thirdParty<FormatsSubtree>('transparency-dev-formats', 'mldsa-subtree.json');
