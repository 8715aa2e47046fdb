/** The C2SP tlog-witness (Node): spec/tlog.md "Witness". */
export { Witness } from './witness.js';
export type { WitnessAnswer, WitnessConfig, WitnessLogger, WitnessStateStore } from './witness.js';
export { WitnessStore } from './store.js';
export type { LogState } from './store.js';
export { generateWitnessKeys, loadWitnessKeys, parseLogs, resolveWitnessOptions, vkeysOf } from './config.js';
export type { WitnessOptions } from './config.js';
export { startWitnessServer } from './server.js';
export type { RunningWitness } from './server.js';
